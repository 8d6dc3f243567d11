"""Free discussion: every message goes past the cheap speak-gate; whoever passes it gets a turn."""

from __future__ import annotations

from agents.context import VisibleMessage
from bot.scenarios.base import Scenario


class Discussion(Scenario):
    name = "discussion"

    def on_message(self, message: VisibleMessage, author: int | None, vtime: float) -> None:
        give_gate_turns(self, message, author, vtime)


def give_gate_turns(
    scenario: Scenario,
    message: VisibleMessage,
    author: int | None,
    vtime: float,
    muted: frozenset[int] = frozenset(),
) -> list[int]:
    """Turns for everyone the gate lets through (mentions, replies, talkativeness, cooldowns)."""
    room = scenario.room
    gate = room.gate
    parent = room.message(message.reply_to)
    replied_to = room.index_of(parent.author_id) if parent else None
    chosen = gate.candidates(
        vtime,
        author=author,
        human_author=message.author_kind == "human",
        mentioned=room.mentions(message.id),
        replied_to=replied_to,
        exchange_blocked=room.exchange_partner(author, message.reply_to)
        if author is not None
        else None,
    )
    given = []
    for persona, notice in zip(chosen.tolist(), gate.notice_delays(chosen).tolist(), strict=True):
        if persona in muted:
            gate.done(persona)
            continue
        room.give_turn(persona, message.id, vtime + notice)
        given.append(persona)
    return given
