"""From `townhall run` options to a scenario and its members: one place that knows them all."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from agents.packs import Pack
from agents.persona import Persona
from agents.population import grow
from bot.scenarios import SCENARIOS, Scenario, make_scenario

MAX_POPULATION = 100_000


@dataclass(frozen=True)
class RoomPlan:
    scenario: Scenario
    personas: list[Persona]
    pitch: str | None
    speed: float


def plan_room(
    pack: Pack,
    *,
    scenario: str | None,
    pitch: str | None,
    agenda: Path | None,
    minutes_per_item: float,
    population: int | None,
    hours: float,
    speed: float | None,
    seed: int,
) -> RoomPlan:
    """Validate the scenario options together; raise ValueError with the fix on bad input."""
    name = scenario or pack.room.default_scenario
    if name not in SCENARIOS:
        raise ValueError(f"--scenario {name}: unknown — fix: use one of {', '.join(SCENARIOS)}")
    if agenda is not None:
        if name != "meeting":
            raise ValueError("--agenda is for meetings — fix: add --scenario meeting")
        if pitch:
            raise ValueError("give either a pitch or --agenda, not both")
        try:
            pitch = agenda.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ValueError(
                f"{agenda}: cannot read the agenda ({exc}) — fix: give a UTF-8 "
                "Markdown file with one '## ' section per item"
            ) from None
        if not pitch:
            raise ValueError(f"{agenda}: the agenda is empty — fix: one '## ' section per item")
    if minutes_per_item <= 0:
        raise ValueError("--minutes-per-item must be more than 0")
    if hours <= 0:
        raise ValueError("--hours must be more than 0")
    personas = list(pack.personas)
    follows = dict(pack.room.follows)
    if population is not None:
        if name != "feed":
            raise ValueError("--population is for feeds — fix: add --scenario feed")
        if not 1 <= population <= MAX_POPULATION:
            raise ValueError(f"--population must be between 1 and {MAX_POPULATION:,}")
        personas, follows = grow(pack.personas, pack.room.follows, population, seed)
    if name == "meeting":
        policy = make_scenario("meeting", minutes_per_item=minutes_per_item)
    elif name == "feed":
        policy = make_scenario("feed", hours=hours, follows=follows)
    else:
        policy = make_scenario("discussion")
    # A feed covers hours of simulated time: unless asked otherwise, run it as fast as possible.
    resolved_speed = speed if speed is not None else (0.0 if name == "feed" else 1.0)
    return RoomPlan(policy, personas, pitch, resolved_speed)
