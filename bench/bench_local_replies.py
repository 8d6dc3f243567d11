"""How presentable the embedded model's replies are, on a fixed set of pitches to the board.

For each pitch: a headless discussion on the embedded model (speed 0, 10 persona messages), whose
replies are scored for filler openers ("I'm glad", "As a…"), being on topic (cosine similarity
with the message answered or the pitch, all-MiniLM-L6-v2), and falling back to a past post; then
the same pitch in a live room at the default pace (speed 1), timed from the post to the first
persona reply. Prints one line per pitch and the totals.

    PYTHONPATH=. python bench/bench_local_replies.py [--pitches 8] [--live-seconds 15]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import re
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console  # noqa: E402

from agents.backends.pool import LLMPool  # noqa: E402
from agents.embedding import shared_encoder  # noqa: E402
from agents.packs import load_pack  # noqa: E402
from bot.engine.budgets import Budgets  # noqa: E402
from bot.engine.settings import RunSettings  # noqa: E402
from bot.platforms.terminal import TerminalPlatform, TranscriptPrinter  # noqa: E402
from bot.runs.session import run_session  # noqa: E402

PITCHES = [
    "We should spend $2M on a Super Bowl ad for our accounting software.",
    "I propose a $250k paid-search test with a clear kill criterion after 90 days.",
    "Let's cut the support team by a third and move the money into marketing.",
    "We want to sell anonymised customer data to a partner to fund growth.",
    "Approve the minutes of the last board meeting.",
    "Our new ad will say we are the easiest accounting software in the world.",
    "Raise prices for small businesses by 20% next quarter.",
    "Hire a VP of Enterprise Sales within the approved budget.",
]
FILLER = re.compile(
    r"^\W*(i'?m (so |really )?(glad|happy|excited|thrilled|delighted)|as an? |absolutely|"
    r"great (question|idea|point|news)|i (completely |totally |fully )?agree|thank you|thanks|"
    r"(that|it)'?s (great|a great|an? (interesting|exciting))|what a |i love (this|that|it))",
    re.IGNORECASE)
ON_TOPIC = 0.3  # cosine with the message answered or with the pitch


def quiet_platform() -> TerminalPlatform:
    console = Console(file=io.StringIO(), width=120)
    return TerminalPlatform(console, TranscriptPrinter(console, {}, {}), interactive=False)


async def headless(pitch: str, db: Path, pool: LLMPool) -> list[tuple[str, str, str, float]]:
    """(reply, the message it answers, model, generation ms) for each persona reply."""
    settings = RunSettings(seed=0, speed=0, budgets=Budgets(max_messages=11))
    result = await run_session(load_pack("board"), pool, db, settings, quiet_platform(),
                               pitch=pitch)
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT m.text, p.text, c.model, c.latency_ms FROM messages m "
            "JOIN messages p ON p.run_id = m.run_id AND p.id = m.reply_to "
            "JOIN llm_calls c ON c.run_id = m.run_id AND c.seq < m.seq AND c.persona_id = m.author_id "
            "AND c.seq = (SELECT MAX(seq) FROM llm_calls WHERE run_id = m.run_id AND seq < m.seq "
            "AND persona_id = m.author_id) WHERE m.run_id = ? AND m.author_kind = 'persona'",
            (result.run_id,)).fetchall()


async def first_live_reply(pitch: str, db: Path, pool: LLMPool, seconds: float) -> float | None:
    settings = RunSettings(seed=0, speed=1, stop_when_quiet=False,
                           budgets=Budgets(max_seconds=seconds))
    result = await run_session(load_pack("board"), pool, db, settings, quiet_platform(),
                               pitch=pitch)
    with sqlite3.connect(db) as conn:
        posted = conn.execute("SELECT created_at FROM messages WHERE run_id = ? AND author_kind = "
                              "'human'", (result.run_id,)).fetchone()[0]
        first = conn.execute("SELECT MIN(created_at) FROM messages WHERE run_id = ? AND "
                             "author_kind = 'persona'", (result.run_id,)).fetchone()[0]
    return None if first is None else first - posted


async def main(count: int, live_seconds: float) -> None:
    encoder = shared_encoder()
    replies, fillers, on_topic, fallbacks, latencies, firsts = 0, 0, 0, 0, [], []
    with tempfile.TemporaryDirectory() as tmp:
        for number, pitch in enumerate(PITCHES[:count]):
            rows = await headless(pitch, Path(tmp) / f"h{number}.db", LLMPool("local"))
            filler = [text for text, *_ in rows if FILLER.search(text)]
            topical = 0
            for text, answered, model, ms in rows:
                vectors = encoder.encode([text, answered, pitch])
                topical += max(vectors[0] @ vectors[1], vectors[0] @ vectors[2]) >= ON_TOPIC
                fallbacks += model.endswith("+history")
                latencies.append(ms)
            started = time.perf_counter()
            first = await first_live_reply(pitch, Path(tmp) / f"l{number}.db", LLMPool("local"),
                                           live_seconds)
            firsts.append(first)
            replies, fillers, on_topic = replies + len(rows), fillers + len(filler), on_topic + topical
            print(f"{pitch[:60]:60s} {len(rows):2d} replies · filler {len(filler)} · on topic "
                  f"{topical} · first live reply {first and round(first, 1)} s "
                  f"({time.perf_counter() - started:.0f} s live)", flush=True)
            for text in filler[:2]:
                print(f"    filler: {text[:100]}")
    live = [f for f in firsts if f is not None]
    print(f"\n{replies} replies: filler {fillers / max(1, replies):.0%}, on topic "
          f"{on_topic / max(1, replies):.0%}, fell back to a past post {fallbacks / max(1, replies):.0%}; "
          f"generation p50 {statistics.median(latencies):.0f} ms; first live reply median "
          f"{statistics.median(live) if live else float('nan'):.1f} s, max "
          f"{max(live) if live else float('nan'):.1f} s, none within {live_seconds:g} s: "
          f"{len(firsts) - len(live)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pitches", type=int, default=len(PITCHES))
    parser.add_argument("--live-seconds", type=float, default=15.0)
    args = parser.parse_args()
    asyncio.run(main(args.pitches, args.live_seconds))
