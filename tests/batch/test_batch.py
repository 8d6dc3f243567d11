"""Batch runs: numbers checked by hand on a tiny room, resume after SIGKILL, bad input."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from dataclasses import replace
from pathlib import Path

import pytest

from agents.backends.pool import LLMPool
from agents.packs import load_pack
from bot.batch.aggregate import aggregate, bootstrap_interval
from bot.batch.runner import LocalRunner
from bot.batch.stance import LexiconClassifier, ModelClassifier
from bot.transcript import Transcript
from tests.support.batch import (
    ANA_NEGATIVE,
    ANA_POSITIVE,
    BEN_NEGATIVE,
    fake_model,
    plan,
    write_pack,
)
from tests.support.processes import townhall_command


async def run_tiny(tmp_path: Path, db: Path, batch_id: str = "tiny1"):
    pack = load_pack(str(write_pack(tmp_path)))
    model = fake_model()
    runner = LocalRunner(plan(batch_id), pack, LLMPool("fake", {"fake": model}), db,
                         parallel=3, concurrency=2)
    return await runner.run(), model


async def test_tiny_batch_numbers_match_hand_computation(tmp_path, db_path):
    result, _ = await run_tiny(tmp_path, db_path)
    assert (result.totals.runs_done, result.totals.runs_failed, result.stopped) == (8, 0, None)
    async with Transcript(db_path) as t:
        report = await aggregate(t.conn, "tiny1", LexiconClassifier(), backlash_threshold=2)
        # Independent of the aggregation code: the first negative reply of each run, in SQL.
        firsts = await (await t.conn.execute(
            "SELECT MIN(m.vtime - h.vtime) FROM messages m JOIN messages h ON h.run_id = m.run_id "
            "AND h.author_kind = 'human' JOIN runs r ON r.id = m.run_id "
            "WHERE r.variant = 'a' AND m.text IN (?, ?) GROUP BY m.run_id ORDER BY 1",
            (ANA_NEGATIVE, BEN_NEGATIVE))).fetchall()
    a, b = report.variants
    assert (a.name, b.name, a.runs, b.runs) == ("a", "b", 4, 4)
    # Variant a, 4 seeds: Ana objects every run, Ben on seeds 0 and 2 (else 👍), Cy always 👎.
    assert a.negative_per_run == [2, 1, 2, 1]
    assert (a.backlash.estimate, a.backlash_runs) == (0.5, 2)
    assert 0.0 <= a.backlash.low < 0.5 < a.backlash.high <= 1.0
    assert a.replies_per_run == 6 / 4 and a.reactions_per_run == 6 / 4
    assert a.turns == 12 and a.reply_rate == 0.5 and a.reaction_rate == 0.5
    assert a.emoji == {"👎": 4, "👍": 2}
    assert a.stance == {"negative": 6, "neutral": 0, "positive": 0}
    by_id = {p.id: p for p in a.personas}
    ana = by_id["ana"]
    assert (ana.negative, ana.negative_runs, ana.negative_per_run) == (4, 4, 1.0)
    assert (by_id["ben"].negative, by_id["ben"].negative_runs) == (2, 2)
    assert by_id["cy"].reactions == 4 and by_id["cy"].replies == 0
    assert by_id["ana"].first_negative + by_id["ben"].first_negative == 4
    assert a.first_negative_seconds == pytest.approx([row[0] for row in firsts])
    assert a.first_negative_median == pytest.approx(
        (a.first_negative_seconds[1] + a.first_negative_seconds[2]) / 2)
    # Both objections share "price" and "terrible"; "price" wins the tie alphabetically, and
    # the theme is named by the phrase around it in the sharpest objection.
    assert [(t.label, t.count) for t in a.themes] == [("terrible price hike", 6)]
    assert {q.text for q in a.themes[0].quotes} == {ANA_NEGATIVE, BEN_NEGATIVE}
    # Variant b: Ana is pleased, Ben ignores, Cy 👍 — no backlash, and a certain zero.
    assert b.negative_per_run == [0, 0, 0, 0]
    assert (b.backlash.estimate, b.backlash.low, b.backlash.high) == (0.0, 0.0, 0.0)
    assert b.turns == 12 and b.reply_rate == pytest.approx(1 / 3)
    assert b.reaction_rate == pytest.approx(1 / 3)
    assert b.stance == {"negative": 0, "neutral": 0, "positive": 4}
    assert b.emoji == {"👍": 4} and b.first_negative_median is None and b.themes == []
    assert a.endings == b.endings == {"quiet": 4}
    assert a.tokens_per_run > 0 and a.cost_per_run == 0.0
    assert a.verdict.startswith("High backlash risk: in 50% of 4 runs")
    assert "Ana Ito and Ben Okoro" in a.verdict and "terrible price hike" in a.verdict
    assert b.verdict.startswith("Low backlash risk: in 0% of 4 runs") and "safest" in b.verdict


async def test_model_labels_drive_the_numbers(tmp_path, db_path):
    _, model = await run_tiny(tmp_path, db_path)
    classifier = ModelClassifier(model)
    async with Transcript(db_path) as t:
        report = await aggregate(t.conn, "tiny1", classifier, backlash_threshold=2)
    a, b = report.variants
    # The scripted labeller calls only "scam" negative: Ben's objection becomes neutral.
    assert a.stance == {"negative": 4, "neutral": 2, "positive": 0}
    assert a.negative_per_run == [1, 1, 1, 1] and a.backlash.estimate == 0.0
    assert b.stance == {"negative": 0, "neutral": 4, "positive": 0}
    assert classifier.labelled == 3 and classifier.fell_back == 0  # 2 + 1 distinct texts
    assert report.classifier == "model (fake)"
    labelling = [r for r in model.requests if r.answer_name == "stances"]
    assert len(labelling) == 2 and ANA_POSITIVE in labelling[-1].messages[0].content


async def test_a_finished_batch_is_not_run_again(tmp_path, db_path):
    await run_tiny(tmp_path, db_path)
    again, model = await run_tiny(tmp_path, db_path)
    assert (again.totals.runs_skipped, again.totals.runs_done) == (8, 0)
    assert model.requests == []


def test_bootstrap_interval_is_seeded_and_bounded():
    hits = [True] * 3 + [False] * 7
    first, second = bootstrap_interval(hits), bootstrap_interval(hits)
    assert first == second and first.estimate == 0.3
    assert 0.0 <= first.low < 0.3 < first.high <= 0.7


def _count(db: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def _wait_for_finished_runs(db: Path, at_least: int) -> int:
    """Poll the batch's file (read-only, as any SQLite tool could) until runs have finished."""
    deadline = time.monotonic() + 60
    finished = 0
    while time.monotonic() < deadline and finished < at_least:
        time.sleep(0.05)
        try:
            finished = _count(db, "SELECT COUNT(*) FROM runs WHERE status = 'finished'")[0][0]
        except sqlite3.OperationalError:  # not created yet
            finished = 0
    return finished


