"""Fork from a message and compare two runs; and the open room still behaves as before."""

from __future__ import annotations

import pytest

from agents.backends.fake import FakeLLM
from agents.population import grow
from bot.engine.orchestrator import Orchestrator
from bot.engine.settings import RunSettings
from bot.runs.compare import compare_runs
from bot.runs.fork import opening, plan_fork, start_arguments
from bot.scenarios import make_scenario
from bot.transcript import Transcript
from bot.transcript.queries import load_run
from tests.support.cli import invoke
from tests.support.scenarios import rows, run_room

PITCH = "Should we spend $2M on a Super Bowl ad? @tom @priya"


async def _fork(db, parent_id: str, at: int, text: str):
    async with Transcript(db) as t:
        parent = await load_run(t.conn, parent_id)
    plan = plan_fork(parent, at)
    async with Transcript(db) as t:
        room = Orchestrator(
            plan.pack,
            lambda p: FakeLLM(),
            t,
            plan.settings,
            model_name=plan.model,
            policy=plan.policy,
            personas=plan.personas,
        )
        await room.start(**start_arguments(plan, parent_id))
        await opening(plan, text)(room)
        await room.run()
    return room.run_id


def _messages(db, run_id):
    return rows(
        db,
        "SELECT id, author_id, text, reply_to, quote_of, vtime, inherited FROM messages "
        "WHERE run_id = ? ORDER BY seq",
        run_id,
    )


async def test_open_discussion_is_reproducible(db_path, board):
    async def once(path):
        room = await run_room(
            path, board, FakeLLM(), "discussion", PITCH, RunSettings(seed=11, speed=0)
        )
        assert room.policy.name == "discussion"
        return rows(path, "SELECT id, author_id, text, reply_to, vtime FROM messages ORDER BY seq")

    assert await once(db_path) == await once(db_path.with_name("again.db"))


async def test_a_fork_shares_the_prefix_and_diverges_after_it(db_path, board):
    parent = await run_room(
        db_path,
        board,
        FakeLLM(),
        "discussion",
        PITCH,
        RunSettings(seed=6, speed=0, stop_when_quiet=True),
    )
    before = _messages(db_path, parent.run_id)
    assert len(before) >= 4
    at = before[2][0]
    author = before[2][1]
    fork_id = await _fork(db_path, parent.run_id, at, "I would rather we fix onboarding first.")
    after = _messages(db_path, fork_id)
    assert [m[:6] for m in after[:2]] == [m[:6] for m in before[:2]]  # same ids, authors, text
    assert [m[6] for m in after[:2]] == [1, 1] and after[2][6] == 0
    assert after[2][:3] == (at, author, "I would rather we fix onboarding first.")
    assert after[2][2] != before[2][2]
    assert rows(db_path, "SELECT parent_run_id, forked_at FROM runs WHERE id = ?", fork_id) == [
        (parent.run_id, at)
    ]
    prefix_reactions = rows(
        db_path,
        "SELECT message_id, author_id, emoji FROM reactions r WHERE "
        "run_id = ? AND seq < (SELECT seq FROM messages WHERE run_id = "
        "r.run_id AND id = ?) ORDER BY seq",
        parent.run_id,
        at,
    )
    copied = rows(
        db_path,
        "SELECT message_id, author_id, emoji FROM reactions WHERE run_id = ? "
        "AND inherited = 1 ORDER BY seq",
        fork_id,
    )
    assert copied == prefix_reactions
    async with Transcript(db_path) as t:
        comparison = await compare_runs(t.conn, parent.run_id, fork_id)
    assert comparison.shared == 2
    assert comparison.summary_b.messages == len(after) - 2  # new messages only


async def _feed_parent(db_path, board):
    """A 40-member feed over 3 simulated hours: the run both feed-fork tests branch from."""
    members, follows = grow(board.personas, {}, 40, seed=1)
    return await run_room(db_path, board, FakeLLM(), make_scenario("feed", hours=3, follows=follows),
                          "Ledgerly: books that close themselves", RunSettings(seed=1, speed=0),
                          human="Brand", personas=members)


