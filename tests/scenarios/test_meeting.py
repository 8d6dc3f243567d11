"""The chaired meeting end to end with the fake backend: calls, questions, time box, votes,
minutes."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import pytest

from agents.backends.fake import FakeLLM
from agents.backends.past_posts import PastPostsLLM
from agents.gate import GateSettings
from bot.engine.settings import RunSettings
from bot.scenarios import make_scenario
from bot.scenarios.meeting.agenda import parse_agenda
from bot.transcript import Transcript
from bot.transcript.events import MessageEvent
from bot.transcript.export import to_jsonl, to_markdown
from bot.transcript.queries import load_run
from tests.support.scenarios import rows, run_room

AGENDA = """# Q3 board

## Super Bowl ad
Spend $2M on one 30-second spot.
Motion: Approve a $2M Super Bowl ad buy

## VP of Sales
Hire a VP of Enterprise Sales.
"""


def scripted(request):
    """Members state a view when asked to write; Priya asks a question; votes by a fixed table."""
    persona = request.persona.id if request.persona else ""
    if request.answer_name == "vote":
        return {
            "vote": {"priya": "against", "helen": "abstain"}.get(persona, "for"),
            "reason": f"{persona} has reasons",
        }
    if request.answer is None:
        if persona == "priya":
            return "Margins are thin. What is the payback period?"
        return f"{persona} thinks this is worth a look."
    return {"action": "reply", "text": f"{persona} adds one more point."}


def test_agenda_from_markdown_and_from_a_plain_pitch():
    agenda = parse_agenda(AGENDA)
    assert agenda.title == "Q3 board" and agenda.sectioned
    assert [i.title for i in agenda.items] == ["Super Bowl ad", "VP of Sales"]
    assert agenda.items[0].motion == "Approve a $2M Super Bowl ad buy"
    assert "Motion" not in agenda.items[0].body
    assert agenda.items[1].motion == "Approve: VP of Sales"
    pitch = parse_agenda("Should we sponsor the marathon?\nIt costs $80k.")
    assert len(pitch.items) == 1 and not pitch.sectioned
    assert pitch.items[0].title == "Should we sponsor the marathon?"


async def test_every_member_speaks_votes_are_tallied_and_minutes_list_them(db_path, board):
    llm = FakeLLM(scripted)
    room = await run_room(
        db_path, board, llm, make_scenario("meeting"), AGENDA, RunSettings(seed=5, speed=0)
    )
    floor = [
        r for r in llm.requests if "The chair has given you the floor" in r.messages[-1].content
    ]
    assert len(floor) == 12 and all(r.answer is None for r in floor)  # called on: just speak
    run = rows(db_path, "SELECT status, stop_reason FROM runs")[0]
    assert run == ("finished", "meeting adjourned")
    members = {p.id for p in board.personas} - {"margaret"}
    calls = rows(db_path, "SELECT id FROM messages WHERE author_id = 'margaret' AND text LIKE '@%'")
    answered = {
        a
        for (a,) in rows(
            db_path,
            f"SELECT DISTINCT author_id FROM messages WHERE reply_to IN "
            f"({','.join(str(c) for (c,) in calls)}) AND text NOT LIKE '🗳️%'",
        )
    }
    assert answered == members  # every member was called on and answered
    assert len(calls) == 2 * len(members)  # once per item
    votes = rows(
        db_path, "SELECT item, persona_id, choice, reason FROM votes ORDER BY item, persona_id"
    )
    assert len(votes) == 2 * len(board.personas)  # the chair votes too
    tally = Counter((item, choice) for item, _, choice, _ in votes)
    assert tally[(1, "for")] == 5 and tally[(1, "against")] == 1 and tally[(1, "abstain")] == 1
    decisions = [
        json.loads(d)
        for (d,) in rows(
            db_path, "SELECT data FROM run_events WHERE kind = 'decision' ORDER BY seq"
        )
    ]
    assert [d["tally"] for d in decisions] == [{"for": 5, "against": 1, "abstain": 1}] * 2
    assert all(d["result"] == "carried" for d in decisions)
    ballots = rows(db_path, "SELECT text FROM messages WHERE text LIKE '🗳️%'")
    assert len(ballots) == len(votes) and "🗳️ Against — priya has reasons" in {b for (b,) in ballots}
    (minutes,) = rows(db_path, "SELECT data FROM run_events WHERE kind = 'minutes'")[0]
    markdown = json.loads(minutes)["markdown"]
    for persona in board.personas:
        assert persona.name in markdown
    assert markdown.count("motion **carried**, 5–1, 1 abstaining") == 2
    assert "Against (1): Priya Raman" in markdown
    assert "Answer Priya's question on item 1: “What is the payback period?”" in markdown
    assert "| Dana |" in markdown and "Circulate these minutes" in markdown
    async with Transcript(db_path) as t:
        exported = to_markdown(await load_run(t.conn, room.run_id))
    assert "## Minutes" in exported and "### Action items" in exported
    async with Transcript(db_path) as t:
        lines = [
            json.loads(line) for line in to_jsonl(await load_run(t.conn, room.run_id)).splitlines()
        ]
    ballots_out = [line for line in lines if line["type"] == "vote"]
    assert len(ballots_out) == len(votes) and {"item", "choice", "reason"} <= set(ballots_out[0])


async def test_the_presenter_answers_a_question_while_the_room_waits(db_path, board):
    """At speed > 0 the room waits for the presenter; an answer ends the wait and is minuted."""
    answered: list[asyncio.Task] = []

    def during(room, event):
        if (
            isinstance(event, MessageEvent)
            and "has a question for you" in event.text
            and not answered
        ):
            answered.append(
                asyncio.ensure_future(
                    room.post_human("Dana", "Payback is 14 months on brand search lift.")
                )
            )

    meeting = make_scenario("meeting", minutes_per_item=3, question_wait=600)
    await run_room(
        db_path,
        board,
        FakeLLM(scripted),
        meeting,
        "Sponsor the city marathon",
        RunSettings(seed=2, speed=400),
        during=during,
    )
    db = db_path
    texts = [t for (t,) in rows(db, "SELECT text FROM messages ORDER BY seq")]
    assert "Thank you, Dana." in texts
    assert not any("answer in writing" in t for t in texts)
    (minutes,) = rows(db, "SELECT data FROM run_events WHERE kind = 'minutes'")[0]
    assert "1 question(s) to the presenter, 1 answered" in json.loads(minutes)["markdown"]


async def test_the_chair_cuts_off_a_member_past_the_floor_limit(db_path, board):
    meeting = make_scenario(
        "meeting", minutes_per_item=10, max_turns_per_member=1, question_wait=10
    )
    await run_room(
        db_path,
        board,
        FakeLLM(scripted),
        meeting,
        "Open an office in Lisbon",
        RunSettings(seed=9, speed=0),
    )
    cut = rows(
        db_path,
        "SELECT m.author_id, c.vtime FROM messages c JOIN messages m "
        "ON m.id = c.reply_to AND m.run_id = c.run_id "
        "WHERE c.text LIKE '%let me stop you there%'",
    )
    assert cut
    for author, when in cut:  # once cut off, no new turn is given to them on this item
        later = rows(
            db_path,
            "SELECT COUNT(*) FROM messages WHERE author_id = ? AND vtime > ? + 10 "
            "AND text NOT LIKE '🗳️%'",
            author,
            when,
        )
        assert later == [(0,)]
    (minutes,) = rows(db_path, "SELECT data FROM run_events WHERE kind = 'minutes'")[0]
    assert "the chair cut off" in json.loads(minutes)["markdown"]


async def test_the_time_box_closes_a_debate_that_would_go_on(db_path, board):
    """Everyone always replies and nobody tires of it: only the time box ends the debate, then
    the vote runs."""
    meeting = make_scenario(
        "meeting", minutes_per_item=1.5, max_turns_per_member=99, question_wait=5
    )
    tireless = GateSettings(fatigue=1.0, cooldown_factor=1.0, heard_damping=1.0)
    await run_room(
        db_path,
        board,
        FakeLLM(scripted),
        meeting,
        "Open an office in Lisbon",
        RunSettings(seed=9, speed=0, gate=tireless),
    )
    closing = rows(
        db_path, "SELECT vtime FROM messages WHERE text LIKE 'We are at time on this item.%'"
    )
    opened = rows(db_path, "SELECT vtime FROM messages WHERE text LIKE 'Our item:%'")
    assert closing and 90 <= closing[0][0] - opened[0][0] < 110
    assert len(rows(db_path, "SELECT * FROM votes")) == len(board.personas)


async def test_a_backend_that_cannot_decide_votes_by_rules(db_path, board):
    await run_room(
        db_path,
        board,
        PastPostsLLM(),
        make_scenario("meeting"),
        "Spend $2M on a Super Bowl ad",
        RunSettings(seed=1, speed=0),
    )
    votes = rows(db_path, "SELECT persona_id, choice, source FROM votes")
    assert {v[0] for v in votes} == {p.id for p in board.personas}
    assert {v[2] for v in votes} == {"rules"}
    assert len({v[1] for v in votes}) > 1  # in character, not all the same


def test_a_pack_without_a_chair_is_a_clear_error(tmp_path, board):
    from agents.packs import Pack, Room
    from bot.engine.orchestrator import Orchestrator
    from bot.scenarios import Meeting

    chairless = Pack("club", tmp_path, Room(name="Club"), board.personas)
    with pytest.raises(ValueError, match="no chair for a meeting — fix: add 'chair:"):
        Orchestrator(
            chairless,
            lambda p: FakeLLM(),
            None,
            RunSettings(),
            model_name="fake",
            policy=Meeting(),
        )


async def test_a_meeting_is_reproducible(db_path, board):
    async def once(path):
        await run_room(
            path,
            board,
            FakeLLM(scripted),
            make_scenario("meeting"),
            AGENDA,
            RunSettings(seed=6, speed=0),
        )
        return rows(
            path, "SELECT author_id, text, reply_to, vtime FROM messages ORDER BY seq"
        ) + rows(path, "SELECT item, persona_id, choice, vtime FROM votes ORDER BY seq")

    assert await once(db_path) == await once(db_path.with_name("again.db"))


def test_run_options_are_checked_together(board, tmp_path):
    from bot.runs.plan import plan_run

    def plan(**overrides):
        options = dict(
            scenario=None,
            pitch="a pitch",
            agenda=None,
            minutes_per_item=10,
            population=None,
            hours=12,
            speed=None,
            seed=0,
        )
        return plan_run(board, **{**options, **overrides})

    assert plan().policy.name == "discussion" and plan().speed == 1.0
    assert plan(scenario="feed").speed == 0.0 and plan(scenario="feed", speed=2).speed == 2
    with pytest.raises(ValueError, match="unknown — fix: use one of discussion, meeting, feed"):
        plan(scenario="debate")
    with pytest.raises(ValueError, match="--population is for feeds"):
        plan(population=50)
    with pytest.raises(ValueError, match="not both"):
        plan(scenario="meeting", agenda=tmp_path / "a.md")
    agenda = tmp_path / "a.md"
    agenda.write_text(AGENDA, encoding="utf-8")
    meeting = plan(scenario="meeting", pitch=None, agenda=agenda, minutes_per_item=4)
    assert meeting.pitch == AGENDA.strip() and meeting.policy.options()["minutes_per_item"] == 4
    with pytest.raises(ValueError, match="cannot read the agenda"):
        plan(scenario="meeting", pitch=None, agenda=tmp_path / "missing.md")
    assert len(plan(scenario="feed", population=40).personas) == 40


def test_a_vote_that_sides_with_an_objection_is_that_members_objection():
    from agents.vote import whose_objection

    assert whose_objection("Helen Park", "Priya Raman is right: it means burning cash.") == (
        "Priya Raman", "It means burning cash.")
    assert whose_objection("Tom Becker", "It means a big TV ad campaign.") == (
        "Tom Becker", "It means a big TV ad campaign.")
