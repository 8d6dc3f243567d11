"""The command line as a user runs it: real processes where a process matters (signals, the
installed script), in-process for argument and error checks; always a real SQLite file."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.cli import invoke
from tests.support.processes import townhall_command

PITCH = "We should spend $2M on a Super Bowl ad for our accounting software."


def townhall(*args: str, env: dict, cwd: Path | None = None, timeout: float = 60):
    return subprocess.run([*townhall_command(), *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=timeout)


def test_readme_run_command_works(cli_env):
    """The README's headless example: the board answers the pitch and the summary is printed."""
    done = townhall("run", PITCH, "--pack", "board", "--model", "history", "--speed", "0", env=cli_env)
    assert done.returncode == 0, done.stderr
    assert "You" in done.stdout and "Super Bowl" in done.stdout
    assert "LLM calls" in done.stdout and "run id" in done.stdout
    con = sqlite3.connect(cli_env["TOWNHALL_DB"])
    assert con.execute("SELECT COUNT(*) FROM messages WHERE author_kind = 'persona'").fetchone()[0] >= 1
    assert con.execute("SELECT status FROM runs").fetchone() == ("finished",)


def test_db_option_beats_env(cli_env, tmp_path):
    other = tmp_path / "other.db"
    done = invoke("run", "Hello board", "--model", "history", "--speed", "0", "--db", str(other),
                  env=cli_env)
    assert done.exit_code == 0, done.stderr
    assert other.exists() and not Path(cli_env["TOWNHALL_DB"]).exists()
    listed = invoke("runs", "--db", str(other), "--json", env=cli_env)
    assert json.loads(listed.stdout)[0]["title"] == "Hello board"


def test_malformed_persona_file_names_file_field_and_fix(cli_env, tmp_path):
    pack = tmp_path / "mypack"
    pack.mkdir()
    (pack / "room.yaml").write_text("name: Test room\n")
    (pack / "ann.md").write_text("---\nid: ann\nname: Ann\nrole: CFO\nactivity:\n  talkativeness: 1.7\n---\nBio.\n")
    done = invoke("personas", "check", "--pack", str(pack), env=cli_env)
    assert done.exit_code == 1
    message = done.stderr.strip()
    assert len(message.splitlines()) == 1, message
    assert "ann.md" in message and "activity.talkativeness" in message and "fix:" in message
    assert "Traceback" not in done.stderr

    (pack / "ann.md").write_text("---\nid: ann\nname: Ann\nrole: CFO\nfavourite: tea\n---\n")
    done = invoke("run", "hi", "--pack", str(pack), "--model", "history", env=cli_env)
    assert done.exit_code == 2
    assert "field 'favourite'" in done.stderr and "remove it or check its spelling" in done.stderr

    # the fields an appraisal reads: a mapping where a list belongs is named, and the fix shows its
    # example list (the brackets are text, not console markup)
    (pack / "ann.md").write_text("---\nid: ann\nname: Ann\nrole: CFO\nconcerns: {debt: 1}\n---\n")
    done = invoke("run", "hi", "--pack", str(pack), "--model", "history", env=cli_env)
    assert done.exit_code == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "ann.md" in done.stderr and "field 'concerns'" in done.stderr
    assert "like [first thing, second thing]" in done.stderr

    (pack / "ann.md").write_text("---\nid: ann\nname: [unclosed\n---\n")
    done = invoke("personas", "check", "--pack", str(pack), env=cli_env)
    assert "does not parse" in done.stderr and "ann.md" in done.stderr


def test_unknown_model_and_run_give_clear_errors(cli_env):
    done = invoke("run", "hi", "--model", "gpt-17", env=cli_env)
    assert done.exit_code == 2 and "unknown model 'gpt-17'" in done.stderr and "fix:" in done.stderr
    done = invoke("show", "nope", env=cli_env)
    assert done.exit_code == 2 and "no such database" in done.stderr  # and none was created
    sqlite3.connect(cli_env["TOWNHALL_DB"]).close()
    done = invoke("show", "nope", env=cli_env)
    assert done.exit_code == 2 and "no run 'nope'" in done.stderr


