"""Free discussion: every message goes past the cheap speak-gate; whoever passes it gets a turn."""

from __future__ import annotations

from agents.context import VisibleMessage
from bot.engine.policy import Policy


class Discussion(Policy):
    name = "discussion"

    def on_message(self, message: VisibleMessage, author: int | None, vtime: float) -> None:
        self.offer_turns(message, author, vtime)
