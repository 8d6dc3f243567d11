"""From what a user asks for (`townhall run`, `batch`, `fork`) to the room a run seats: its scenario
policy and its members. The one place that knows every scenario option, and the one way a stored
run's room is rebuilt."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from agents.packs import Pack
from agents.persona import Persona
from agents.population import grow
from bot.engine.policy import Policy
from bot.scenarios import SCENARIOS, make_scenario

MAX_POPULATION = 100_000


@dataclass(frozen=True)
class RunPlan:
    policy: Policy
    personas: list[Persona]
    pitch: str | None
    speed: float


def seat(pack: Pack, scenario: str, options: dict, population: int | None,
         seed: int) -> tuple[Policy, list[Persona]]:
    """A fresh policy and its members: the pack's personas, or a population grown from them.
    Growing is deterministic by seed, so a fork, a rerun and every variant of a batch seed meet
    the same people."""
    personas, follows = list(pack.personas), dict(pack.room.follows)
    if population is not None:
        personas, follows = grow(pack.personas, pack.room.follows, population, seed)
    if scenario == "feed":
        options = {**options, "follows": follows}
    return make_scenario(scenario, **options), personas


def _read_agenda(agenda: Path) -> str:
    try:
        text = agenda.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"{agenda}: cannot read the agenda ({exc}) — fix: give a UTF-8 Markdown "
                         "file with one '## ' section per item") from None
    if not text:
        raise ValueError(f"{agenda}: the agenda is empty — fix: one '## ' section per item")
    return text


def plan_run(pack: Pack, *, scenario: str | None, pitch: str | None, agenda: Path | None,
             minutes_per_item: float, population: int | None, hours: float,
             speed: float | None, seed: int) -> RunPlan:
    """Validate the scenario options together; raise ValueError with the fix on bad input."""
    name = scenario or pack.room.default_scenario
    if name not in SCENARIOS:
        raise ValueError(f"--scenario {name}: unknown — fix: use one of {', '.join(SCENARIOS)}")
    if agenda is not None:
        if name != "meeting":
            raise ValueError("--agenda is for meetings — fix: add --scenario meeting")
        if pitch:
            raise ValueError("give either a pitch or --agenda, not both")
        pitch = _read_agenda(agenda)
    if minutes_per_item <= 0:
        raise ValueError("--minutes-per-item must be more than 0")
    if hours <= 0:
        raise ValueError("--hours must be more than 0")
    if population is not None:
        if name != "feed":
            raise ValueError("--population is for feeds — fix: add --scenario feed")
        if not 1 <= population <= MAX_POPULATION:
            raise ValueError(f"--population must be between 1 and {MAX_POPULATION:,}")
    options = {"meeting": {"minutes_per_item": minutes_per_item}, "feed": {"hours": hours}}
    policy, personas = seat(pack, name, options.get(name, {}), population, seed)
    # A feed covers hours of simulated time: unless asked otherwise, run it as fast as possible.
    resolved_speed = speed if speed is not None else (0.0 if name == "feed" else 1.0)
    return RunPlan(policy, personas, pitch, resolved_speed)
