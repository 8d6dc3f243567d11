"""The room responds to what was said, offline (the `history` backend): motions are voted on their
merits, a pitch gets a discussion that small talk does not, and a kind announcement is received
differently from an insulting one. bench/room_responds.py runs the same measures over more seeds.
"""

from __future__ import annotations

import pytest

from agents.appraisal import STANCE_BAND
from agents.backends.past_posts import PastPostsLLM
from agents.packs import load_pack
from bot.engine.budgets import Budgets
from bot.engine.settings import RunSettings
from tests.support.scenarios import rows, run_room

RECKLESS = [
    "Spend $8M, half our cash, on a Super Bowl ad this quarter with no legal review of its claims.",
    "Sell our customers' transaction data to a data broker for $3M a year.",
    "Stop all security audits for a year to save $400k.",
    "Fire the entire QA team and ship releases straight to customers.",
    "Move all customer data to a cheaper offshore provider next week with no security review.",
]
ROUTINE = [
    "Approve the minutes of the last board meeting.",
    "Renew the Austin office lease on the same terms for one more year.",
    "Reappoint Baker & Lane as auditors for next year at the same fee.",
    "Approve the renewal of our cloud hosting contract at the same price.",
]


async def _meeting(db_path, board, motion: str, seed: int = 0):
    await run_room(db_path, board, PastPostsLLM(), "meeting", motion, RunSettings(seed=seed, speed=0))
    return rows(db_path, "SELECT persona_id, choice, reason FROM votes")


@pytest.mark.parametrize("motion", RECKLESS)
async def test_a_reckless_motion_is_voted_down_for_what_it_risks(db_path, board, motion):
    votes = await _meeting(db_path, board, motion)
    against = [reason for _, choice, reason in votes if choice == "against"]
    assert len(against) > sum(choice == "for" for _, choice, _ in votes)
    # Each reason against names a concern some director holds ("It means <concern>.",
    # "Sofia Marchetti is right: it means <concern>."), not a stock line.
    concerns = {c.lower() for p in board.personas for c in p.concerns}
    assert all(any(c in r.lower() for c in concerns) or "question" in r.lower() for r in against)


@pytest.mark.parametrize("motion", ROUTINE)
async def test_a_routine_motion_carries(db_path, board, motion):
    votes = await _meeting(db_path, board, motion)
    tally = {c: sum(v[1] == c for v in votes) for c in ("for", "against", "abstain")}
    assert tally["for"] >= 5 and tally["for"] > tally["against"]
    assert all(reason for *_, reason in votes)


async def test_a_vote_and_its_reason_agree(db_path, board):
    votes = await _meeting(db_path, board, RECKLESS[0])
    for _, choice, reason in votes:
        if choice == "for":
            assert reason.startswith(("It brings", "It is sound", "Routine business"))
        elif choice == "against":
            assert "it means" in reason.lower() or "not answered" in reason or "persuade" in reason


async def _discussion(db_path, board, text: str, seed: int):
    room = await run_room(db_path, board, PastPostsLLM(), "discussion", text,
                          RunSettings(seed=seed, speed=0))
    found = rows(db_path, "SELECT COUNT(*), COUNT(DISTINCT author_id) FROM messages "
                          "WHERE run_id = ? AND author_kind = 'persona'", room.run_id)
    return found[0]


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
async def test_a_pitch_to_the_board_gets_a_discussion_small_talk_does_not(db_path, board, seed):
    messages, speakers = await _discussion(
        db_path, board, "We should spend $2M on a Super Bowl ad for our accounting software.", seed)
    assert messages >= 5 and speakers >= 4
    chat, _ = await _discussion(db_path, board, "Good morning all, hope the weekend was restful.",
                                seed)
    assert chat < messages


async def _announcement(db_path, community, text: str, seed: int) -> tuple[int, int, int]:
    """(replies, replies against it, reactions), in the first 40 messages."""
    settings = RunSettings(seed=seed, speed=0, budgets=Budgets(max_messages=40))
    room = await run_room(db_path, community, PastPostsLLM(), "discussion", text, settings)
    replied = rows(db_path, "SELECT persona_id, lean FROM decisions WHERE run_id = ? "
                            "AND action = 'reply'", room.run_id)
    against = sum(lean is not None and lean <= -STANCE_BAND for _, lean in replied)
    reactions = rows(db_path, "SELECT COUNT(*) FROM reactions WHERE run_id = ?", room.run_id)[0][0]
    return len(replied), against, reactions


@pytest.mark.parametrize(("kind", "rude"), [
    ("Thank you all for a wonderful year. From next month every member gets free delivery.",
     "Listen up, idiots: prices go up 30% next month. Shop somewhere else if you don't like it."),
    ("We hear you: the late fees are gone for good, and the library keeps its Sunday hours.",
     "Your complaints are pathetic. The Sunday hours are cut and we do not care what you think."),
])
async def test_a_kind_and_an_insulting_announcement_are_received_differently(db_path, kind, rude):
    community = load_pack("community")
    warm, cold = [0, 0, 0], [0, 0, 0]
    for seed in (0, 1):  # one seed can be a quiet evening; two show the difference
        for total, text in ((warm, kind), (cold, rude)):
            found = await _announcement(db_path, community, text, seed)
            total[:] = [a + b for a, b in zip(total, found, strict=True)]
    assert cold[1] / max(1, cold[0]) >= 0.6 and warm[1] / max(1, warm[0]) <= 0.3
    assert warm[2] > cold[2]  # goodwill shows in reactions; an insult gets answered instead
