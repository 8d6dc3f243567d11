"""The interface between the engine and a scenario policy (free discussion, a meeting, a feed).

The engine owns time, the event log, budgets and the model calls; a policy decides who gets a turn
for each message, what each persona sees, and which timed phases run (a chair's call, a vote, a feed
session). It may only use the engine through `Engine`, the part of the orchestrator written for it.

`Policy`'s own defaults are the open room: everyone sees the recent window, a reply goes under the
message it answers, a reaction sits on it. A policy holds one run's state: make one per run.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from agents.agent import Agent, Outcome
from agents.context import DecisionContext, VisibleMessage
from agents.gate import SpeakGate
from agents.packs import Pack
from agents.persona import Persona
from bot.engine.clock import SimClock
from bot.engine.conversation import Conversation
from bot.engine.opinions import Opinions
from bot.engine.settings import RunSettings
from bot.transcript.events import MessageEvent, StoredEvent

# A scenario's own way to act on a turn (a forced reply, a vote, a feed action) instead of decide().
Act = Callable[[Agent, DecisionContext], Awaitable[Outcome]]


@dataclass
class Turn:
    order: int
    persona: int
    trigger_id: int
    due: float
    landing: float = 0.0
    task: asyncio.Task | None = None
    act: Act | None = None
    context: DecisionContext | None = None  # set by the scenario when it is not the room's window
    tag: Any = None  # the scenario's note on what this turn is for


@dataclass
class Timer:
    """A scenario phase that fires at a simulated time (the chair speaks, a wait runs out)."""

    due: float
    fire: Callable[[], None]
    cancelled: bool = False


class Engine(Protocol):
    """What a policy may read and do in the run it is bound to."""

    run_id: str
    pack: Pack
    personas: list[Persona]
    settings: RunSettings
    clock: SimClock
    gate: SpeakGate
    conversation: Conversation
    opinions: Opinions

    @property
    def next_seq(self) -> int: ...

    def message(self, message_id: int | None) -> VisibleMessage | None: ...

    def index_of(self, author_id: str) -> int | None: ...

    def open_context(self, turn: Turn) -> DecisionContext: ...

    def give_turn(self, persona: int, trigger_id: int, due: float, *, act: Act | None = None,
                  context: DecisionContext | None = None, tag: Any = None) -> Turn: ...

    def schedule(self, due: float, fire: Callable[[], None]) -> Timer: ...

    def post(self, author_id: str, text: str, *, reply_to: int | None = None,
             thread_id: int | None = None, quote_of: int | None = None) -> MessageEvent: ...

    def react(self, persona: int, message_id: int, emoji: str) -> bool: ...

    def record(self, event: StoredEvent) -> None: ...

    def status(self, kind: str, **data: object) -> None: ...

    def request_stop(self, reason: str = "stopped") -> None: ...


class Policy:
    name = "discussion"

    def bind(self, engine: Engine) -> None:
        """Called once by the engine it belongs to, before the run starts."""
        if getattr(self, "engine", None) is not None:
            raise RuntimeError("a scenario policy holds one run's state — make a new one per run")
        self.engine = engine
        # Per persona, the strongest chance it missed while busy and the message (0: none):
        # arrays, since a busy crowd of thousands is updated on every message.
        self._missed_chance = np.zeros(0, np.float64)
        self._missed_message = np.zeros(0, np.int64)

    def options(self) -> dict:
        """The scenario's settings, stored with the run (a fork runs the same scenario again)."""
        return {}

    def begin(self) -> None:
        """The run has started: schedule opening phases (a feed's sessions …)."""

    def on_message(self, message: VisibleMessage, author: int | None, vtime: float) -> None:
        """A message was added (by a human, a persona or the scenario): give out turns for it."""

    def on_inherited(self, message: VisibleMessage) -> None:
        """A fork copied a parent's message into this run; rebuild any state that depends on it."""

    def on_inherited_reaction(self, message_id: int, author: int | None, emoji: str,
                              vtime: float) -> None:
        """A fork copied a parent's reaction (`author` is a persona index, or None)."""

    def matter_of(self, message_id: int) -> int:
        """The message that states what a message is about, which those who answer it argue
        over (by default, where its reply chain started)."""
        return self.engine.conversation.root_of(message_id)

    def focus(self, turn: Turn) -> int:
        """When its turn comes, the message the persona answers (by default, the one it was given
        the turn for)."""
        return turn.trigger_id

    def context(self, turn: Turn) -> DecisionContext:
        """What the persona sees when its turn comes: the room's recent window."""
        return self.engine.open_context(turn)

    def apply(self, turn: Turn, outcome: Outcome) -> None:
        """Put a persona's action into the room: a reply under the message, a reaction on it."""
        decision, engine = outcome.decision, self.engine
        if decision.action == "reply":
            trigger = engine.message(turn.trigger_id)
            engine.post(engine.personas[turn.persona].id, decision.text or "",
                        reply_to=turn.trigger_id, thread_id=trigger.thread_id if trigger else None)
        elif decision.action == "react":
            engine.react(turn.persona, turn.trigger_id, decision.emoji or "")

    def offer_turns(self, message: VisibleMessage, author: int | None, vtime: float,
                    muted: frozenset[int] = frozenset()) -> list[int]:
        """Turns for everyone the speak-gate lets through (the message's pull on them, mentions,
        replies, talkativeness, cooldowns), except `muted`; returns who got one. Someone busy
        with a turn already is remembered, and may answer this after that (catch_up)."""
        engine = self.engine
        parent = engine.message(message.reply_to)
        pull = engine.opinions.pull(message, author)
        chances = engine.gate.chances(
            vtime, author=author, human_author=message.author_kind == "human",
            mentioned=engine.conversation.mentions(message.id), pull=pull,
            replied_to=engine.index_of(parent.author_id) if parent else None,
            exchange_blocked=(engine.conversation.exchange_partner(author, message.reply_to)
                              if author is not None else None))
        if len(self._missed_chance) != len(chances):
            self._missed_chance.resize(len(chances), refcheck=False)
            self._missed_message.resize(len(chances), refcheck=False)
        missed = engine.gate.busy & (chances > self._missed_chance)
        self._missed_chance[missed] = chances[missed]
        self._missed_message[missed] = message.id
        chosen = engine.gate.draw(chances)
        urgency = np.clip((pull - 0.3) / 1.5, 0.0, 1.0)
        given = []
        for persona, notice in zip(chosen.tolist(),
                                   engine.gate.notice_delays(chosen, urgency).tolist(), strict=True):
            if persona in muted:
                engine.gate.done(persona)
                continue
            engine.give_turn(persona, message.id, vtime + notice)
            given.append(persona)
        return given

    def catch_up(self, persona: int) -> None:
        """After its turn: the strongest message the persona missed while it was busy gets its
        chance now, as a reader scrolls back to what came in while they were typing."""
        if persona >= len(self._missed_chance):
            return
        chance, message_id = float(self._missed_chance[persona]), int(self._missed_message[persona])
        self._missed_chance[persona], self._missed_message[persona] = 0.0, 0
        engine = self.engine
        if message_id and engine.gate.draw_one(persona, chance):
            delay = float(engine.gate.notice_delays(np.array([persona]))[0])
            engine.give_turn(persona, message_id, engine.clock.now + delay)

    def on_quiet(self) -> bool:
        """Nothing is pending. Return True if the scenario scheduled more (its next phase)."""
        return False

    def finish(self, reason: str) -> None:
        """The run is ending (for any reason): write the scenario's closing record."""
