"""Does the room respond to what was said? Offline (the `history` backend), three measures:

1. The README's pitch to the board, seeds 0..N-1: persona messages and distinct speakers per run;
   next to it, small talk to the same board (a room should not debate "good morning").
2. Board meetings on motions of our own, reckless and routine, over several seeds: how often each
   carried, and whether every vote reason agrees with the vote; half the motions were written
   after the rules were tuned and never tuned on ("unseen").
3. A kind and an insulting announcement to the community pack, several seeds each: replies,
   reactions, the share of replies against it, and whether it was a backlash (bot.batch.aggregate's
   rule: at least 3 objectors and at least 25% of those who responded).

    PYTHONPATH=. python bench/room_responds.py [--seeds 20]

Prints one table per measure. Takes about a minute on 2 cores.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console  # noqa: E402
from rich.progress import track  # noqa: E402
from rich.table import Table  # noqa: E402

from agents.appraisal import STANCE_BAND  # noqa: E402
from agents.backends.past_posts import PastPostsLLM  # noqa: E402
from agents.packs import load_pack  # noqa: E402
from bot.batch.aggregate import BACKLASH_SHARE  # noqa: E402
from bot.engine.orchestrator import Orchestrator  # noqa: E402
from bot.engine.settings import RunSettings  # noqa: E402
from bot.scenarios import make_scenario  # noqa: E402
from bot.transcript import Transcript  # noqa: E402

README_PITCH = "We should spend $2M on a Super Bowl ad for our accounting software."
SMALL_TALK = "Good morning everyone, hope you all had a nice weekend."
RECKLESS = [
    "Spend $8M, half our cash, on a Super Bowl ad this quarter with no legal review of its claims.",
    "Launch payroll in all 50 states next month without a compliance review.",
    "Sell our customers' transaction data to a data broker for $3M a year.",
    "Cut the support team by 60% next week and let an untested chatbot answer customers.",
]
ROUTINE = [
    "Approve the minutes of the last board meeting.",
    "Renew the Austin office lease on the same terms for one more year.",
    "Move the Q4 board meeting from Tuesday to Thursday.",
    "Adopt the updated travel expense policy the audit committee reviewed.",
]
# Written after the rules were tuned on the motions above, and not tuned on: how well it generalises.
UNSEEN_RECKLESS = [
    "Move all customer data to a cheaper offshore provider next week with no security review.",
    "Fire the entire QA team and ship releases straight to customers.",
    "Announce in a press release that our software makes tax mistakes impossible.",
    "Spend the whole marketing budget for next year on a single influencer campaign next month.",
]
UNSEEN_ROUTINE = [
    "Approve the board calendar for next year.",
    "Ratify the appointment of the new company secretary.",
    "Approve the renewal of our cloud hosting contract at the same price.",
    "Note the CEO's quarterly update.",
]
KIND = ("Thank you all for a wonderful year. From next month every member gets free delivery, "
        "and we are donating 5% of profits to the riverside cleanup.")
RUDE = ("Listen up, idiots: prices go up 30% next month. If you don't like it, shop somewhere "
        "else, we honestly don't care about your complaints.")


async def one_run(pack_name: str, pitch: str, seed: int, scenario: str = "discussion"
                  ) -> sqlite3.Connection:
    pack = load_pack(pack_name)
    db = Path(tempfile.mkdtemp()) / "room.db"
    async with Transcript(db) as transcript:
        room = Orchestrator(pack, lambda p: PastPostsLLM(), transcript,
                            RunSettings(seed=seed, speed=0), model_name="history",
                            policy=make_scenario(scenario))
        await room.start()
        await room.post_human("You", pitch)
        await room.run()
    return sqlite3.connect(db)


def talk(conn: sqlite3.Connection) -> tuple[int, int]:
    """(persona messages, distinct persona speakers) of an open discussion (it has no chair)."""
    found = conn.execute("SELECT COUNT(*), COUNT(DISTINCT author_id) FROM messages "
                         "WHERE author_kind = 'persona'").fetchone()
    return int(found[0]), int(found[1])


async def liveness(seeds: int, console: Console) -> None:
    table = Table(title=f"The board, seeds 0–{seeds - 1} (history)")
    for column in ("message", "persona messages: min / median / max", "≥5 speakers"):
        table.add_column(column)
    for label, text in (("README pitch", README_PITCH), ("small talk", SMALL_TALK)):
        runs = [talk(await one_run("board", text, seed))
                for seed in track(range(seeds), description=label, console=console)]
        messages = [m for m, _ in runs]
        table.add_row(label, f"{min(messages)} / {statistics.median(messages):g} / {max(messages)}",
                      f"{sum(s >= 5 for _, s in runs)}/{seeds}")
    console.print(table)


async def votes(seeds: int, console: Console) -> None:
    table = Table(title=f"Board votes on a plain motion, seeds 0–{seeds - 1} (history)")
    for column in ("kind", "motion", "carried", "for / against / abstain", "reasons agree"):
        table.add_column(column)
    board = load_pack("board").personas
    for kind, motions in (("reckless", RECKLESS), ("routine", ROUTINE),
                          ("reckless, unseen", UNSEEN_RECKLESS), ("routine, unseen", UNSEEN_ROUTINE)):
        for motion in track(motions, description=kind, console=console):
            carried, tally, agree, total = 0, [0, 0, 0], 0, 0
            for seed in range(seeds):
                conn = await one_run("board", motion, seed, "meeting")
                rows = conn.execute("SELECT choice, reason FROM votes").fetchall()
                counts = {c: sum(r[0] == c for r in rows) for c in ("for", "against", "abstain")}
                carried += counts["for"] > counts["against"]
                tally = [t + counts[c] for t, c in zip(tally, ("for", "against", "abstain"),
                                                       strict=True)]
                agree += sum(_agrees(choice, reason, board) for choice, reason in rows)
                total += len(rows)
            table.add_row(kind, motion, f"{carried}/{seeds}", " / ".join(map(str, tally)),
                          f"{agree}/{total}")
    console.print(table)


def _agrees(choice: str, reason: str | None, board: list) -> bool:
    """A reason agrees with its vote when what it names is on that side: a director's concern
    (or an unanswered question) against, a value (or routine business) for."""
    text = (reason or "").lower()
    concerns = {c.lower() for p in board for c in p.concerns}
    values = {v.lower() for p in board for v in p.values}
    # A phrase met the other way round is named "not …": "not <a concern>" is on the side for.
    if choice == "against":
        return (any(c in text for c in concerns) or any(f"not {v}" in text for v in values)
                or "not answered" in text or "persuade" in text)
    if choice == "for":
        return (any(v in text and f"not {v}" not in text for v in values)
                or any(f"not {c}" in text for c in concerns)
                or "routine business" in text or "sound" in text)
    return True


async def announcements(seeds: int, console: Console) -> None:
    table = Table(title=f"Community announcements, seeds 0–{seeds - 1} (history)")
    for column in ("announcement", "replies/run", "reactions/run", "against", "backlash runs"):
        table.add_column(column)
    for label, text in (("kind", KIND), ("insulting", RUDE)):
        replies = reactions = against = backlash = 0
        for seed in track(range(seeds), description=label, console=console):
            conn = await one_run("community", text, seed)
            replied = conn.execute("SELECT persona_id, lean FROM decisions WHERE action = 'reply'"
                                   ).fetchall()
            objectors = len({who for who, lean in replied
                             if lean is not None and lean <= -STANCE_BAND})
            responders = conn.execute("SELECT COUNT(DISTINCT persona_id) FROM decisions "
                                      "WHERE action != 'ignore'").fetchone()[0]
            replies += len(replied)
            reactions += conn.execute("SELECT COUNT(*) FROM reactions").fetchone()[0]
            against += sum(lean is not None and lean <= -STANCE_BAND for _, lean in replied)
            backlash += objectors >= 3 and objectors >= BACKLASH_SHARE * max(1, responders)
        table.add_row(label, f"{replies / seeds:.1f}", f"{reactions / seeds:.1f}",
                      f"{against / max(1, replies):.0%}", f"{backlash}/{seeds}")
    console.print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args()
    console = Console()
    asyncio.run(liveness(args.seeds, console))
    asyncio.run(votes(max(3, args.seeds // 4), console))
    asyncio.run(announcements(max(3, args.seeds // 2), console))


if __name__ == "__main__":
    main()
