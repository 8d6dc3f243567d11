"""What the embedded model is told and what of its answer is kept, without loading the model:
its side of the matter in the prompt, politeness cut, a reply that wandered off rejected."""

from __future__ import annotations

from dataclasses import replace

import pytest

from agents.appraisal import Appraiser
from agents.backends.local_llama import (
    chat_for,
    degenerate,
    off_topic,
    other_side,
    without_filler,
)
from tests.support.llm import pitch_context

SUPER_BOWL = "I propose we spend $8M on a Super Bowl ad next February to reach small businesses."


@pytest.mark.parametrize(("reply", "kept"), [
    ("I'm glad to hear that. What's the payback period?", "What's the payback period?"),
    ("Absolutely! Great idea. But who signs off on $8M?", "But who signs off on $8M?"),
    ("I'm glad you're interested, but the numbers don't close.", "The numbers don't close."),
    ("Thanks for sharing. Thank you. We can't afford it.", "We can't afford it."),
    # Content is never cut: a long opener carries it, and a lone filler sentence stays (it is
    # then rejected whole by degenerate()).
    ("What a way to burn the runway on one evening of television and a logo.",
     "What a way to burn the runway on one evening of television and a logo."),
    ("Sure.", "Sure."),
    ("The ad is fine. I agree with Dana.", "The ad is fine. I agree with Dana."),
])
def test_leading_politeness_is_cut_and_content_kept(reply: str, kept: str) -> None:
    assert without_filler(reply) == kept


@pytest.mark.parametrize("reply", ["Absolutely!", "I completely agree.", "Great question!",
                                   "Thanks!", "Of course, I love this."])
def test_a_reply_that_is_only_filler_is_rejected(board, reply: str) -> None:
    assert degenerate(reply, board.persona("marcus"), SUPER_BOWL) == "only filler"


def test_a_reply_that_left_the_message_behind_is_off_topic(board) -> None:
    context = pitch_context(board, SUPER_BOWL)
    for wandered in ("My cat loves sleeping in the sun on the porch.",
                     "I went hiking last weekend with my kids.",
                     "The weather in Lisbon is lovely in spring."):
        assert off_topic(wandered, context)
    for on_point in ("$8M for thirty seconds? Our customers don't watch football for ads.",
                     "Show me the payback on that spend before we commit a dollar.",
                     "A Super Bowl slot is brand theatre, not a channel for small businesses."):
        assert not off_topic(on_point, context)


def test_the_prompt_tells_the_model_its_side_and_what_it_touches(board) -> None:
    priya = board.persona("priya")
    context = pitch_context(board, SUPER_BOWL)
    appraiser = Appraiser(list(board.personas))
    seen = appraiser.explain(appraiser.room(SUPER_BOWL), board.personas.index(priya))
    system = chat_for(priya, replace(context, appraisal=seen))[0]["content"]
    assert seen.stance == "against" and seen.reason  # the CFO, on an $8M brand spend
    assert "You are against it" in system and seen.reason in system
    # Without an appraisal the prompt takes no side for it.
    plain = chat_for(priya, context)[0]["content"]
    assert "against it" not in plain and "for it" not in plain


def test_the_prompt_ends_with_the_message_and_shows_fitting_posts_as_earlier_answers(board):
    marcus = board.persona("marcus")
    messages = chat_for(marcus, pitch_context(board, SUPER_BOWL))
    assert messages[-1] == {"role": "user", "content": f"You: {SUPER_BOWL}"}
    answers = [m["content"] for m in messages if m["role"] == "assistant"]
    assert answers and set(answers) <= {ex.text.strip() for ex in marcus.examples}


def test_a_reply_that_argues_the_side_the_persona_is_not_on_is_rejected(board):
    appraiser = Appraiser(list(board.personas))
    room = appraiser.room(SUPER_BOWL)
    context = pitch_context(board, SUPER_BOWL)
    cfo = replace(context, appraisal=appraiser.explain(room, board.personas.index(board.persona("priya"))))
    fan = replace(context, appraisal=appraiser.explain(room, board.personas.index(board.persona("marcus"))))
    cheer, doubt = "What a great idea, I love it!", "This is a terrible waste of money."
    assert other_side(cheer, cfo) and not other_side(doubt, cfo)
    assert other_side(doubt, fan) and not other_side(cheer, fan)
    # A measured line is on nobody's side: kept for both.
    measured = "What is the payback period on $8M?"
    assert not other_side(measured, cfo) and not other_side(measured, fan)
    assert not other_side(cheer, context)  # no appraisal, no side to keep to
    # Sides taken in so many words, which read as neutral in tone.
    assert other_side("I'm all for it.", cfo) and other_side("Let's do it!", cfo)
    assert other_side("No way, count me out.", fan) and not other_side("Count me in.", fan)