def _wait_for_messages(db: str, count: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            con = sqlite3.connect(db)
            if con.execute("SELECT COUNT(*) FROM messages").fetchone()[0] >= count:
                return
        except sqlite3.OperationalError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"fewer than {count} messages after {timeout}s")


@pytest.mark.slow
def test_sigkill_mid_run_then_reopen(cli_env):
    db = cli_env["TOWNHALL_DB"]
    proc = subprocess.Popen([*townhall_command(), "run", PITCH, "--model", "history", "--speed", "4",
                             "--seed", "3"], env=cli_env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        _wait_for_messages(db, 2)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    con = sqlite3.connect(db)
    assert con.execute("SELECT status FROM runs").fetchone() == ("running",)
    kept = con.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
    con.close()

    listed = invoke("runs", "--json", env=cli_env)
    assert listed.exit_code == 0, listed.stderr
    (run,) = json.loads(listed.stdout)
    assert run["status"] == "interrupted" and run["message_count"] == kept >= 2
    shown = invoke("show", "last", env=cli_env)
    assert shown.exit_code == 0 and "Super Bowl" in shown.stdout
    again = invoke("run", "A second pitch", "--model", "history", "--speed", "0", env=cli_env)
    assert again.exit_code == 0, again.stderr
    statuses = dict(sqlite3.connect(db).execute("SELECT title, status FROM runs").fetchall())
    assert statuses == {PITCH: "interrupted", "A second pitch": "finished"}


@pytest.mark.slow
def test_sigint_ends_the_run_cleanly(cli_env):
    db = cli_env["TOWNHALL_DB"]
    proc = subprocess.Popen([*townhall_command(), "run", PITCH, "--model", "history", "--speed", "1"],
                            env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    _wait_for_messages(db, 1)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "interrupted (Ctrl-C)" in out
    assert sqlite3.connect(db).execute("SELECT status, stop_reason FROM runs").fetchone() == (
        "finished", "interrupted (Ctrl-C)")


def test_replay_order_equals_original_order_and_export(cli_env, tmp_path):
    assert invoke("run", PITCH, "--model", "history", "--speed", "0", "--seed", "4",
                    env=cli_env).exit_code == 0
    con = sqlite3.connect(cli_env["TOWNHALL_DB"])
    originals = [t for (t,) in con.execute("SELECT text FROM messages ORDER BY seq")]
    assert len(originals) >= 3

    replayed = invoke("replay", "last", "--speed", "0", env=cli_env)
    assert replayed.exit_code == 0, replayed.stderr
    positions = [replayed.stdout.find(text[:40]) for text in originals]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)

    out = tmp_path / "run.jsonl"
    assert invoke("export", "last", "--format", "jsonl", "-o", str(out), env=cli_env).exit_code == 0
    events = [json.loads(line) for line in out.read_text().splitlines()]
    assert events[0]["type"] == "run"
    exported = [e["text"] for e in events if e["type"] == "message"]
    assert exported == originals
    seqs = [e["seq"] for e in events if "seq" in e]
    assert seqs == sorted(seqs)

    md = invoke("export", "last", "--format", "md", env=cli_env)
    assert md.exit_code == 0 and md.stdout.startswith("# townhall run")
    assert all(text in md.stdout for text in originals)
    bad = invoke("export", "last", "--format", "pdf", env=cli_env)
    assert bad.exit_code == 2 and "unknown format 'pdf'" in bad.stderr


def test_installed_package_ships_its_packs(tmp_path):
    """A non-editable install (what .ci/run does) must find the bundled packs from any folder."""
    script = Path(sys.executable).with_name("townhall")
    if not script.exists():
        pytest.skip("townhall is not installed in this interpreter's environment")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([str(script), "personas", "check", "--json"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert {r["pack"] for r in json.loads(done.stdout) if r["ok"]} >= {"board"}
