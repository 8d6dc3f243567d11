"""Free discussion: every message goes past the cheap speak-gate; whoever passes it gets a turn.
When the turn comes, the persona answers what in the room now pulls at it most: someone who looked
up for the pitch and finds two directors already arguing about it answers the argument."""

from __future__ import annotations

import bisect

from agents.agent import Outcome
from agents.context import VisibleMessage
from bot.engine.policy import Policy, Turn

REFOCUS_MARGIN = 1.2  # a later message must pull this much harder to be answered instead


class Discussion(Policy):
    name = "discussion"

    def on_message(self, message: VisibleMessage, author: int | None, vtime: float) -> None:
        self.offer_turns(message, author, vtime)

    def apply(self, turn: Turn, outcome: Outcome) -> None:
        super().apply(turn, outcome)
        self.catch_up(turn.persona)

    def focus(self, turn: Turn) -> int:
        """A reply that came in since, from someone the persona disagrees with (or that names or
        answers them), is answered instead, if it pulls harder than what the turn was for."""
        engine, me = self.engine, self.engine.personas[turn.persona].id
        recent = engine.conversation.recent()
        since = bisect.bisect_right(recent, turn.trigger_id, key=lambda m: m.id)  # in id order
        provoking = [m for m in recent[since:] if m.author_kind == "persona" and m.author_id != me
                     and (engine.opinions.disagree(turn.persona, m) or self._addressed(turn, m))]
        if not provoking:
            return turn.trigger_id

        def pull(message: VisibleMessage) -> float:
            author = engine.index_of(message.author_id)
            return float(engine.opinions.pull(message, author)[turn.persona])

        best = max(provoking, key=pull)
        keep = pull(engine.message(turn.trigger_id)) * REFOCUS_MARGIN
        return best.id if pull(best) > keep else turn.trigger_id

    def _addressed(self, turn: Turn, message: VisibleMessage) -> bool:
        parent = self.engine.message(message.reply_to)
        return (turn.persona in self.engine.conversation.mentions(message.id)
                or (parent is not None and parent.author_id == self.engine.personas[turn.persona].id))
