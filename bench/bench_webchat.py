"""How long from a persona's action being published to the frame arriving on connected sockets.

    PYTHONPATH=. python bench/bench_webchat.py [--clients 1,10] [--seconds 20]

A real room (board pack, the instant `fake` model, speed 10) with the real web chat; a human posts
every 0.1 s, @mentioning each persona in turn, so the room keeps replying and reacting. The tabs
are WebSocket clients in a separate process (as browsers are). Every message and reaction carries
`created_at`, the wall time at which the orchestrator made it (right before it is written and
published); each tab records `received - created_at`. Prints p50 / p99 / max per tab count.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agents.backends.pool import LLMPool  # noqa: E402
from agents.packs import load_pack  # noqa: E402
from bot.engine.settings import RunSettings  # noqa: E402
from bot.platforms.webchat import WebChatPlatform  # noqa: E402
from bot.runs.session import run_session  # noqa: E402

POST_EVERY = 0.1
HANDLES = ["Helen", "Jordan", "Marcus", "Margaret", "Priya", "Sofia", "Tom"]


async def tabs(ws_url: str, count: int) -> None:
    """Client process: `count` tabs; prints one JSON list of latencies (ms) when the room closes."""
    import websockets

    latencies: list[float] = []

    async def tab() -> None:
        async with websockets.connect(ws_url, max_size=None) as ws:
            await ws.send(json.dumps({"op": "hello", "after": -1}))
            ready = False
            async for raw in ws:
                now = time.time()
                frame = json.loads(raw)
                if frame["type"] == "state" and not ready:
                    ready = True
                    caught_up.append(1)
                    if len(caught_up) == count:
                        started.set()
                elif ready and frame["type"] in ("message", "reaction"):
                    latencies.append((now - frame["created_at"]) * 1000)

    started, caught_up = asyncio.Event(), []
    sockets = [asyncio.create_task(tab()) for _ in range(count)]
    await started.wait()  # every tab has caught up before the clock starts
    print("ready", flush=True)
    await asyncio.gather(*sockets, return_exceptions=True)
    print(json.dumps(latencies), flush=True)


async def measure(count: int, seconds: float) -> list[float]:
    with tempfile.TemporaryDirectory() as tmp:
        urls: asyncio.Queue[str] = asyncio.Queue()
        platform = WebChatPlatform(port=0, announce=urls.put_nowait)
        settings = RunSettings(seed=1, speed=10, stop_when_quiet=False)
        session = asyncio.create_task(run_session(load_pack("board"), LLMPool("fake"),
                                                  Path(tmp) / "bench.db", settings, platform))
        await urls.get()
        client = await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--tabs-at", f"ws://127.0.0.1:{platform.port}/ws",
            "--clients", str(count), stdout=asyncio.subprocess.PIPE,
            env=os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parent.parent)})
        assert (await client.stdout.readline()).strip() == b"ready"
        room = platform.engine
        deadline = time.monotonic() + seconds
        posted = 0
        while time.monotonic() < deadline:
            await room.post_human(f"Guest {posted % 5}",
                                  f"Pitch {posted}: @{HANDLES[posted % len(HANDLES)]}, thoughts?")
            posted += 1
            await asyncio.sleep(POST_EVERY)
        await asyncio.sleep(1)
        room.request_stop("bench over")
        platform.close_room()  # a web room outlives its run until closed
        await session
        out, _ = await client.communicate()
        return json.loads(out.decode().strip().splitlines()[-1])


def quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=1000, method="inclusive")[int(q * 1000) - 1]


async def main(counts: list[int], seconds: float) -> None:
    print(f"web chat delivery latency: action published -> frame received "
          f"({os.cpu_count()} cores, {seconds:g} s per row)")
    print(f"{'tabs':>5} {'frames':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    for count in counts:
        latencies = await measure(count, seconds)
        print(f"{count:>5} {len(latencies):>8} {quantile(latencies, 0.5):>8.2f} "
              f"{quantile(latencies, 0.99):>8.2f} {max(latencies):>8.2f}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", default="1,10", help="comma-separated numbers of tabs")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--tabs-at", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.tabs_at:
        asyncio.run(tabs(args.tabs_at, int(args.clients)))
    else:
        asyncio.run(main([int(c) for c in args.clients.split(",")], args.seconds))