async def test_a_feed_forks_at_its_ad_with_the_same_timeline(db_path, board):
    parent = await _feed_parent(db_path, board)
    ad = rows(
        db_path, "SELECT id FROM messages WHERE run_id = ? AND author_kind = 'human'", parent.run_id
    )[0][0]
    fork_id = await _fork(
        db_path, parent.run_id, ad, "Ledgerly: stop losing weekends to bookkeeping"
    )
    before, after = _messages(db_path, parent.run_id), _messages(db_path, fork_id)
    assert [m[:6] for m in after[: ad - 1]] == [m[:6] for m in before[: ad - 1]]
    assert after[ad - 1][2] == "Ledgerly: stop losing weekends to bookkeeping"
    assert [m[2] for m in after[ad:]] != [m[2] for m in before[ad:]]
    assert rows(db_path, "SELECT scenario FROM runs WHERE id = ?", fork_id) == [("feed",)]


async def test_a_meeting_forks_only_at_its_agenda(db_path, board):
    parent = await run_room(
        db_path,
        board,
        FakeLLM(),
        "meeting",
        "Open an office in Lisbon",
        RunSettings(seed=1, speed=0),
    )
    async with Transcript(db_path) as t:
        view = await load_run(t.conn, parent.run_id)
    with pytest.raises(ValueError, match="forked at its agenda — fix: --at 1"):
        plan_fork(view, 5)
    with pytest.raises(ValueError, match="has no message 999"):
        plan_fork(view, 999)
    fork_id = await _fork(db_path, parent.run_id, 1, "Open an office in Porto")
    assert rows(db_path, "SELECT COUNT(*) FROM votes WHERE run_id = ?", fork_id) == [(7,)]


def test_meeting_fork_and_compare_from_the_command_line(tmp_path, cli_env):
    agenda = tmp_path / "pitch.md"
    agenda.write_text(
        "## Super Bowl ad\nSpend $2M on one spot.\n\n## Podcast\nSponsor a podcast.\n"
    )

    def townhall(*args: str):
        return invoke(*args, env=cli_env)

    done = townhall(
        "run",
        "--scenario",
        "meeting",
        "--agenda",
        str(agenda),
        "--model",
        "fake",
        "--speed",
        "0",
        "--as",
        "Dana",
    )
    assert done.exit_code == 0, done.stderr
    assert "meeting adjourned" in done.stdout and "Action items" in done.stdout
    exported = townhall("export", "last", "--format", "md").stdout
    assert "## Minutes" in exported and "### Item 2: Podcast" in exported
    bad = townhall("run", "x", "--agenda", str(agenda))
    assert bad.exit_code == 2 and bad.stderr.strip().startswith("error:")
    assert "add --scenario meeting" in bad.stderr and "Traceback" not in bad.stderr
    first = townhall("runs", "--json").stdout
    forked = townhall("fork", "last", "--at", "1", "--text", "Spend $500k on podcasts instead.")
    assert forked.exit_code == 0, forked.stderr
    compared = townhall("compare", "last", first.split('"id": "')[1].split('"')[0])
    assert compared.exit_code == 0, compared.stderr
    assert "votes" in compared.stdout and "usage" in compared.stdout


async def test_a_feed_forked_midway_goes_on_from_there(db_path, board):
    parent = await _feed_parent(db_path, board)
    before = _messages(db_path, parent.run_id)
    at, author, _text, _reply, _quote, when, _ = before[len(before) // 2]
    assert when > 3600  # well into the run
    fork_id = await _fork(db_path, parent.run_id, at, "A different take.")
    decided = rows(db_path, "SELECT MIN(vtime) FROM decisions WHERE run_id = ?", fork_id)[0][0]
    assert decided >= when  # no session of the past is replayed at the fork point
    liked = rows(
        db_path,
        "SELECT COUNT(*) FROM reactions WHERE run_id = ? AND inherited = 1 AND emoji = '❤️'",
        fork_id,
    )[0][0]
    assert liked > 0
    assert rows(
        db_path, "SELECT author_id, text FROM messages WHERE run_id = ? AND id = ?", fork_id, at
    ) == [(author, "A different take.")]
