"""A batch spread over a real 2-worker local Ray cluster, merged into the one SQLite file."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.support.processes import townhall_command

pytest.importorskip("ray", reason="Ray is the optional extra townhall[ray]")


@pytest.mark.slow
def test_two_ray_workers_run_a_batch_into_one_file(cli_env):
    db = Path(cli_env["TOWNHALL_DB"])
    done = subprocess.run(
        townhall_command() + ["batch", "--variant", "a=We raise prices by 40%.",
                              "--variant", "b=The free tier stays.", "--runs", "4",
                              "--model", "fake", "--ray", "local", "--ray-workers", "2",
                              "--batch-id", "ray1", "--json"],
        env=cli_env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    with sqlite3.connect(db) as conn:
        runs = conn.execute("SELECT variant, seed, status, pid FROM runs WHERE batch_id = 'ray1'"
                            ).fetchall()
        orphans = conn.execute("SELECT COUNT(*) FROM messages WHERE run_id NOT IN "
                               "(SELECT id FROM runs)").fetchone()[0]
    assert sorted((v, s) for v, s, _, _ in runs) == [(v, s) for v in "ab" for s in range(4)]
    assert {status for _, _, status, _ in runs} == {"finished"}
    assert len({pid for *_, pid in runs}) == 2  # both workers ran some of the runs
    assert orphans == 0
    report = json.loads(done.stdout)
    assert [v["runs"] for v in report["variants"]] == [4, 4]
    # Resuming the finished batch on the cluster runs nothing again.
    again = subprocess.run(
        townhall_command() + ["batch", "--variant", "a=We raise prices by 40%.",
                              "--variant", "b=The free tier stays.", "--runs", "4",
                              "--model", "fake", "--ray", "local", "--ray-workers", "2",
                              "--batch-id", "ray1"],
        env=cli_env, capture_output=True, text=True, timeout=180)
    assert again.returncode == 0 and "8 already done" in again.stderr
