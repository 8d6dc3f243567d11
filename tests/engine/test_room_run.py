"""A whole room run with the scripted fake model: who said what ends up in SQLite, in order."""

from __future__ import annotations

import sqlite3

import pytest

from agents.backends.fake import FakeLLM
from agents.backends.pool import LLMPool
from bot.engine.budgets import Budgets
from bot.engine.orchestrator import Orchestrator
from bot.engine.settings import RunSettings
from bot.scenarios import Discussion
from bot.transcript import Transcript
from bot.transcript.queries import load_run

PITCH = "We should spend $2M on a Super Bowl ad for our accounting software."


def script_by_persona(replies: dict[str, dict], always: dict[str, dict] | None = None):
    """Each persona in `replies` answers its first turn as scripted (the pitch, or a reply to it
    that drew them in first) and ignores everything after it; those in `always` answer whatever
    their turn turns out to be about."""
    answered: set[str] = set()

    def answer(request):
        who = request.persona.id
        if who in (always or {}):
            return always[who]
        if who in replies and who not in answered:
            answered.add(who)
            return replies[who]
        return {"action": "ignore"}

    return answer


async def run_room(pack, db_path, llm, settings: RunSettings, pitch: str = PITCH):
    async with Transcript(db_path) as transcript:
        room = Orchestrator(pack, lambda p: llm, transcript, settings, policy=Discussion(),
                            model_name=llm.name)
        await room.start()
        await room.post_human("Alex", pitch)
        reason = await room.run()
    return room.run_id, reason


async def test_full_run_records_who_said_what(board, db_path):
    llm = FakeLLM(script_by_persona({
        "priya": {"action": "reply", "text": "What's the payback period?"},
        "marcus": {"action": "reply", "text": "Finally, someone thinking big."},
    }, always={"tom": {"action": "react", "emoji": "😅"}}))
    # Everyone considers a human pitch in this test, whatever it means to them: neither
    # talkativeness nor the appraisal is what is under test.
    settings = RunSettings(seed=1, speed=0, gate=RunSettings().gate.__class__(human_boost=50.0))
    run_id, reason = await run_room(board, db_path, llm, settings)
    assert reason.startswith("quiet")

    con = sqlite3.connect(db_path)
    rows = con.execute("SELECT id, author_kind, author_id, text, reply_to FROM messages "
                       "WHERE run_id = ? ORDER BY seq", (run_id,)).fetchall()
    assert rows[0] == (1, "human", "human:alex", PITCH, None)
    replies = {author: (text, reply_to) for _, kind, author, text, reply_to in rows[1:]}
    assert {who: text for who, (text, _) in replies.items()} == {
        "priya": "What's the payback period?", "marcus": "Finally, someone thinking big."}
    assert {to for _, to in replies.values()} <= {m[0] for m in rows}  # answers to what was said
    # Tom reacts to what he looked at: the pitch, or a reply he disagrees with that came in first.
    ((reacted_to, who, emoji),) = con.execute(
        "SELECT message_id, author_id, emoji FROM reactions WHERE run_id = ?", (run_id,)).fetchall()
    assert (who, emoji) == ("tom", "😅") and reacted_to in {m[0] for m in rows}
    decided = dict(con.execute("SELECT persona_id, action FROM decisions WHERE run_id = ? "
                               "AND action != 'ignore'", (run_id,)).fetchall())
    assert decided == {"marcus": "reply", "priya": "reply", "tom": "react"}
    considered = {p for (p,) in con.execute("SELECT persona_id FROM decisions WHERE run_id = ?",
                                            (run_id,))}
    assert considered == {p.id for p in board.personas}
    calls = con.execute("SELECT COUNT(*), SUM(input_tokens) > 0 FROM llm_calls WHERE run_id = ?",
                        (run_id,)).fetchone()
    assert calls[0] >= 7 and calls[1] == 1
    status, stop_reason = con.execute("SELECT status, stop_reason FROM runs WHERE id = ?",
                                      (run_id,)).fetchone()
    assert status == "finished" and stop_reason.startswith("quiet")
    kinds = {r[0] for r in con.execute("SELECT kind FROM participants WHERE run_id = ?", (run_id,))}
    assert kinds == {"human", "persona"}


