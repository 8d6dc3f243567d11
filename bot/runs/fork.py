"""`townhall fork RUN --at MESSAGE --text "…"`: a new run that shares everything before a message
and says something else there.

The fork is a run of its own: the same pack, members, scenario and settings as its parent (the
seed and model may be changed); its transcript starts with copies of the parent's messages and
reactions before MESSAGE (same ids, authors and text, marked inherited, runs.parent_run_id and
forked_at set), then the new version of MESSAGE from the same author, then whatever follows.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from agents.packs import Pack, load_pack
from agents.persona import Persona
from bot.engine.orchestrator import Orchestrator
from bot.engine.policy import Policy
from bot.engine.settings import RunSettings
from bot.runs.plan import seat
from bot.transcript.events import MessageEvent, ReactionEvent
from bot.transcript.queries import RunView


@dataclass(frozen=True)
class ForkPlan:
    pack: Pack
    personas: list[Persona]
    policy: Policy
    settings: RunSettings
    model: str
    prefix: list[MessageEvent | ReactionEvent]
    replaced: MessageEvent


def plan_fork(
    parent: RunView,
    at: int,
    *,
    model: str | None = None,
    seed: int | None = None,
    speed: float = 0.0,
) -> ForkPlan:
    """Everything a fork needs, checked before anything is written; ValueError says the fix."""
    run = parent.run
    replaced = next((m for m in parent.messages if m.id == at), None)
    if replaced is None:
        ids = [m.id for m in parent.messages]
        span = f"{ids[0]}–{ids[-1]}" if ids else "none"
        raise ValueError(
            f"run {run['id']} has no message {at} (its messages: {span}) — fix: see "
            f"the ids with `townhall show {run['id']}`"
        )
    prefix = [
        e
        for e in parent.events
        if isinstance(e, MessageEvent | ReactionEvent) and e.seq < replaced.seq
    ]
    if run["scenario"] == "meeting" and any(isinstance(e, MessageEvent) for e in prefix):
        first = next(m.id for m in parent.messages if m.author_kind == "human")
        raise ValueError(f"a meeting can only be forked at its agenda — fix: --at {first}")
    pack = load_pack(run["pack"])
    stored = json.loads(run["settings"] or "{}")
    members = [p.id for p in parent.participants.values() if p.kind == "persona"]
    grown = members != [p.id for p in pack.personas]  # a feed's population, grown by seed
    policy, personas = seat(pack, run["scenario"], dict(stored.get("scenario_options") or {}),
                            len(members) if grown else None, run["seed"])
    if [p.id for p in personas] != members:
        raise ValueError(f"run {run['id']}'s members no longer match pack '{run['pack']}' — "
                         "fix: fork with the pack version the run was made with")
    return ForkPlan(
        pack,
        personas,
        policy,
        replace(RunSettings.restore(stored), speed=speed,
                **({} if seed is None else {"seed": seed})),
        model or run["model"],
        prefix,
        replaced,
    )


def start_arguments(plan: ForkPlan, parent_id: str) -> dict:
    """For Orchestrator.start: the parent, the fork point and the shared prefix."""
    return {"parent_run_id": parent_id, "forked_at": plan.replaced.id, "inherit": plan.prefix,
            "resume_at": plan.replaced.vtime}


def opening(plan: ForkPlan, text: str) -> Callable[[Orchestrator], Awaitable[None]]:
    """After the prefix: the new version of the message, from the same author."""
    old = plan.replaced

    async def post_new_version(engine: Orchestrator) -> None:
        if old.author_kind == "human":
            await engine.post_human(old.author_name, text, old.reply_to)
        else:
            engine.post(
                old.author_id,
                text,
                reply_to=old.reply_to,
                thread_id=old.thread_id,
                quote_of=old.quote_of,
            )

    return post_new_version
