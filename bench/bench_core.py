"""Orchestration cost with a zero-latency model: how fast is the room itself?

    python bench/bench_core.py --personas 1000 --messages 10000

A room of N synthetic personas, the human posts once, a free instant fake model answers (30% reply,
20% react, 50% ignore); the run ends at --messages. Prints decisions/s, messages/s, peak RSS and the
wall time between consecutive messages (p50/p99) — everything our code does per message: the gate,
scheduling, prompt building, validation and the SQLite writes.

Then the floor, in the same process: a plain asyncio loop writing the same rows (decisions,
messages, reactions) through aiosqlite with executemany, one transaction per 500 decisions, and
nothing else. The room's decisions/s over the floor's is the figure to compare across machines.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agents.backends.fake import FakeLLM  # noqa: E402
from agents.gate import GateSettings  # noqa: E402
from agents.packs import Pack, Room  # noqa: E402
from agents.persona import Activity, Persona  # noqa: E402
from bot.engine.budgets import Budgets  # noqa: E402
from bot.engine.orchestrator import Orchestrator
from bot.engine.settings import RunSettings
from bot.scenarios import Discussion  # noqa: E402
from bot.transcript import Transcript  # noqa: E402
from bot.transcript.events import MessageEvent  # noqa: E402

ANSWERS = [{"action": "reply", "text": "I have a view on this."}, {"action": "ignore"},
           {"action": "react", "emoji": "👍"}, {"action": "ignore"}, {"action": "reply", "text": "No."},
           {"action": "ignore"}, {"action": "react", "emoji": "🤔"}, {"action": "ignore"},
           {"action": "reply", "text": "Yes, and?"}, {"action": "ignore"}]


def synthetic_pack(n: int, seed: int) -> Pack:
    rng = np.random.default_rng(seed)
    personas = tuple(
        Persona(id=f"p{i}", name=f"Member {i}", role="community member",
                color=f"#{rng.integers(0, 0xFFFFFF):06x}",
                activity=Activity(talkativeness=float(rng.uniform(0.2, 2.0) * 20 / n),
                                  reaction_propensity=0.3, reply_delay=float(rng.uniform(3, 30))),
                examples=[f"Example post {i}."])
        for i in range(n))
    return Pack("synthetic", Path("."), Room(name="Bench room"), personas)


async def bench(personas: int, messages: int, seed: int) -> dict:
    pack = synthetic_pack(personas, seed)
    llm = FakeLLM(ANSWERS, record=False)
    arrivals: list[float] = []

    def on_event(event) -> None:
        if isinstance(event, MessageEvent):
            arrivals.append(time.perf_counter())

    settings = RunSettings(seed=seed, speed=0, concurrency=64,
                           budgets=Budgets(max_messages=messages),
                           gate=GateSettings(fatigue=0.995, cooldown_seconds=5))
    with tempfile.TemporaryDirectory() as tmp:
        async with Transcript(Path(tmp) / "bench.db") as transcript:
            room = Orchestrator(pack, lambda p: llm, transcript, settings, policy=Discussion(),
                                model_name="fake")
            room.subscribe(on_event)
            await room.start()
            started = time.perf_counter()
            await room.post_human("Bench", "Here is the pitch everyone reacts to.")
            reason = await room.run()
            elapsed = time.perf_counter() - started
            decisions = (await (await transcript.conn.execute(
                "SELECT COUNT(*) FROM decisions")).fetchone())[0]
    gaps_us = np.diff(np.array(arrivals)) * 1e6
    return {
        "personas": personas, "messages": room.totals.messages, "reactions": room.totals.reactions,
        "decisions": decisions, "seconds": elapsed, "reason": reason,
        "decisions_per_s": decisions / elapsed, "messages_per_s": room.totals.messages / elapsed,
        "gap_p50_us": float(np.percentile(gaps_us, 50)), "gap_p99_us": float(np.percentile(gaps_us, 99)),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


FLOOR_BATCH = 500


async def floor(decisions: int, messages: int, reactions: int) -> float:
    """Seconds a bare loop takes to write the room's rows: the most the room could ever do."""
    with tempfile.TemporaryDirectory() as tmp:
        async with Transcript(Path(tmp) / "floor.db") as transcript:
            conn = transcript.conn
            started = time.perf_counter()
            written = [0, 0, 0]
            for start in range(0, decisions, FLOOR_BATCH):
                share = min(FLOOR_BATCH, decisions - start) / decisions
                d = range(start, start + min(FLOOR_BATCH, decisions - start))
                m = range(written[1], min(messages, written[1] + round(messages * share) + 1))
                r = range(written[2], min(reactions, written[2] + round(reactions * share) + 1))
                await conn.execute("BEGIN")
                await conn.executemany(
                    "INSERT INTO decisions (run_id, seq, persona_id, message_id, action, source, "
                    "reason, created_at, vtime) VALUES ('floor', ?, ?, ?, 'reply', 'model', ?, ?, ?)",
                    [(i, f"p{i % 1000}", i, "a reason", time.time(), float(i)) for i in d])
                await conn.executemany(
                    "INSERT INTO messages (run_id, id, seq, author_kind, author_id, text, "
                    "created_at, vtime) VALUES ('floor', ?, ?, 'persona', ?, ?, ?, ?)",
                    [(i, i, f"p{i % 1000}", "I have a view on this.", time.time(), float(i))
                     for i in m])
                await conn.executemany(
                    "INSERT INTO reactions (run_id, seq, message_id, author_id, emoji, created_at, "
                    "vtime) VALUES ('floor', ?, ?, ?, '👍', ?, ?)",
                    [(i, i, f"p{i % 1000}", time.time(), float(i)) for i in r])
                await conn.execute("COMMIT")
                written = [d.stop, m.stop, r.stop]
            return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--personas", type=int, default=1000)
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    r = asyncio.run(bench(args.personas, args.messages, args.seed))
    # The best of three: a floor is what the machine can do, not what it did while busy.
    floor_seconds = min(asyncio.run(floor(r["decisions"], r["messages"], r["reactions"]))
                        for _ in range(3))
    floor_rate = r["decisions"] / floor_seconds
    print(f"personas            {r['personas']:>10,}")
    print(f"messages            {r['messages']:>10,}   ({r['reason']})")
    print(f"reactions           {r['reactions']:>10,}")
    print(f"decisions           {r['decisions']:>10,}")
    print(f"wall time           {r['seconds']:>10.2f} s")
    print(f"decisions/s         {r['decisions_per_s']:>10,.0f}")
    print(f"messages/s          {r['messages_per_s']:>10,.0f}")
    print(f"per-message p50     {r['gap_p50_us']:>10,.0f} µs")
    print(f"per-message p99     {r['gap_p99_us']:>10,.0f} µs")
    print(f"peak RSS            {r['peak_rss_mb']:>10,.0f} MB")
    print(f"floor (same writes) {floor_rate:>10,.0f} decisions/s")
    print(f"room / floor        {r['decisions_per_s'] / floor_rate:>10.3f}")


if __name__ == "__main__":
    main()
