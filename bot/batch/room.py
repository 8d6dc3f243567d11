"""The one place a batch turns a job into a room; scenarios plug in here, not in the runner."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import replace

from agents.llm.base import LLM
from agents.packs import Pack
from agents.persona import Persona
from bot.batch.plan import BatchError, BatchPlan, Job
from bot.orchestrator import Orchestrator
from bot.transcript import Transcript

SCENARIOS = ("discussion", "meeting", "feed")


def check_scenario(scenario: str) -> None:
    if scenario not in SCENARIOS:
        raise BatchError(f"--scenario {scenario}: unknown — fix: use one of {', '.join(SCENARIOS)}")
    # meeting and feed live in bot.scenarios; a build without it cannot run them (and must not
    # silently run a discussion instead).
    if scenario != "discussion" and importlib.util.find_spec("bot.scenarios") is None:
        raise BatchError(f"--scenario {scenario}: not available in this build — fix: use "
                         "--scenario discussion")


def make_room(plan: BatchPlan, job: Job, pack: Pack, llm_for: Callable[[Persona], LLM],
              transcript: Transcript) -> Orchestrator:
    """A headless room for one (variant, seed), built the way an interactive session builds one."""
    settings = replace(plan.settings, seed=job.seed, stop_when_quiet=True)
    return Orchestrator(pack, llm_for, transcript, settings, model_name=plan.model,
                        platform="batch", scenario=plan.scenario, title=job.text,
                        batch_id=plan.batch_id, variant=job.variant)
