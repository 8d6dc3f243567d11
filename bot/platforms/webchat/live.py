"""The live room as the browser tabs see it: the fan-out hub, who is typing, the budget meter, and
the frames a tab gets on (re)connecting. It holds nothing the transcript does not have: events come
in from the engine, older ones are read back from SQLite through a read-only connection."""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict
from functools import cached_property
from typing import Any

import aiosqlite

from agents.lookalike import skeleton
from bot.engine.human_input import MAX_HUMAN_MESSAGE_CHARS
from bot.engine.orchestrator import Orchestrator
from bot.platforms.webchat.hub import Frame, Hub
from bot.platforms.webchat.limits import POST_BURST, POST_PER_SECOND, RoomLimits
from bot.platforms.webchat.wire import encode, event_payload, persona_payload, plain_title
from bot.transcript.events import RoomEvent, StatusEvent, TypingEvent
from bot.transcript.queries import first_human_lines, list_runs, load_events, load_participants

METER_SECONDS = 0.5  # how often the budget meter looks for new spending (LLM calls are not events)
_RUN_FIELDS = ("id", "started_at", "finished_at", "status", "stop_reason", "title", "pack",
               "scenario", "model", "platform", "message_count", "reaction_count", "variant")


class LiveRoom:
    def __init__(self, engine: Orchestrator, ring_size: int = 2048) -> None:
        self.engine = engine
        self.hub = Hub(ring_size)
        self.reader: aiosqlite.Connection | None = None
        self.typing: dict[str, str] = {}
        self.finished_reason: str | None = None
        self.started_at = time.time()
        self._last_usage: dict[str, Any] | None = None
        self.closed = asyncio.Event()  # the user closed the room: Ctrl-C or Stop, even after the run
        self.limits = RoomLimits()

    @cached_property
    def persona_skeletons(self) -> frozenset[str]:
        """What every persona's names look like: a human's display name may not look the same."""
        return frozenset(skeleton(n) for p in self.engine.personas for n in (p.name, p.first_name, p.id))

    async def open(self) -> None:
        # A read-only connection of our own: the writer's connection is in the middle of batches.
        uri = self.engine.transcript.path.resolve().as_uri() + "?mode=ro"
        self.reader = await aiosqlite.connect(uri, uri=True)
        self.reader.row_factory = aiosqlite.Row

    async def close(self) -> None:
        if self.reader:
            await self.reader.close()
            self.reader = None

    def on_event(self, event: RoomEvent) -> None:
        """Every event the engine publishes, in order: fan it out, remember what a tab needs."""
        if isinstance(event, TypingEvent):
            if event.active:
                self.typing[event.persona_id] = event.persona_name
            else:
                self.typing.pop(event.persona_id, None)
            self.hub.publish(None, encode(event_payload(event)))
            return
        if isinstance(event, StatusEvent) and event.kind == "started":
            self.started_at = event.created_at
        if isinstance(event, StatusEvent) and event.kind == "finished":
            self.finished_reason = str(event.data.get("reason", "finished"))
            self.typing.clear()
        self.hub.publish(event.seq, encode(event_payload(event)))

    # -- what a tab is told ------------------------------------------------------------------

    def handles(self) -> dict[str, str]:
        """What to type after @ for each persona: the first name, unless two personas share it."""
        personas = self.engine.personas
        firsts = [p.first_name.lower() for p in personas]
        return {p.id: p.first_name if firsts.count(p.first_name.lower()) == 1 else p.id
                for p in personas}

    def hello_frame(self, reset: bool) -> Frame:
        engine = self.engine
        handles = self.handles()
        personas = [persona_payload(p) | {"handle": handles[p.id]} for p in engine.personas]
        return (None, encode({
            "type": "hello", "run_id": engine.run_id, "reset": reset,
            "room": {"name": engine.pack.room.name, "topic": engine.pack.room.topic,
                     "pack": engine.pack.name},
            "model": engine.model_name, "scenario": engine.policy.name,
            "options": engine.policy.options(), "personas": personas,
            "budgets": asdict(engine.settings.budgets),
            "limits": {"max_chars": MAX_HUMAN_MESSAGE_CHARS, "post_burst": POST_BURST,
                       "posts_per_second": POST_PER_SECOND},
            "started_at": self.started_at,
        }))

    def state_frame(self) -> Frame:
        engine = self.engine
        return (None, encode({
            "type": "state", "paused": engine.clock.paused, "speed": engine.clock.speed,
            "muted": engine.muted_ids(),
            "typing": [{"persona_id": k, "persona_name": v} for k, v in self.typing.items()],
            "usage": self._usage(), "finished": self.finished_reason is not None,
            "reason": self.finished_reason,
        }))

    async def older_frames(self, after: int, before: int) -> list[Frame]:
        """Stored events with after < seq < before, for a tab whose gap the ring no longer holds."""
        engine = self.engine
        await engine.transcript.flush()  # everything published was queued for the database first
        participants = await load_participants(self.reader, engine.run_id)
        events = await load_events(self.reader, engine.run_id, participants, after_seq=after)
        return [(e.seq, encode(event_payload(e))) for e in events if e.seq < before]

    async def runs(self, limit: int = 50) -> list[dict[str, Any]]:
        """The latest runs, newest first. A batch's runs are one entry (its runs inside), so a
        batch of hundreds does not push everything else out; a run that failed before anything
        was said (a start-up that never got going) is left out."""
        # A batch's many rows make one entry: read well past `limit` rows to fill `limit` entries.
        rows = [r for r in await list_runs(self.reader, limit * 8)
                if not (r["status"] == "failed" and r["message_count"] == 0)]
        said = await first_human_lines(self.reader, [r["id"] for r in rows if not r["title"]])
        entries: list[dict[str, Any]] = []
        batches: dict[str, dict[str, Any]] = {}
        for row in rows:
            run = {k: row[k] for k in _RUN_FIELDS} | {
                "title": plain_title(row["title"] or said.get(row["id"])),
                "live": row["id"] == self.engine.run_id}
            batch = row["batch_id"]
            if batch is None:
                entries.append(run)
            elif batch in batches:
                batches[batch]["runs"].append(run)
            else:
                batches[batch] = {"batch": batch, "title": run["title"], "runs": [run]}
                entries.append(batches[batch])
        return entries[:limit]

    # -- the budget meter --------------------------------------------------------------------

    def _usage(self) -> dict[str, Any]:
        t = self.engine.totals
        return {"messages": t.messages, "reactions": t.reactions, "llm_calls": t.llm_calls,
                "tokens": t.tokens, "cost_usd": round(t.cost_usd, 6)}

    def publish_usage(self) -> None:
        usage = self._usage()
        if usage != self._last_usage:
            self._last_usage = usage
            self.hub.publish(None, encode({"type": "usage"} | usage))

    async def watch_usage(self) -> None:
        while True:
            self.publish_usage()
            await asyncio.sleep(METER_SECONDS)
