"""Small helpers shared by the scenario tests: run a room to its end and read the log back."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from agents.llm import LLM
from agents.packs import Pack
from bot.engine.orchestrator import Orchestrator
from bot.engine.policy import Policy
from bot.engine.settings import RunSettings
from bot.scenarios import make_scenario
from bot.transcript import Transcript


async def run_room(
    db: Path,
    pack: Pack,
    llm: LLM,
    scenario: Policy | str,
    pitch: str,
    settings: RunSettings,
    human: str = "Dana",
    personas=None,
    during=None,
) -> Orchestrator:
    async with Transcript(db) as transcript:
        room = Orchestrator(
            pack,
            lambda p: llm,
            transcript,
            settings,
            model_name=llm.name,
            policy=make_scenario(scenario) if isinstance(scenario, str) else scenario,
            personas=personas,
        )
        if during is not None:
            room.subscribe(lambda event: during(room, event))
        await room.start()
        await room.post_human(human, pitch)
        await room.run()
    return room


def rows(db: Path, sql: str, *args) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, args).fetchall()
