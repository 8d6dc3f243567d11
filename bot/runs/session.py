"""One live room from start to clean end: transcript, orchestrator, platform, signals."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from agents.backends.pool import LLMPool
from agents.packs import Pack
from agents.persona import Persona
from bot.engine.orchestrator import Orchestrator
from bot.engine.policy import Policy
from bot.engine.settings import RunSettings
from bot.platforms.base import EngineAware, Platform
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
    async with Transcript(db) as transcript:
        engine = Orchestrator(pack, llms.for_persona, transcript, settings,
                              policy=policy or Discussion(),
                              model_name=llms.default_spec, platform=platform.name, title=pitch,
                              personas=personas)
        if isinstance(platform, EngineAware):
            platform.attach(engine)
        engine.subscribe(platform.deliver)
        await llms.warm()  # the embedded model is loaded before anyone can post
        await engine.start(**(start or {}))
        loop = asyncio.get_running_loop()
        for sig, why in ((signal.SIGINT, "interrupted (Ctrl-C)"), (signal.SIGTERM, "terminated")):
            loop.add_signal_handler(sig, engine.request_stop, why)
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
            for sig in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(sig)
            await platform.stop()
            await llms.aclose()
        summary = await summarize(transcript.conn, engine.run_id)
    return SessionResult(engine.run_id, reason, summary)