async def test_mention_makes_that_persona_answer(board, db_path):
    llm = FakeLLM(lambda r: {"action": "reply", "text": "Here."} if r.context.mentioned
                  else {"action": "ignore"})
    settings = RunSettings(seed=3, speed=0)
    run_id, _ = await run_room(board, db_path, llm, settings, pitch="@Sofia is this ad legal?")
    con = sqlite3.connect(db_path)
    authors = [a for (a,) in con.execute(
        "SELECT author_id FROM messages WHERE run_id = ? AND author_kind = 'persona'", (run_id,))]
    assert authors == ["sofia"]


@pytest.mark.parametrize("seed", [11, 12])
async def test_same_seed_same_transcript(board, tmp_path, seed):
    def transcript_of(view):
        return [(m.author_id, m.text, m.reply_to) for m in view.messages] + \
               [(r.author_id, r.emoji, r.message_id) for r in view.reactions]

    views = []
    for attempt in range(2):
        db = tmp_path / f"{attempt}.db"
        llm = FakeLLM(latency=0.002 * (attempt + 1))  # different call timing, same answers
        run_id, _ = await run_room(board, db, llm, RunSettings(seed=seed, speed=0, concurrency=4))
        async with Transcript(db) as t:
            views.append(transcript_of(await load_run(t.conn, run_id)))
    assert views[0] == views[1]
    assert len(views[0]) > 3


async def test_different_seeds_differ(board, tmp_path):
    outcomes = []
    for seed in (1, 2, 3):
        run_id, _ = await run_room(board, tmp_path / f"{seed}.db", FakeLLM(), RunSettings(seed=seed, speed=0))
        con = sqlite3.connect(tmp_path / f"{seed}.db")
        outcomes.append(con.execute("SELECT author_id, text FROM messages ORDER BY seq").fetchall())
    assert len({tuple(o) for o in outcomes}) > 1


async def test_history_backend_answers_with_own_posts(board, db_path):
    pool = LLMPool("history")
    run_id, reason = await run_room(board, db_path, pool.get("history"), RunSettings(seed=5, speed=0))
    con = sqlite3.connect(db_path)
    rows = con.execute("SELECT author_id, text FROM messages WHERE run_id = ? AND author_kind = "
                       "'persona'", (run_id,)).fetchall()
    assert rows, "the board should answer a pitch"
    for author, text in rows:
        examples = {ex.text for ex in board.persona(author).examples}
        assert text in examples
    # nobody repeats themselves
    assert len(rows) == len(set(rows))


async def test_budget_max_messages(board, db_path):
    llm = FakeLLM([{"action": "reply", "text": "And another thing."}])
    settings = RunSettings(seed=1, speed=0, budgets=Budgets(max_messages=5))
    run_id, reason = await run_room(board, db_path, llm, settings)
    assert reason == "budget: max-messages 5"
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT COUNT(*) FROM messages WHERE run_id = ?", (run_id,)).fetchone() == (5,)
    assert con.execute("SELECT status FROM runs").fetchone() == ("finished",)


async def test_budget_max_llm_calls(board, db_path):
    llm = FakeLLM([{"action": "reply", "text": "Agreed."}])
    settings = RunSettings(seed=1, speed=0, budgets=Budgets(max_llm_calls=6))
    run_id, reason = await run_room(board, db_path, llm, settings)
    assert reason == "budget: max-llm-calls 6"
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT COUNT(*) FROM llm_calls").fetchone() == (6,)


