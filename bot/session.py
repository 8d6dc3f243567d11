"""One live room from start to clean end: transcript, orchestrator, platform, signals."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from agents.llm.pool import LLMPool
from agents.packs import Pack
from agents.persona import Persona
from bot.orchestrator import Orchestrator, RunSettings
from bot.platforms.base import Platform, RoomAware
from bot.scenarios import Scenario
from bot.transcript import Transcript
from bot.transcript.queries import RunSummary, summarize


@dataclass(frozen=True)
class SessionResult:
    run_id: str
    reason: str
    summary: RunSummary


async def run_session(pack: Pack, llms: LLMPool, db: Path, settings: RunSettings,
                      platform: Platform, *, pitch: str | None = None, human_name: str = "You",
                      scenario: str | Scenario = "discussion",
                      personas: Sequence[Persona] | None = None, start: dict | None = None,
                      opening: Callable[[Orchestrator], Awaitable[None]] | None = None
                      ) -> SessionResult:
    """`start` is passed to Orchestrator.start (a fork's parent and prefix); `opening`, when
    given, replaces posting the pitch (a fork posts the new version of its message)."""
    async with Transcript(db) as transcript:
        room = Orchestrator(pack, llms.for_persona, transcript, settings,
                            model_name=llms.default_spec, platform=platform.name,
                            scenario=scenario, title=pitch, personas=personas)
        if isinstance(platform, RoomAware):
            platform.attach(room)
        room.subscribe(platform.deliver)
        await room.start(**(start or {}))
        loop = asyncio.get_running_loop()
        for sig, why in ((signal.SIGINT, "interrupted (Ctrl-C)"), (signal.SIGTERM, "terminated")):
            loop.add_signal_handler(sig, room.request_stop, why)
        try:
            try:
                await platform.start(room.post_human)
            except BaseException as exc:
                await room.fail(f"platform {platform.name} did not start: {exc}")
                raise
            if opening is not None:
                await opening(room)
            elif pitch:
                await room.post_human(human_name, pitch)
            reason = await room.run()
        finally:
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
            await platform.stop()
            await llms.aclose()
        summary = await summarize(transcript.conn, room.run_id)
    return SessionResult(room.run_id, reason, summary)
