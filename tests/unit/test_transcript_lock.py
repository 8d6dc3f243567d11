"""Another process holding the database's write lock (a sqlite3 shell, a backup) is waited out:
the run goes on and nothing it wrote is lost."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
import time

from bot.transcript import ParticipantRecord, RunRecord, Transcript
from bot.transcript.events import MessageEvent

HELD_SECONDS = 6.5  # longer than the 5 s busy timeout that used to end the run


def _hold_lock(path, started: threading.Event) -> None:
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    started.set()
    time.sleep(HELD_SECONDS)
    other.execute("COMMIT")
    other.close()


async def test_a_locked_database_is_waited_for(db_path, caplog) -> None:
    async with Transcript(db_path) as transcript:
        await transcript.create_run(RunRecord("r1", "board", "discussion", "fake", "terminal", 1),
                                    [ParticipantRecord("human:al", "human", "Al")])
        started = threading.Event()
        holder = threading.Thread(target=_hold_lock, args=(db_path, started))
        holder.start()
        await asyncio.to_thread(started.wait)
        with caplog.at_level(logging.WARNING):
            for n in range(1, 101):
                transcript.append(MessageEvent("r1", n, n, "human", "human:al", "Al", f"m{n}",
                                               time.time(), 0.0))
                await asyncio.sleep(0.01)
            await transcript.flush()
            await transcript.finish_run("r1", "finished", "quiet")
        await asyncio.to_thread(holder.join)
    assert any("locked by another process" in r.getMessage() for r in caplog.records)
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT COUNT(*) FROM messages").fetchone() == (100,)
    assert con.execute("SELECT status FROM runs").fetchone() == ("finished",)
