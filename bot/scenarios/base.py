"""What a scenario policy decides for the orchestrator: who gets a turn, what they see, and
what runs when.

The orchestrator owns time, the event log, budgets and the model calls; a scenario only answers
its questions. The defaults here are the open room (free discussion): everyone sees the recent
window, a reply goes under the message it answers, a reaction sits on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from agents.agent import Outcome
from agents.context import DecisionContext, VisibleMessage

if TYPE_CHECKING:
    from bot.orchestrator import Orchestrator, Turn


class Scenario:
    name = "discussion"

    def bind(self, room: Orchestrator) -> None:
        """Called once by the orchestrator it belongs to, before the run starts."""
        if getattr(self, "room", None) is not None:
            raise RuntimeError("a scenario policy holds one run's state — make a new one per run "
                               "(or pass the scenario's name)")
        self.room = room

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

    def context(self, turn: Turn) -> DecisionContext:
        """What the persona sees when its turn comes: the room's recent window."""
        return self.room.room_context(turn)

    def apply(self, turn: Turn, outcome: Outcome) -> None:
        """Put a persona's action into the room: a reply under the message, a reaction on it."""
        decision, room = outcome.decision, self.room
        if decision.action == "reply":
            trigger = room.message(turn.trigger_id)
            room.post(
                room.personas[turn.persona].id,
                decision.text or "",
                reply_to=turn.trigger_id,
                thread_id=trigger.thread_id if trigger else None,
            )
        elif decision.action == "react":
            room.react(turn.persona, turn.trigger_id, decision.emoji or "")

    def on_quiet(self) -> bool:
        """Nothing is pending. Return True if the scenario scheduled more (its next phase)."""
        return False

    def finish(self, reason: str) -> None:
        """The run is ending (for any reason): write the scenario's closing record."""
