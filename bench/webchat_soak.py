"""A soak of the web chat: many tabs posting for minutes; reports lost and doubled events and memory.

    PYTHONPATH=. python bench/webchat_soak.py [--clients 200] [--seconds 300] [--every 2]

A real room (board pack, the instant `fake` model, speed 10) and the real web chat. The tabs run in
a separate process (as browsers do), each from its own loopback address (127.0.x.y: the web chat
limits posts per address, as it would limit separate machines) and under its own name, posting
every `--every` seconds (default: as often as a tab may, one post every two seconds).

At the end, every acked post must be in the transcript exactly once and have reached a watching
tab exactly once ("lost" and "doubled" must be 0). A post with no answer is one whose tab the
server dropped for falling too far behind (the page reconnects and catches up); it is counted, and
it must be stored too. The server's RSS is sampled every 5 s and should stay flat.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agents.backends.pool import LLMPool  # noqa: E402
from agents.packs import load_pack  # noqa: E402
from bot.engine.settings import RunSettings  # noqa: E402
from bot.platforms.webchat import WebChatPlatform  # noqa: E402
from bot.platforms.webchat.limits import POST_PER_SECOND  # noqa: E402
from bot.runs.session import run_session  # noqa: E402


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def tabs(ws_url: str, count: int, seconds: float, every: float) -> None:
    """Client process: `count` posting tabs and one watcher; prints one JSON report at the end."""
    import websockets

    acked: list[str] = []
    sent: list[str] = []
    refused: Counter[str] = Counter()
    seen: Counter[str] = Counter()

    async def poster(i: int) -> None:
        address = f"127.0.{2 + i // 250}.{1 + i % 250}"
        async with websockets.connect(ws_url, local_addr=(address, 0), max_size=None) as ws:
            await ws.send(json.dumps({"op": "hello", "after": -1}))
            texts: dict[int, str] = {}
            end = time.monotonic() + seconds

            async def read() -> None:
                async for raw in ws:
                    frame = json.loads(raw)
                    if frame["type"] == "ack" and frame.get("ref") in texts:
                        acked.append(texts.pop(frame["ref"]))
                    elif frame["type"] == "error":
                        refused[frame["message"].split(":")[0]] += 1
            reader = asyncio.create_task(read())
            ref = 0
            while time.monotonic() < end:
                ref += 1
                texts[ref] = f"soak {i}-{ref}"
                sent.append(texts[ref])
                await ws.send(json.dumps({"op": "post", "name": f"Tab {i}", "text": texts[ref],
                                          "ref": ref}))
                await asyncio.sleep(every)
            settle = time.monotonic() + 60
            while texts and time.monotonic() < settle:  # the last acks, however loaded the server
                await asyncio.sleep(0.2)
            reader.cancel()

    async def watcher() -> None:
        async with websockets.connect(ws_url, max_size=None) as ws:
            await ws.send(json.dumps({"op": "hello", "after": -1}))
            async for raw in ws:
                frame = json.loads(raw)
                if frame["type"] == "message" and frame["text"].startswith("soak "):
                    seen[frame["text"]] += 1

    watching = asyncio.create_task(watcher())
    await asyncio.sleep(1)
    await asyncio.gather(*(poster(i) for i in range(count)), return_exceptions=True)
    settle = time.monotonic() + 60
    while any(seen[t] == 0 for t in acked) and time.monotonic() < settle:
        await asyncio.sleep(0.5)
    watching.cancel()
    print(json.dumps({"sent": sent, "acked": acked, "seen": seen, "refused": refused}), flush=True)


async def soak(count: int, seconds: float, every: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "soak.db"
        urls: asyncio.Queue[str] = asyncio.Queue()
        platform = WebChatPlatform(port=0, announce=urls.put_nowait)
        settings = RunSettings(seed=1, speed=10, stop_when_quiet=False)
        session = asyncio.create_task(run_session(load_pack("board"), LLMPool("fake"), db,
                                                  settings, platform))
        await urls.get()
        client = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--tabs-at", f"ws://127.0.0.1:{platform.port}/ws",
            "--clients", str(count), "--seconds", str(seconds), "--every", str(every), stdout=asyncio.subprocess.PIPE,
            env=os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
        # Drained while the tabs run: their report is large, and a full pipe would stall them.
        report_text = asyncio.create_task(client.stdout.read())
        samples = []
        while client.returncode is None:
            samples.append(rss_mb())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(client.wait(), 5)
        out = (await report_text).decode().strip().splitlines()
        platform.engine.request_stop("soak over")
        platform.close_room()  # a web room outlives its run until closed
        await session
        report = json.loads(out[-1])
        stored = Counter(t for (t,) in sqlite3.connect(db).execute(
            "SELECT text FROM messages WHERE text LIKE 'soak %'"))
    acked, refused = report["acked"], sum(report["refused"].values())
    lost = sum(1 for t in acked if stored[t] == 0 or report["seen"].get(t, 0) == 0)
    doubled = sum(1 for n in [*stored.values(), *report["seen"].values()] if n > 1)
    unanswered = set(report["sent"]) - set(acked)
    print(f"{count} tabs × {seconds:g} s: {len(report['sent'])} posts sent, {len(acked)} acked, "
          f"{refused} refused, {len(unanswered) - refused} unanswered "
          f"({sum(1 for t in unanswered if stored[t])} of those stored); "
          f"{sum(stored.values())} stored, {sum(report['seen'].values())} seen by a watching tab; "
          f"lost {lost}, doubled {doubled}")
    print(f"refused: {dict(report['refused']) or 'none'}")
    print(f"server RSS MB every 5 s: first {samples[0]:.0f}, last {samples[-1]:.0f}, "
          f"max {max(samples):.0f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--every", type=float, default=1 / POST_PER_SECOND, help="seconds between posts")
    parser.add_argument("--tabs-at", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.tabs_at:
        asyncio.run(tabs(args.tabs_at, args.clients, args.seconds, args.every))
    else:
        asyncio.run(soak(args.clients, args.seconds, args.every))
