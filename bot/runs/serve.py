"""`townhall demo` and `townhall run --platform local`: the room in a browser, until stopped."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from agents.backends.pool import LLMPool
from agents.packs import Pack
from agents.persona import Persona
from bot.engine.policy import Policy
from bot.engine.settings import RunSettings
from bot.platforms.webchat.platform import WebChatPlatform
from bot.runs.session import SessionResult, run_session

DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8765


async def serve_room(pack: Pack, llms: LLMPool, db: Path, settings: RunSettings, *,
                     host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, pitch: str | None = None,
                     human_name: str = "You", announce: Callable[[str], None] | None = None,
                     policy: Policy | None = None,
                     personas: list[Persona] | None = None) -> SessionResult:
    """A room on a live platform stays open for its humans: it ends on Ctrl-C / SIGTERM, the stop
    button or a budget (--max-seconds …), never because it fell quiet."""
    platform = WebChatPlatform(host=host, port=port, announce=announce)
    platform.listen()
    return await run_session(pack, llms, db, replace(settings, stop_when_quiet=False), platform,
                             pitch=pitch, human_name=human_name, policy=policy,
                             personas=personas)
