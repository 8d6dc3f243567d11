"""The `local` platform: the room in the browser. Renders what the orchestrator publishes and hands
human posts, reactions and run controls back to it; holds nothing the transcript does not."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

import aiosqlite

from bot.events import RoomEvent, StatusEvent, TypingEvent
from bot.orchestrator import MAX_HUMAN_MESSAGE_CHARS, Orchestrator
from bot.platforms.base import Capabilities, HumanPost
from bot.platforms.webchat.access import is_loopback, new_token
from bot.platforms.webchat.app import build_app
from bot.platforms.webchat.connection import POST_BURST, POST_PER_SECOND
from bot.platforms.webchat.hub import Frame, Hub
from bot.platforms.webchat.server import EmbeddedServer, bind
from bot.platforms.webchat.wire import encode, event_payload, persona_payload
from bot.transcript.queries import (
    first_human_lines,
    list_runs,
    load_events,
    load_participants,
)

METER_SECONDS = 0.5  # how often the budget meter looks for new spending (LLM calls are not events)
_RUN_FIELDS = ("id", "started_at", "finished_at", "status", "stop_reason", "title", "pack",
               "scenario", "model", "platform", "message_count", "reaction_count")


class WebChatPlatform:
    name = "local"
    capabilities = Capabilities(per_persona_identity=True, per_persona_reactions=True, threads=True)

    def __init__(self, *, host: str = "127.0.0.1", port: int = 8765, token: str | None = None,
                 announce: Callable[[str], None] | None = None, ring_size: int = 2048) -> None:
        self.host = host
        self.port = port
        self.token = token if token or is_loopback(host) else new_token()
        self.announce = announce
        self.hub = Hub(ring_size)
        self.room: Orchestrator | None = None
        self.url: str | None = None
        self.reader: aiosqlite.Connection | None = None
        self.typing: dict[str, str] = {}
        self.finished_reason: str | None = None
        self.started_at = time.time()
        self._sock: socket.socket | None = None
        self._server: EmbeddedServer | None = None
        self._meter: asyncio.Task | None = None
        self._last_usage: dict[str, Any] | None = None

    # -- the Platform protocol ---------------------------------------------------------------

    def attach(self, room: Orchestrator) -> None:
        self.room = room

    def deliver(self, event: RoomEvent) -> None:
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

    async def start(self, post_human: HumanPost) -> None:
        """Serve the page. Tabs post through the attached room (its post_human also takes a thread,
        and reactions and controls need it anyway), so `post_human` itself is not kept."""
        if self.room is None:
            raise RuntimeError("the web chat needs its room: start it with bot.session.run_session")
        self.listen()
        self._server = EmbeddedServer(build_app(self, self.token, self.port), self._sock)
        # A read-only connection of our own: the writer's connection is in the middle of batches.
        uri = self.room.transcript.path.resolve().as_uri() + "?mode=ro"
        self.reader = await aiosqlite.connect(uri, uri=True)
        self.reader.row_factory = aiosqlite.Row
        await self._server.start()
        self.url = self.public_url()
        self._meter = asyncio.create_task(self._watch_usage(), name="webchat-meter")
        if self.announce:
            self.announce(self.url)

    def listen(self) -> None:
        """Bind the port now, so a taken port fails before a run exists (start() does it too)."""
        if self._sock is None:
            self._sock = bind(self.host, self.port)
            self.port = self._sock.getsockname()[1]

    async def stop(self) -> None:
        """Send every tab what is queued (the run's end), close them, then the server."""
        if self._meter:
            self._meter.cancel()
            await asyncio.gather(self._meter, return_exceptions=True)
            self._publish_usage()
        pumps = list(self.hub.clients)
        self.hub.close_all()
        deadline = time.monotonic() + 3
        while any(not c.queue.empty() for c in pumps) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        if self._server:
            await self._server.stop()
        elif self._sock:
            self._sock.close()
        if self.reader:
            await self.reader.close()
            self.reader = None

    # -- what a tab is told ------------------------------------------------------------------

    def public_url(self) -> str:
        host = self.host
        if host in ("0.0.0.0", "::"):
            host = socket.gethostname()
        if ":" in host:
            host = f"[{host}]"
        url = f"http://{host}:{self.port}/"
        return f"{url}?token={self.token}" if self.token else url

    def handles(self) -> dict[str, str]:
        """What to type after @ for each persona: the first name, unless two personas share it."""
        room = self.require_room()
        firsts = [p.first_name.lower() for p in room.personas]
        return {p.id: p.first_name if firsts.count(p.first_name.lower()) == 1 else p.id
                for p in room.personas}

    def hello_frame(self, reset: bool) -> Frame:
        room = self.require_room()
        handles = self.handles()
        personas = [persona_payload(p) | {"handle": handles[p.id]} for p in room.personas]
        return (None, encode({
            "type": "hello", "run_id": room.run_id, "reset": reset,
            "room": {"name": room.pack.room.name, "topic": room.pack.room.topic,
                     "pack": room.pack.name},
            "model": room.model_name, "scenario": room.scenario, "personas": personas,
            "budgets": asdict(room.settings.budgets),
            "limits": {"max_chars": MAX_HUMAN_MESSAGE_CHARS, "post_burst": POST_BURST,
                       "posts_per_second": POST_PER_SECOND},
            "started_at": self.started_at,
        }))

    def state_frame(self) -> Frame:
        room = self.require_room()
        return (None, encode({
            "type": "state", "paused": room.clock.paused, "speed": room.clock.speed,
            "muted": room.muted_ids(),
            "typing": [{"persona_id": k, "persona_name": v} for k, v in self.typing.items()],
            "usage": self._usage(), "finished": self.finished_reason is not None,
            "reason": self.finished_reason,
        }))

    async def older_frames(self, after: int, before: int) -> list[Frame]:
        """Stored events with after < seq < before, for a tab whose gap the ring no longer holds."""
        room = self.require_room()
        await room.transcript.flush()  # everything published was queued for the database first
        participants = await load_participants(self.reader, room.run_id)
        events = await load_events(self.reader, room.run_id, participants, after_seq=after)
        return [(e.seq, encode(event_payload(e))) for e in events if e.seq < before]

    async def runs(self, limit: int = 50) -> list[dict[str, Any]]:
        room = self.require_room()
        rows = await list_runs(self.reader, limit)
        said = await first_human_lines(self.reader, [r["id"] for r in rows if not r["title"]])
        return [{k: row[k] for k in _RUN_FIELDS}
                | {"title": row["title"] or said.get(row["id"]), "live": row["id"] == room.run_id}
                for row in rows]

    # -- the budget meter --------------------------------------------------------------------

    def _usage(self) -> dict[str, Any]:
        u = self.require_room().usage
        return {"messages": u.messages, "reactions": u.reactions, "llm_calls": u.llm_calls,
                "tokens": u.tokens, "cost_usd": round(u.cost_usd, 6)}

    def _publish_usage(self) -> None:
        usage = self._usage()
        if usage != self._last_usage:
            self._last_usage = usage
            self.hub.publish(None, encode({"type": "usage"} | usage))

    async def _watch_usage(self) -> None:
        while True:
            self._publish_usage()
            await asyncio.sleep(METER_SECONDS)

    def require_room(self) -> Orchestrator:
        if self.room is None:
            raise RuntimeError("the web chat is not attached to a room")
        return self.room
