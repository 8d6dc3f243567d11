"""One live room from start to clean end: transcript, orchestrator, platform, signals."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass
from pathlib import Path

from agents.backends.pool import LLMPool
from agents.packs import Pack
from agents.persona import Persona
from bot.engine.orchestrator import Orchestrator
from bot.engine.policy import Policy
from bot.engine.settings import RunSettings
from bot.platforms.base import DeliveryTracking, EngineAware, Platform
from bot.scenarios import Discussion
from bot.transcript import Transcript
from bot.transcript.queries import RunSummary, summarize


@dataclass(frozen=True)
class SessionResult:
    run_id: str
    reason: str
    summary: RunSummary


async def run_session(pack: Pack, llms: LLMPool, db: Path, settings: RunSettings,
                      platform: Platform, *, pitch: str | None = None, human_name: str = "You",
                      policy: Policy | None = None,
                      personas: Sequence[Persona] | None = None, start: dict | None = None,
                      opening: Callable[[Orchestrator], Awaitable[None]] | None = None
                      ) -> SessionResult:
    """`start` is passed to Orchestrator.start (a fork's parent and prefix); `opening`, when
    given, replaces posting the pitch (a fork posts the new version of its message)."""
    loop = asyncio.get_running_loop()
    signals = _Signals()
    for sig, why in ((signal.SIGINT, "interrupted (Ctrl-C)"), (signal.SIGTERM, "terminated")):
        loop.add_signal_handler(sig, signals.received, why)
    try:
        async with Transcript(db) as transcript:
            engine = Orchestrator(pack, llms.for_persona, transcript, settings,
                                  policy=policy or Discussion(),
                                  model_name=llms.default_spec, platform=platform.name,
                                  title=pitch, personas=personas)
            if isinstance(platform, EngineAware):
                platform.attach(engine)
            if isinstance(platform, DeliveryTracking):
                platform.track_deliveries(transcript.append)
            engine.subscribe(platform.deliver)
            await llms.warm()  # the embedded model is loaded before anyone can post
            await engine.start(**(start or {}))
            signals.stops(engine.request_stop)
            try:
                try:
                    await platform.start(engine.post_human)
                except BaseException as exc:
                    await engine.fail(f"platform {platform.name} did not start: {exc}")
                    raise
                if opening is not None:
                    await opening(engine)
                elif pitch:
                    await engine.post_human(human_name, pitch)
                reason = await engine.run()
            finally:
                await signals.closing(platform.stop(hurry=signals.count > 0))
                await llms.aclose()
            summary = await summarize(transcript.conn, engine.run_id)
    finally:  # the transcript is flushed and closed before a signal may end the process again
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
    return SessionResult(engine.run_id, reason, summary)


class _Signals:
    """Ctrl-C / SIGTERM: the first stops the room (and the platform is closed in a hurry); the
    next one stops waiting for the platform at once. The transcript is closed either way."""

    def __init__(self) -> None:
        self.count = 0
        self._why = ""
        self._stop_room: Callable[[str], None] | None = None
        self._closing: asyncio.Future | None = None

    def received(self, why: str) -> None:
        self.count += 1
        if self.count == 1:
            self._why = why
            if self._stop_room is not None:
                self._stop_room(why)
        elif self._closing is not None:
            self._closing.cancel()

    def stops(self, stop_room: Callable[[str], None]) -> None:
        """From now on a signal stops the room (one that came during warm-up does so now)."""
        self._stop_room = stop_room
        if self.count:
            stop_room(self._why)

    async def closing(self, stop: Coroutine[object, object, None]) -> None:
        if self.count > 1:  # asked twice: don't wait for the platform at all
            stop.close()
            return
        self._closing = asyncio.ensure_future(stop)
        try:
            await self._closing
        except asyncio.CancelledError:
            if not self._closing.cancelled() or asyncio.current_task().cancelling():
                raise  # cancelled from outside, not by a second signal
