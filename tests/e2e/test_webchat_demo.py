"""`townhall demo` as a user runs it: a real process, a real socket, the SQLite transcript."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sqlite3
import subprocess

import pytest
import websockets

from tests.support.processes import townhall_command

pytestmark = pytest.mark.slow
REPLIES_WITHIN = 180.0


# No --model is the README's main job as written: the embedded offline model, really loaded.
@pytest.mark.parametrize("model_args", [[], ["--model", "history"]], ids=["default-local", "history"])
async def test_demo_serves_the_room_and_replies_land_in_the_transcript(cli_env, tmp_path, model_args):
    db = tmp_path / "demo.db"
    process = await asyncio.create_subprocess_exec(
        *townhall_command(), "demo", *model_args, "--port", "0", "--db", str(db),
        "--speed", "20", env=cli_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        url = None
        while url is None:
            line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
            assert line, (await process.stderr.read()).decode()
            found = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
            url = found and found.group(0)
        async with websockets.connect(url.replace("http", "ws") + "ws") as ws:
            await ws.send(json.dumps({"op": "hello", "after": -1}))
            await ws.send(json.dumps({"op": "post", "ref": 1, "name": "Alex",
                                      "text": "Pitch: a $4M Super Bowl ad. @Jordan, @Priya?"}))
            personas = []
            # One deadline for both replies, generous: the embedded model on a busy 2-core machine
            # may take many seconds per reply, and that is slow, not broken.
            async with asyncio.timeout(REPLIES_WITHIN):
                while len(personas) < 2:
                    frame = json.loads(await ws.recv())
                    assert frame["type"] != "error", frame
                    if frame["type"] == "message" and frame["author_kind"] == "persona":
                        personas.append(frame["author_name"])
        process.send_signal(signal.SIGTERM)
        out, err = await asyncio.wait_for(process.communicate(), 60)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode == 0, err.decode()
    assert "terminated" in out.decode()  # the run summary is printed on the way out
    with sqlite3.connect(db) as conn:
        run_id, status, reason, platform = conn.execute(
            "SELECT id, status, stop_reason, platform FROM runs").fetchone()
        authors = [row[0] for row in conn.execute(
            "SELECT author_id FROM messages WHERE run_id = ? ORDER BY seq", (run_id,))]
        models = {row[0] for row in conn.execute("SELECT model FROM llm_calls WHERE run_id = ?",
                                                  (run_id,))}
    assert (status, reason, platform) == ("finished", "terminated", "local")
    assert authors[0] == "human:alex" and len(authors) >= 3
    assert models and all(m.startswith("history" if model_args else "local:") for m in models)


def test_demo_on_a_taken_port_says_so_in_one_line(cli_env, tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([*townhall_command(), "demo", "--model", "history", "--port",
                                 str(port), "--db", str(tmp_path / "x.db")],
                                env=cli_env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr and "--port" in result.stderr
    assert not (tmp_path / "x.db").exists()  # no half-started run left behind


def test_run_on_the_web_platform_stays_open_until_its_time_budget(cli_env, tmp_path):
    db = tmp_path / "run.db"
    result = subprocess.run(
        [*townhall_command(), "run", "Pitch: sponsor a marathon. @Helen?", "--platform", "local",
         "--model", "history", "--port", "0", "--speed", "20", "--max-seconds", "4",
         "--db", str(db)], env=cli_env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert re.search(r"Open http://127\.0\.0\.1:\d+/ in your browser", result.stdout)
    with sqlite3.connect(db) as conn:
        status, reason, finished, started = conn.execute(
            "SELECT status, stop_reason, finished_at, started_at FROM runs").fetchone()
        replies = conn.execute("SELECT COUNT(*) FROM messages WHERE author_kind = 'persona'"
                               ).fetchone()[0]
    # A quiet room on a live platform waits for its humans: only the budget ends it.
    assert (status, reason) == ("finished", "budget: max-seconds 4")
    assert finished - started >= 4 and replies >= 1
