"""Asking the room: each item's stimulus shown to its persona as a room would show it (the reply
chain before it, the persona's appraisal of it), answered with the model under test; and, for
every stimulus, the speak gate's chance that each persona responds at all."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from agents.agent import Agent
from agents.appraisal import Appraiser
from agents.context import DecisionContext, VisibleMessage
from agents.gate import GateSettings, SpeakGate
from agents.llm import LLM
from agents.persona import Persona
from agents.sanitize import room_names
from bot.engine.opinions import opening_pull
from bot.eval.items import EvalSet, Said, Stimulus

OUTSIDER = "someone"


@dataclass
class Generated:
    texts: list[str]  # per item; "" when the persona said nothing or the call failed
    cost: float = 0.0
    calls: int = 0
    cached: int = 0
    failed: int = 0
    stopped: bool = False  # --max-cost was reached; the rest were not asked
    errors: list[str] = field(default_factory=list)


def _message(said: Said, at: int, reply_to: int | None) -> VisibleMessage:
    return VisibleMessage(at, said.author or OUTSIDER, said.name,
                          "persona" if said.author else "human", said.text, reply_to)


def _mentions(persona: Persona, text: str) -> bool:
    return re.search(rf"(?<!\w)@{re.escape(persona.id)}(?!\w)", text, re.I) is not None


class Room:
    """The pack's personas as a room sees them: one appraisal and one speak gate for all."""

    def __init__(self, eval_set: EvalSet, seed: int) -> None:
        self.pack = eval_set.pack
        self.personas = list(self.pack.personas)
        self.index = {p.id: i for i, p in enumerate(self.personas)}
        self.seed = seed
        self.appraiser = Appraiser(self.personas, seed=seed, room_topic=self.pack.room.topic)
        self.names = room_names(self.personas)

    def context(self, persona: str, stimulus: Stimulus) -> DecisionContext:
        window = [_message(said, n + 1, n or None) for n, said in enumerate(stimulus.context)]
        trigger = _message(stimulus.said, len(window) + 1,
                           len(window) if window and stimulus.answers else None)
        who = self.index[persona]
        room = self.appraiser.room(stimulus.said.text)
        return DecisionContext(
            room_name=self.pack.room.name, room_topic=self.pack.room.topic, trigger=trigger,
            window=(*window, trigger), mentioned=_mentions(self.personas[who], trigger.text),
            replied_to_me=stimulus.answers == persona, seed=self.seed,
            appraisal=self.appraiser.explain(room, who))

    def chances(self, stimulus: Stimulus) -> np.ndarray:
        """Per persona, the speak gate's chance to take a turn on this message, as a room would
        draw it (fresh: nobody tired or cooling down)."""
        gate = SpeakGate(self.personas, GateSettings(), self.seed)
        author = self.index.get(stimulus.said.author or "")
        mentioned = [i for i, p in enumerate(self.personas) if _mentions(p, stimulus.said.text)]
        pull = opening_pull(self.appraiser.room(stimulus.said.text).relevance)
        return np.minimum(gate.chances(
            0.0, author=author, human_author=author is None, mentioned=mentioned,
            replied_to=self.index.get(stimulus.answers or ""), pull=pull), 1.0)


async def generate(room: Room, eval_set: EvalSet, llm: LLM, *, concurrency: int = 4,
                   max_cost: float | None = None, who: Sequence[Persona] | None = None,
                   on_done: Callable[[], None] = lambda: None) -> Generated:
    """`who`: the personas that answer (default: the room's; the name-only baseline strips them)."""
    agents = {p.id: Agent(p, llm, room.pack.room.name, room.pack.room.topic, room.names)
              for p in who or room.personas}
    out = Generated([""] * len(eval_set.items))
    gate = asyncio.Semaphore(concurrency)

    async def one(n: int) -> None:
        item = eval_set.items[n]
        async with gate:
            if max_cost is not None and out.cost >= max_cost:
                out.stopped = True
            else:
                outcome = await agents[item.persona].write(room.context(item.persona,
                                                                        item.stimulus))
                out.calls += len(outcome.calls)
                out.cached += sum(c.from_cache for c in outcome.calls)
                out.cost += sum(c.cost_usd for c in outcome.calls)
                if outcome.decision.action == "reply":
                    out.texts[n] = outcome.decision.text or ""
                elif outcome.error:
                    out.failed += 1
                    out.errors.append(outcome.error)
        on_done()

    await asyncio.gather(*(one(n) for n in range(len(eval_set.items))))
    return out
