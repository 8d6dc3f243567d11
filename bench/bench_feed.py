"""How fast the feed scenario runs a large community, and in how much memory.

    PYTHONPATH=. python bench/bench_feed.py [--population 5000] [--hours 12] [--model history]

Runs the board pack grown to N members on the feed with the chosen backend (history: no model at
all, so this measures townhall itself), the human post seeded, into a throwaway SQLite file.
Prints decisions/s (persona actions chosen, including likes and scrolls past), feed sessions/s,
the wall time, the share of it spent appraising messages (agents/appraisal.py), the warm-up
before the run, and the peak RSS of the process.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sqlite3
import tempfile
import time
from pathlib import Path

from agents.backends.pool import LLMPool
from agents.packs import load_pack
from agents.population import grow
from bot.engine.orchestrator import Orchestrator
from bot.engine.settings import RunSettings
from bot.scenarios import make_scenario
from bot.transcript import Transcript

AD = "Introducing Ledgerly Autopilot: your books close themselves. Great news for small businesses!"


async def bench(population: int, hours: float, model: str, seed: int) -> None:
    pack = load_pack("board")
    started = time.perf_counter()
    members, follows = grow(pack.personas, pack.room.follows, population, seed)
    grown = time.perf_counter() - started
    llms = LLMPool(model)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.db"
        async with Transcript(db) as transcript:
            feed = make_scenario("feed", hours=hours, follows=follows)
            sessions = 0
            session = feed._session

            def counted(persona: int) -> None:
                nonlocal sessions
                sessions += 1
                session(persona)

            feed._session = counted
            room = Orchestrator(
                pack,
                llms.for_persona,
                transcript,
                RunSettings(seed=seed, speed=0),
                model_name=model,
                policy=feed,
                personas=members,
            )
            warming = time.perf_counter()
            await room.start()  # loads the embedding model and embeds every persona's phrases
            warm = time.perf_counter() - warming
            await room.post_human("Brand", AD)
            began = time.perf_counter()
            reason = await room.run()
            wall = time.perf_counter() - began
        await llms.aclose()
        with sqlite3.connect(db) as conn:
            decisions = conn.execute("SELECT COUNT(*) FROM decisions").fetchone()[0]
            messages = conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
            reactions = conn.execute("SELECT COUNT(*) FROM reactions").fetchone()[0]
    post = feed.stats.seeded[0]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"feed · {population:,} members · {hours:g} simulated hours · model {model} · ({reason})")
    print(f"  population grown in      {grown:.2f} s")
    print(f"  run wall time            {wall:.2f} s")
    appraising = room.opinions.appraiser.seconds
    print(f"  appraising messages      {appraising:.2f} s  ({appraising / wall:.1%} of the run)")
    print(f"  warm-up (before the run) {warm:.2f} s")
    print(f"  feed sessions            {sessions:,}  ({sessions / wall:,.0f}/s)")
    print(f"  decisions                {decisions:,}  ({decisions / wall:,.0f}/s)")
    print(f"  messages / reactions     {messages:,} / {reactions:,}")
    print(f"  reach of the human post  {len(feed.seen_by.get(post, ())):,} members")
    print(f"  peak RSS                 {peak:.0f} MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--population", type=int, default=5000)
    parser.add_argument("--hours", type=float, default=12.0)
    parser.add_argument("--model", default="history")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    asyncio.run(bench(args.population, args.hours, args.model, args.seed))


if __name__ == "__main__":
    main()
