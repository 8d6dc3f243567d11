"""The one place a batch turns a job into a room: the scenario and its members, then the room.

Rooms are built the way `townhall run` builds them (bot.scenarios.setup.plan_room), with a fresh
scenario policy per run, headless (a run ends when its room falls quiet or on a budget) and at
full speed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from agents.llm.base import LLM
from agents.packs import Pack
from agents.persona import Persona
from bot.batch.plan import BatchError, BatchPlan, Job
from bot.orchestrator import Orchestrator
from bot.scenarios.setup import RoomPlan, plan_room
from bot.transcript import Transcript


def room_plan(plan: BatchPlan, pack: Pack, seed: int, pitch: str) -> RoomPlan:
    o = plan.scenario_options
    try:
        return plan_room(pack, scenario=plan.scenario, pitch=pitch, agenda=None,
                         minutes_per_item=o.minutes_per_item, population=o.population,
                         hours=o.hours, speed=0.0, seed=seed)
    except ValueError as exc:
        raise BatchError(str(exc)) from None


def check_scenario(plan: BatchPlan, pack: Pack, llm_for: Callable[[Persona], LLM],
                   transcript: Transcript) -> None:
    """Refuse what would fail every run before any starts: build the first room, unstarted (a
    scenario checks the pack when it is bound to a room, e.g. a meeting needs a chair)."""
    first = Job(plan.variants[0].name, plan.first_seed, plan.variants[0].text)
    try:
        make_room(plan, first, pack, llm_for, transcript)
    except ValueError as exc:
        raise BatchError(str(exc)) from None


def make_room(plan: BatchPlan, job: Job, pack: Pack, llm_for: Callable[[Persona], LLM],
              transcript: Transcript) -> Orchestrator:
    """A headless room for one (variant, seed). A feed's population is grown from the seed, so
    variant a and b of the same seed meet the same people."""
    seated = room_plan(plan, pack, job.seed, job.text)
    settings = replace(plan.settings, seed=job.seed, speed=0.0, stop_when_quiet=True)
    return Orchestrator(pack, llm_for, transcript, settings, model_name=plan.model,
                        platform="batch", scenario=seated.scenario, title=job.text,
                        personas=seated.personas, batch_id=plan.batch_id, variant=job.variant)
