"""The terminal view: a crowd prints what answers the humans and counts the rest."""

from __future__ import annotations

import io

from rich.console import Console

from bot.platforms.terminal import TerminalPlatform, TranscriptPrinter
from bot.transcript.events import MessageEvent, ReactionEvent


def message(id_: int, author: str, kind: str, text: str, **links) -> MessageEvent:
    return MessageEvent("r", id_, id_, kind, author, author.title(), text, 0.0, float(id_), **links)


async def test_a_crowd_prints_the_humans_and_their_answers_and_counts_the_rest():
    out = io.StringIO()
    console = Console(file=out, width=120, color_system=None)
    view = TerminalPlatform(console, TranscriptPrinter(console, {}, {}), crowd=True)
    for event in (
        message(1, "ann", "persona", "an unrelated post about cats"),
        message(2, "human:you", "human", "Our new ad is live"),
        message(3, "bob", "persona", "I love this ad", reply_to=2),
        message(4, "cy", "persona", "this ad, really?", quote_of=2),
        message(5, "dee", "persona", "a reply to the cat post", reply_to=1),
        ReactionEvent("r", 6, 2, "ann", "Ann", "❤️", 0.0, 6.0),
    ):
        view.deliver(event)
    await view.stop()
    shown = out.getvalue()
    assert "Our new ad is live" in shown and "I love this ad" in shown and "this ad, really?" in shown
    assert "an unrelated post about cats" not in shown and "a reply to the cat post" not in shown
    assert "2 posts and 1 reactions elsewhere in the crowd were not printed" in shown


async def test_a_small_room_prints_everything():
    out = io.StringIO()
    console = Console(file=out, width=120, color_system=None)
    view = TerminalPlatform(console, TranscriptPrinter(console, {}, {}))
    view.deliver(message(1, "ann", "persona", "an unrelated post about cats"))
    await view.stop()
    assert "cats" in out.getvalue() and "not printed" not in out.getvalue()