async def test_budget_max_cost_and_tokens(board, tmp_path):
    for budgets, expected in ((Budgets(max_cost=0.05), "budget: max-cost $0.05"),
                              (Budgets(max_tokens=3000), "budget: max-tokens 3000")):
        llm = FakeLLM([{"action": "reply", "text": "Agreed."}], price_per_token=1e-5)
        db = tmp_path / f"{expected[8:15]}.db"
        run_id, reason = await run_room(board, db, llm, RunSettings(seed=1, speed=0, concurrency=1,
                                                                      budgets=budgets))
        assert reason == expected
        con = sqlite3.connect(db)
        cost, tokens = con.execute("SELECT SUM(cost_usd), SUM(input_tokens + output_tokens) "
                                   "FROM llm_calls").fetchone()
        # Concurrency 1: the run stops at the first call past the budget, not later.
        if budgets.max_cost:
            assert 0.05 <= cost < 0.05 + 0.03
        else:
            assert 3000 <= tokens < 3000 + 2000


async def test_budget_max_seconds_ends_a_live_paced_run(board, db_path):
    llm = FakeLLM([{"action": "reply", "text": "Hmm."}])
    settings = RunSettings(seed=1, speed=1, budgets=Budgets(max_seconds=0.5))
    run_id, reason = await run_room(board, db_path, llm, settings)
    assert reason == "budget: max-seconds 0.5"
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT status FROM runs").fetchone() == ("finished",)


async def test_malformed_model_output_is_retried_then_ignored(board, db_path):
    answers = iter(["this is not json", '{"action": "reply"}',  # first persona: both bad
                    '{"action": "react", "emoji": "👍"}'])  # second persona: fine

    def script(request):
        return next(answers, '{"action": "ignore"}')

    settings = RunSettings(seed=2, speed=0, concurrency=1,
                           gate=RunSettings().gate.__class__(human_boost=1.0))
    run_id, reason = await run_room(board, db_path, FakeLLM(script), settings)
    con = sqlite3.connect(db_path)
    fallbacks = con.execute("SELECT persona_id, action, error FROM decisions WHERE source = "
                            "'fallback'").fetchall()
    assert len(fallbacks) == 1
    persona, action, error = fallbacks[0]
    assert action == "ignore" and "reply needs non-empty 'text'" in error
    assert con.execute("SELECT COUNT(*) FROM llm_calls WHERE persona_id = ?",
                       (persona,)).fetchone() == (2,)
    assert con.execute("SELECT COUNT(*) FROM reactions").fetchone() == (1,)
    assert con.execute("SELECT status FROM runs").fetchone() == ("finished",)


async def test_agents_never_mass_mention(board, db_path):
    llm = FakeLLM(lambda r: {"action": "reply", "text": "@everyone look at this @here <@&123>"}
                  if r.context.trigger.author_kind == "human" else {"action": "ignore"})
    run_id, _ = await run_room(board, db_path, llm, RunSettings(seed=1, speed=0))
    con = sqlite3.connect(db_path)
    texts = [t for (t,) in con.execute("SELECT text FROM messages WHERE author_kind='persona'")]
    assert texts and all("@everyone" not in t and "@here" not in t and "<@&" not in t for t in texts)


async def test_a_model_that_keeps_failing_ends_the_run_with_the_fix(board, db_path):
    from agents.llm import LLMError

    def unreachable(request):
        raise LLMError("openai:x@http://127.0.0.1:9: APIConnectionError: Connection error.")

    settings = RunSettings(seed=1, speed=0, gate=RunSettings().gate.__class__(human_boost=1.0))
    run_id, reason = await run_room(board, db_path, FakeLLM(unreachable), settings)
    assert reason.startswith("the model keeps failing (5 calls in a row") and "fix:" in reason
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT status FROM runs").fetchone() == ("finished",)
    assert con.execute("SELECT COUNT(*) FROM llm_calls WHERE error IS NOT NULL").fetchone()[0] >= 5
