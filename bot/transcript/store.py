"""The transcript: an append-only SQLite log with one writer task that batches inserts.

Callers enqueue events in order and go on; the writer commits whatever has queued up as one
transaction (group commit), so a burst costs one commit and a SIGKILL loses at most that group.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import socket
import sqlite3
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import aiosqlite

from bot.transcript.database import open_database
from bot.transcript.events import (
    DecisionEvent,
    DeliveryEvent,
    LLMCallEvent,
    MessageEvent,
    ReactionEvent,
    StatusEvent,
    StoredEvent,
    VoteEvent,
)

DEFAULT_DB = "townhall.db"
# Each attempt already waits out the 5 s busy timeout; a lock held longer than this is not a
# moment's backup or query but a stuck program, and the run ends saying which file.
LOCK_WAIT_SECONDS = 300.0
log = logging.getLogger("townhall.transcript")

_INSERT = {
    MessageEvent: "INSERT INTO messages (run_id, id, seq, author_kind, author_id, text, reply_to, "
                  "thread_id, created_at, vtime, inherited, quote_of) "
                  "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
    ReactionEvent: "INSERT INTO reactions (run_id, seq, message_id, author_id, emoji, created_at, "
                   "vtime, inherited) VALUES (?,?,?,?,?,?,?,?)",
    DecisionEvent: "INSERT INTO decisions (run_id, seq, persona_id, message_id, action, source, "
                   "reason, error, created_at, vtime, relevance, valence, lean, appraisal) "
                   "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    LLMCallEvent: "INSERT INTO llm_calls (run_id, seq, persona_id, model, purpose, input_tokens, "
                  "cached_input_tokens, cache_creation_tokens, output_tokens, cost_usd, latency_ms, "
                  "from_cache, error, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    VoteEvent: "INSERT INTO votes (run_id, seq, item, motion, persona_id, choice, reason, source, "
               "message_id, created_at, vtime, inherited) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
    StatusEvent: "INSERT INTO run_events (run_id, seq, kind, data, created_at, vtime) "
                 "VALUES (?,?,?,?,?,?)",
    DeliveryEvent: "INSERT INTO deliveries (run_id, message_id, platform, state, platform_message_id, "
                   "error, created_at) VALUES (?,?,?,?,?,?,?) ON CONFLICT (run_id, message_id, "
                   "platform) DO UPDATE SET state = excluded.state, platform_message_id = "
                   "excluded.platform_message_id, error = excluded.error, "
                   "created_at = excluded.created_at",
}


def _row(event: StoredEvent) -> tuple:
    match event:
        case MessageEvent():
            return (event.run_id, event.id, event.seq, event.author_kind, event.author_id,
                    event.text, event.reply_to, event.thread_id, event.created_at, event.vtime,
                    int(event.inherited), event.quote_of)
        case ReactionEvent():
            return (event.run_id, event.seq, event.message_id, event.author_id, event.emoji,
                    event.created_at, event.vtime, int(event.inherited))
        case DecisionEvent(appraisal=seen):
            return (event.run_id, event.seq, event.persona_id, event.message_id, event.action,
                    event.source, event.reason, event.error, event.created_at, event.vtime,
                    seen and round(seen.relevance, 3), seen and round(seen.valence, 3),
                    seen and round(seen.lean, 3), seen and seen.reason)
        case LLMCallEvent(call=call):
            u = call.usage
            return (event.run_id, event.seq, event.persona_id, call.model, call.purpose,
                    u.input_tokens, u.cached_input_tokens, u.cache_creation_tokens,
                    u.output_tokens, call.cost_usd, call.latency_ms, int(call.from_cache),
                    call.error, event.created_at)
        case VoteEvent():
            return (event.run_id, event.seq, event.item, event.motion, event.persona_id,
                    event.choice, event.reason, event.source, event.message_id, event.created_at,
                    event.vtime, int(event.inherited))
        case StatusEvent():
            return (event.run_id, event.seq, event.kind, json.dumps(event.data, ensure_ascii=False),
                    event.created_at, event.vtime)
        case DeliveryEvent():
            return (event.run_id, event.message_id, event.platform, event.state,
                    event.platform_message_id, event.error, event.created_at)
    raise TypeError(f"not a stored event: {event!r}")


def resolve_db_path(db: str | os.PathLike | None) -> Path:
    """--db wins, then TOWNHALL_DB, then ./townhall.db."""
    return Path(db or os.environ.get("TOWNHALL_DB") or DEFAULT_DB).expanduser()


@dataclass(frozen=True)
class RunRecord:
    id: str
    pack: str
    scenario: str
    model: str
    platform: str
    seed: int
    title: str | None = None
    settings: str = "{}"
    parent_run_id: str | None = None
    forked_at: int | None = None
    batch_id: str | None = None
    variant: str | None = None


@dataclass(frozen=True)
class ParticipantRecord:
    id: str
    kind: str
    name: str
    role: str | None = None
    color: str | None = None
    avatar: str | None = None
    model: str | None = None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Transcript:
    def __init__(self, path: str | os.PathLike, *, max_group: int = 2000,
                 existing: bool = False) -> None:
        self.path = Path(path)
        self.existing = existing  # reading: the file must be there already
        self.max_group = max_group
        self.conn: aiosqlite.Connection | None = None
        self._pending: list[StoredEvent] = []
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._idle.set()
        self._writer: asyncio.Task | None = None
        self._failure: BaseException | None = None
        self._queued = self._saved = 0  # events appended, and of those committed
        self._progress = asyncio.Condition()
        # Runs sharing one transcript (`townhall batch`) must not interleave transactions on one
        # connection.
        self._transaction = asyncio.Lock()

    async def __aenter__(self) -> Transcript:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def open(self) -> None:
        self.conn = await open_database(self.path, existing=self.existing)
        try:
            await self._mark_interrupted()
        except BaseException:
            await self.conn.close()
            self.conn = None
            raise
        self._writer = asyncio.create_task(self._write_forever(), name="transcript-writer")

    async def _mark_interrupted(self) -> None:
        """Runs left 'running' by a process that is gone (killed, crashed) become 'interrupted'."""
        assert self.conn
        host = socket.gethostname()
        rows = await (await self.conn.execute(
            "SELECT id, pid, host FROM runs WHERE status = 'running'")).fetchall()
        dead = [r["id"] for r in rows
                if r["host"] == host and r["pid"] != os.getpid() and not _pid_alive(r["pid"])]
        if dead:
            await self.conn.executemany(
                "UPDATE runs SET status='interrupted', stop_reason='process ended without closing "
                "the run', finished_at=COALESCE(finished_at, (SELECT MAX(created_at) FROM messages "
                "WHERE run_id = runs.id)) WHERE id = ?", [(d,) for d in dead])

    # -- writes ------------------------------------------------------------------------------

    def append(self, event: StoredEvent) -> None:
        """Queue an event; it is committed, in order, with whatever else is queued."""
        if self._failure:
            raise RuntimeError(f"the transcript writer failed: {self._failure}") from self._failure
        self._pending.append(event)
        self._queued += 1
        self._idle.clear()
        self._wake.set()

    def extend(self, events: Iterable[StoredEvent]) -> None:
        for event in events:
            self.append(event)

    async def flush(self) -> None:
        """Wait until everything queued so far is committed."""
        while self._pending or not self._idle.is_set():
            if self._failure:
                raise RuntimeError(f"the transcript writer failed: {self._failure}")
            await self._idle.wait()

    async def saved(self) -> None:
        """Wait until everything queued so far is committed; unlike flush, not what is queued
        after (a busy room never goes idle). An ack to a human waits for this."""
        target = self._queued
        async with self._progress:
            await self._progress.wait_for(lambda: self._saved >= target or self._failure)
        if self._failure:
            raise RuntimeError(f"the transcript writer failed: {self._failure}")

    async def _note_progress(self, saved: int) -> None:
        self._saved += saved
        async with self._progress:
            self._progress.notify_all()

    async def _write_forever(self) -> None:
        assert self.conn
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                group = self._pending[: self.max_group]
                del self._pending[: self.max_group]
                try:
                    await self._while_locked(lambda group=group: self._commit(group))
                except Exception as exc:  # surface on the next append/flush, never half-apply
                    self._failure = exc
                    self._idle.set()
                    await self._note_progress(0)
                    return
                await self._note_progress(len(group))
            self._idle.set()

    async def _while_locked(self, attempt: Callable[[], Awaitable[None]]) -> None:
        """Run `attempt` (one whole transaction) again while another process holds the write
        lock, with backoff, up to LOCK_WAIT_SECONDS; nothing queued is dropped meanwhile."""
        deadline, pause, told = time.monotonic() + LOCK_WAIT_SECONDS, 0.1, False
        while True:
            try:
                return await attempt()
            except sqlite3.OperationalError as exc:
                locked = getattr(exc, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY,
                                                                    sqlite3.SQLITE_LOCKED)
                if not locked or time.monotonic() > deadline:
                    raise
            if not told:
                log.warning("%s is locked by another process; waiting for it (nothing is lost)",
                            self.path)
                told = True
            await asyncio.sleep(pause)
            pause = min(pause * 2, 2.0)

    async def _commit(self, group: list[StoredEvent]) -> None:
        assert self.conn
        groups: dict[type, list[tuple]] = {}
        for event in group:
            groups.setdefault(type(event), []).append(_row(event))
        async with self._transaction:
            await self.conn.execute("BEGIN")
            try:
                for kind, rows in groups.items():
                    await self.conn.executemany(_INSERT[kind], rows)
                await self.conn.execute("COMMIT")
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise

    async def create_run(self, run: RunRecord, participants: Iterable[ParticipantRecord]) -> None:
        assert self.conn
        now = time.time()
        async with self._transaction:
            await self.conn.execute("BEGIN")
            await self.conn.execute(
                "INSERT INTO runs (id, started_at, status, title, pack, scenario, model, platform, seed, "
                "settings, parent_run_id, forked_at, batch_id, variant, pid, host) "
                "VALUES (?,?,'running',?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (run.id, now, run.title, run.pack, run.scenario, run.model, run.platform, run.seed,
                 run.settings, run.parent_run_id, run.forked_at, run.batch_id, run.variant,
                 os.getpid(), socket.gethostname()))
            await self.conn.executemany(
                "INSERT INTO participants (run_id, id, kind, name, role, color, avatar, model, joined_at) "
                "VALUES (?,?,?,?,?,?,?,?,?)",
                [(run.id, p.id, p.kind, p.name, p.role, p.color, p.avatar, p.model, now)
                 for p in participants])
            await self.conn.execute("COMMIT")

    async def add_participant(self, run_id: str, participant: ParticipantRecord) -> None:
        await self.flush()
        assert self.conn
        await self.conn.execute(
            "INSERT OR IGNORE INTO participants (run_id, id, kind, name, role, color, avatar, model, "
            "joined_at) VALUES (?,?,?,?,?,?,?,?,?)",
            (run_id, participant.id, participant.kind, participant.name, participant.role,
             participant.color, participant.avatar, participant.model, time.time()))

    async def finish_run(self, run_id: str, status: str, reason: str) -> None:
        await self.flush()
        assert self.conn

        async def update() -> None:
            async with self._transaction:  # never inside another room's open transaction
                await self.conn.execute(
                    "UPDATE runs SET status = ?, stop_reason = ?, finished_at = ? WHERE id = ?",
                    (status, reason, time.time(), run_id))
        await self._while_locked(update)

    async def close(self) -> None:
        if self.conn is None:
            return
        try:
            if self._writer and not self._writer.done():
                await self.flush()
        finally:
            if self._writer:
                self._writer.cancel()
                await asyncio.gather(self._writer, return_exceptions=True)
            await self.conn.close()
            self.conn = None