def test_killed_batch_resumes_without_duplicating(tmp_path, cli_env):
    db = Path(cli_env["TOWNHALL_DB"])
    command = townhall_command() + [
        "batch", "--variant", "a=We raise prices by 40%.", "--variant", "b=Free tier stays.",
        "--runs", "6", "--model", "fake:latency=0.03", "--parallel", "2", "--batch-id", "kill1"]
    process = subprocess.Popen(command, env=cli_env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    _wait_for_finished_runs(db, 2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(10)
    before = {r[0] for r in _count(db, "SELECT id FROM runs WHERE status = 'finished'")}
    running = _count(db, "SELECT COUNT(*) FROM runs WHERE status = 'running'")[0][0]
    assert 2 <= len(before) < 12 and running >= 1, "the kill must land mid-batch"

    resumed = subprocess.run(command + ["--json"], env=cli_env, capture_output=True, text=True,
                             timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(before)} already done" in resumed.stderr
    rows = _count(db, "SELECT variant, seed, COUNT(*) FROM runs WHERE batch_id = 'kill1' AND "
                      "status = 'finished' GROUP BY variant, seed")
    assert sorted((v, s) for v, s, _ in rows) == [(v, s) for v in "ab" for s in range(6)]
    assert all(n == 1 for _, _, n in rows)
    after = {r[0] for r in _count(db, "SELECT id FROM runs WHERE status = 'finished'")}
    assert before <= after  # the runs finished before the kill were kept, not re-run
    assert _count(db, "SELECT COUNT(*) FROM runs WHERE status = 'running'")[0][0] == 0
    interrupted = _count(db, "SELECT COUNT(*) FROM runs WHERE status = 'interrupted'")[0][0]
    assert interrupted == running
    report = json.loads(resumed.stdout)
    assert report["batch_id"] == "kill1" and [v["runs"] for v in report["variants"]] == [6, 6]


@pytest.mark.parametrize("args, message", [
    (["--variant", "a"], "expected NAME=FILE or NAME=TEXT"),
    (["--variant", "a=missing.md"], "no file missing.md"),
    (["--variant", "a=x", "--variant", "a=y"], "given twice"),
    (["--variant", "a=x", "--scenario", "poll"], "--scenario poll: unknown"),
    (["--variant", "a=x", "--model", "nope"], "unknown model 'nope'"),
    (["--variant", "a=x", "--batch-api"], "--batch-api"),
    (["--variant", "a=x", "--report", "nowhere/r.html"], "no folder nowhere"),
])
def test_bad_input_is_one_clear_line(args, message, cli_env):
    done = subprocess.run(townhall_command() + ["batch", *args], env=cli_env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr


def test_resume_refuses_different_inputs(cli_env):
    base = townhall_command() + ["batch", "--runs", "1", "--batch-id", "same", "--model", "fake"]
    first = subprocess.run(base + ["--variant", "a=One text."], env=cli_env, capture_output=True,
                           text=True, timeout=60)
    assert first.returncode == 0, first.stderr
    other = subprocess.run(base + ["--variant", "a=Another text."], env=cli_env,
                           capture_output=True, text=True, timeout=60)
    assert other.returncode == 2 and "its text differs" in other.stderr


async def test_max_cost_stops_the_batch_and_a_resume_finishes_it(tmp_path, db_path):
    pack = load_pack(str(write_pack(tmp_path)))
    priced = fake_model()
    priced.price_per_token = 0.00005  # ~1 cent a call, ~3.5 a run: the budget ends it early
    runner = LocalRunner(plan("cost1"), pack, LLMPool("fake", {"fake": priced}), db_path,
                         parallel=2, concurrency=1, max_cost=0.1)
    first = await runner.run()
    assert first.stopped == "batch stopped: max-cost $0.1 reached"
    assert 0 < first.totals.runs_done < 8 and first.totals.cost_usd >= 0.1
    statuses = dict(_count(db_path, "SELECT status, COUNT(*) FROM runs GROUP BY status"))
    assert statuses.get("finished") == first.totals.runs_done
    assert statuses.get("interrupted", 0) >= 1 and "running" not in statuses
    second, _ = await run_tiny(tmp_path, db_path, "cost1")
    assert second.stopped is None
    assert second.totals.runs_skipped + second.totals.runs_done == 8
    assert second.totals.runs_skipped == first.totals.runs_done


class BatchAPIModel:
    """A provider with a batch endpoint, answering like the tiny room's scripted model."""

    name, decides, max_sentences = "fake", True, None

    def __init__(self) -> None:
        self.model = fake_model()
        self.batches: list[int] = []

    async def complete(self, request):
        raise AssertionError("with --batch-api every call must go through complete_many")

    async def complete_many(self, requests):
        self.batches.append(len(requests))
        return [await self.model.complete(r) for r in requests]

    async def aclose(self) -> None:
        return None


async def test_batch_api_gathers_the_runs_independent_calls(tmp_path, db_path):
    pack = load_pack(str(write_pack(tmp_path)))
    provider = BatchAPIModel()
    batch_plan = replace(plan("api1"), batch_api=True, batch_window=0.2)
    runner = LocalRunner(batch_plan, pack, LLMPool("fake", {"fake": provider}), db_path,
                         parallel=8, concurrency=100)
    result = await runner.run()
    assert result.totals.runs_done == 8
    # 24 decisions (8 runs × 3 personas), all through the batch endpoint. A persona whose look
    # comes after another's action has landed must wait for it, so not all fit in one batch,
    # but the first gathers the independent first looks of all 8 runs.
    assert sum(provider.batches) == 24 and provider.batches[0] >= 8
    assert len(provider.batches) <= 3
    async with Transcript(db_path) as t:
        report = await aggregate(t.conn, "api1", LexiconClassifier(), backlash_threshold=2)
    assert report.variants[0].negative_per_run == [2, 1, 2, 1]


def test_ctrl_c_stops_cleanly_and_says_how_to_resume(cli_env):
    db = Path(cli_env["TOWNHALL_DB"])
    process = subprocess.Popen(
        townhall_command() + ["batch", "--variant", "a=We raise prices.", "--runs", "20",
                              "--model", "fake:latency=0.03", "--parallel", "2",
                              "--batch-id", "int1"],
        env=cli_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    _wait_for_finished_runs(db, 1)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 3, stderr
    assert "batch stopped: interrupted (Ctrl-C)" in stderr and "--batch-id int1" in stderr
    statuses = dict(_count(db, "SELECT status, COUNT(*) FROM runs GROUP BY status"))
    assert "running" not in statuses and statuses.get("interrupted", 0) >= 1
