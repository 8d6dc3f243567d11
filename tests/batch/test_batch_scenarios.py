"""Batches of meetings and feeds: the scenario comes from the same setup `townhall run` uses."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from collections import Counter
from pathlib import Path

import pytest

from tests.support.processes import townhall_command


def batch(cli_env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(townhall_command() + ["batch", *args], env=cli_env,
                          capture_output=True, text=True, timeout=120)


def test_a_batch_of_board_meetings_reports_how_often_the_motion_carried(cli_env):
    done = batch(cli_env, "--variant", "a=We propose a $2M Super Bowl ad.", "--runs", "4",
                 "--scenario", "meeting", "--model", "fake", "--batch-id", "meet1", "--json")
    assert done.returncode == 0, done.stderr
    variant = json.loads(done.stdout)["variants"][0]
    with sqlite3.connect(Path(cli_env["TOWNHALL_DB"])) as conn:
        scenarios = {r[0] for r in conn.execute("SELECT scenario FROM runs")}
        votes = conn.execute("SELECT run_id, item, choice, persona_id FROM votes").fetchall()
    assert scenarios == {"meeting"} and votes
    # By hand from the votes table: an item carries with more votes for than against.
    items: dict[tuple, Counter] = {}
    for run_id, item, choice, _ in votes:
        items.setdefault((run_id, item), Counter())[choice] += 1
    carried = [c["for"] > c["against"] for c in items.values()]
    assert variant["carried"]["estimate"] == pytest.approx(sum(carried) / len(carried))
    assert variant["votes"] == {k: sum(c[k] for c in items.values())
                                for k in ("for", "against", "abstain")}
    against = Counter(p for *_, choice, p in votes if choice == "against")
    assert {p["id"]: p["voted_against"] for p in variant["personas"] if p["voted_against"]} == \
        dict(against)
    assert "the motion carried" in variant["verdict"]

    # Replies are what members chose to say on their turns: not the chair's procedural lines
    # (no decision behind them), not the vote lines (counted as votes).
    with sqlite3.connect(Path(cli_env["TOWNHALL_DB"])) as conn:
        messages = conn.execute("SELECT run_id, id, seq, author_id, text FROM messages "
                                "WHERE author_kind = 'persona'").fetchall()
        decided = {(r, s, p) for r, s, p in conn.execute(
            "SELECT run_id, seq, persona_id FROM decisions WHERE action = 'reply'")}
        vote_lines = {(r, m) for r, m in conn.execute("SELECT run_id, message_id FROM votes")}
    procedural = [m for m in messages if (m[0], m[2] - 1, m[3]) not in decided]
    assert procedural and any("call this meeting" in m[4] for m in procedural)
    replies = [m for m in messages
               if (m[0], m[2] - 1, m[3]) in decided and (m[0], m[1]) not in vote_lines]
    assert sum(variant["stance"].values()) == len(replies) < len(messages)


def test_a_feed_batch_grows_its_population_per_seed(cli_env):
    done = batch(cli_env, "--variant", "a=Our new ad: prices up 40%.", "--runs", "2",
                 "--scenario", "feed", "--pack", "community", "--population", "60",
                 "--hours", "2", "--model", "history", "--batch-id", "feed1")
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(Path(cli_env["TOWNHALL_DB"])) as conn:
        members = conn.execute("SELECT run_id, COUNT(*) FROM participants WHERE kind = 'persona' "
                               "GROUP BY run_id").fetchall()
    assert [n for _, n in members] == [60, 60]


@pytest.mark.parametrize("args, message", [
    (["--scenario", "meeting", "--pack", "community"], "has no chair for a meeting"),
    (["--population", "50"], "--population is for feeds"),
])
def test_scenario_problems_stop_the_batch_before_it_starts(args, message, cli_env):
    done = batch(cli_env, "--variant", "a=Hello.", *args)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr
    assert not Path(cli_env["TOWNHALL_DB"]).exists() or not sqlite3.connect(
        cli_env["TOWNHALL_DB"]).execute("SELECT COUNT(*) FROM runs").fetchone()[0]
