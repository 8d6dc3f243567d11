"""A small live room for platform tests: three personas who always look at a human's message,
a scripted fake model (instant), and the real orchestrator and transcript."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from agents.backends.fake import FakeLLM
from agents.backends.pool import LLMPool
from agents.gate import GateSettings
from agents.llm import LLMRequest
from agents.packs import Pack, load_pack
from bot.engine.orchestrator import Orchestrator
from bot.engine.settings import RunSettings
from bot.platforms.base import DeliveryTracking, Platform
from bot.scenarios import Discussion
from bot.transcript import Transcript

PERSONAS = {
    "dana": ("Dana Fox", "🦊"),
    "raj": ("Raj Patel", "https://example.test/raj.png"),
    "mia": ("Mia Chen", "🐼"),
}


def write_pack(folder: Path) -> Pack:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "room.yaml").write_text("name: Test room\ntopic: launches\n", encoding="utf-8")
    for pid, (name, avatar) in PERSONAS.items():
        (folder / f"{pid}.md").write_text(
            f'---\nid: {pid}\nname: {name}\nrole: tester\navatar: "{avatar}"\n'
            "activity:\n  talkativeness: 1.0\n  reply_delay: 1\n---\nA tester.\n",
            encoding="utf-8",
        )
    return load_pack(str(folder))


def script(request: LLMRequest) -> dict:
    """Dana and Raj answer every human; Mia reacts 🤔; nobody answers a persona."""
    trigger = request.context.trigger
    if trigger.author_kind != "human":
        return {"action": "ignore"}
    if request.persona.id == "mia":
        return {"action": "react", "emoji": "🤔"}
    return {
        "action": "reply",
        "text": f"{request.persona.first_name} on “{trigger.text[:30]}”: agreed.",
    }


@asynccontextmanager
async def live_room(pack: Pack, platform: Platform, db: Path) -> AsyncIterator[Orchestrator]:
    """Seat the pack on `platform` the way a live session does, and end it cleanly afterwards."""
    llms = LLMPool("fake", preset={"fake": FakeLLM(script)})
    async with Transcript(db) as transcript:
        room = Orchestrator(
            pack,
            llms.for_persona,
            transcript,
            # Always look at a human's message, whatever it says: no cooldown or fatigue, and a
            # boost past anything the appraisal could lower, so answers are never a matter of luck.
            RunSettings(seed=3, speed=0, stop_when_quiet=False,
                        gate=GateSettings(cooldown_factor=1.0, fatigue=1.0, human_boost=4.0)),
            policy=Discussion(),
            model_name="fake",
            platform=platform.name,
        )
        if isinstance(platform, DeliveryTracking):
            platform.track_deliveries(transcript.append)
        room.subscribe(platform.deliver)
        await room.start()
        await platform.start(room.post_human)
        runner = asyncio.create_task(room.run())
        try:
            yield room
        finally:
            room.request_stop("test over")
            await runner
            await platform.stop()


async def stored_run(db: Path, run_id: str):
    """The run as the transcript has it (after the room has ended)."""
    from bot.transcript.queries import load_run

    async with Transcript(db) as transcript:
        return await load_run(transcript.conn, run_id)


async def until(condition, timeout: float = 10.0, step: float = 0.02) -> None:
    """Poll `condition()` until it holds (for state that has no event to wait on)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"condition not met within {timeout} s")
        await asyncio.sleep(step)
