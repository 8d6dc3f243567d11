"""The `local` platform: the room in the browser. Serves the page and its WebSocket from this
process, renders what the engine publishes (through LiveRoom) and hands human posts, reactions and
run controls back to the engine; holds nothing the transcript does not."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable

from bot.engine.orchestrator import Orchestrator
from bot.platforms.base import Capabilities, HumanPost
from bot.platforms.webchat.access import is_loopback, new_token
from bot.platforms.webchat.app import build_app
from bot.platforms.webchat.live import LiveRoom
from bot.platforms.webchat.server import EmbeddedServer, bind
from bot.transcript.events import RoomEvent


class WebChatPlatform:
    name = "local"
    capabilities = Capabilities(per_persona_identity=True, per_persona_reactions=True, threads=True)

    def __init__(self, *, host: str = "127.0.0.1", port: int = 8765, token: str | None = None,
                 announce: Callable[[str], None] | None = None, ring_size: int = 2048) -> None:
        self.host = host
        self.port = port
        self.token = token if token or is_loopback(host) else new_token()
        self.announce = announce
        self.ring_size = ring_size
        self.live: LiveRoom | None = None
        self.url: str | None = None
        self._sock: socket.socket | None = None
        self._server: EmbeddedServer | None = None
        self._meter: asyncio.Task | None = None

    # -- the Platform protocol ---------------------------------------------------------------

    def attach(self, engine: Orchestrator) -> None:
        self.live = LiveRoom(engine, self.ring_size)

    def deliver(self, event: RoomEvent) -> None:
        self._require_live().on_event(event)

    async def start(self, post_human: HumanPost) -> None:
        """Serve the page. Tabs post through the attached engine (its post_human also takes a
        thread, and reactions and controls need it anyway), so `post_human` itself is not kept."""
        live = self._require_live()
        self.listen()
        self._server = EmbeddedServer(build_app(live, self.token, self.port), self._sock)
        await live.open()
        await self._server.start()
        self.url = self.public_url()
        self._meter = asyncio.create_task(live.watch_usage(), name="webchat-meter")
        if self.announce:
            self.announce(self.url)

    def listen(self) -> None:
        """Bind the port now, so a taken port fails before a run exists (start() does it too)."""
        if self._sock is None:
            self._sock = bind(self.host, self.port)
            self.port = self._sock.getsockname()[1]

    async def stop(self, hurry: bool = False) -> None:
        """Send every tab what is queued (the run's end), close them, then the server; in a hurry
        a slow tab gets a second, not three."""
        live = self._require_live()
        if self._meter:
            self._meter.cancel()
            await asyncio.gather(self._meter, return_exceptions=True)
            live.publish_usage()
        pumps = list(live.hub.clients)
        live.hub.close_all()
        deadline = time.monotonic() + (1 if hurry else 3)
        while any(not c.queue.empty() for c in pumps) and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        if self._server:
            await self._server.stop(grace=1.5 if hurry else 5)
        elif self._sock:
            self._sock.close()
        await live.close()

    def public_url(self) -> str:
        host = self.host
        if host in ("0.0.0.0", "::"):
            host = socket.gethostname()
        if ":" in host:
            host = f"[{host}]"
        url = f"http://{host}:{self.port}/"
        return f"{url}?token={self.token}" if self.token else url

    @property
    def engine(self) -> Orchestrator:
        return self._require_live().engine

    def _require_live(self) -> LiveRoom:
        if self.live is None:
            raise RuntimeError("the web chat needs its engine: start it with bot.runs.session")
        return self.live
