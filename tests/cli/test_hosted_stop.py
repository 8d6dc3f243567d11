"""Ctrl-C in front of a busy Discord or Slack channel: the bots stop at once, the backlog is not
posted one by one, one line says what was not delivered, and the transcript records what became
of every message. Real townhall processes against the fake servers, with a rate limit in force."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import time

import pytest

from tests.cli.test_hosted_cli import discord_env, townhall
from tests.support.cli import invoke
from tests.support.fake_discord import FakeDiscord
from tests.support.fake_slack import FakeSlack
from tests.support.platform_room import write_pack
from tests.support.processes import townhall_command

pytestmark = pytest.mark.slow  # real townhall processes

BACKLOG = 25  # queued posts when Ctrl-C comes


def chatty_script(path) -> str:
    """A fake model that always has something to say: far more than a paced channel can show."""
    path.write_text("\n".join(f'{{"action": "reply", "text": "Point number {i}."}}'
                              for i in range(400)), encoding="utf-8")
    return f"fake:{path}"


def slack_env(cli_env: dict[str, str], fake: FakeSlack) -> dict[str, str]:
    return {**cli_env, "SLACK_BOT_TOKEN": fake.bot_token, "SLACK_APP_TOKEN": fake.app_token,
            "SLACK_CHANNEL": fake.channel_id, "TOWNHALL_SLACK_API_URL": fake.api_url}


def stored(db: str, sql: str) -> list[tuple]:
    with sqlite3.connect(db) as con:
        return con.execute(sql).fetchall()


async def room_with_backlog(platform: str, env: dict[str, str], tmp_path, posts_seen,
                            pack: str = "community", backlog: int = BACKLOG):
    """Start a room on `platform` (by default the 21-member community), wait until it has queued
    `backlog` more messages than the channel shows; returns the process, whose output goes to
    files (a full pipe would stall it)."""
    with open(tmp_path / "out.txt", "wb") as out, open(tmp_path / "err.txt", "wb") as err:
        process = await asyncio.create_subprocess_exec(
            *townhall_command(), "run", "Opening pitch", "--platform", platform, "--pack",
            pack, "--model", chatty_script(tmp_path / "script.jsonl"), "--speed", "0",
            "--max-seconds", "120", "--as", "Sam", env=env, stdin=asyncio.subprocess.DEVNULL,
            stdout=out, stderr=err)
    db = env["TOWNHALL_DB"]
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.returncode is None:
        await asyncio.sleep(0.2)
        try:
            (stored_count,), = stored(db, "SELECT COUNT(*) FROM messages")
        except sqlite3.OperationalError:  # not created yet
            continue
        if posts_seen() >= 3 and stored_count - posts_seen() >= backlog:
            return process
    process.kill()
    raise AssertionError(f"the room never built a backlog: {(tmp_path / 'err.txt').read_text()}")


async def stopped(process, tmp_path, signals: int = 1) -> tuple[float, str, str]:
    """Ctrl-C (`signals` times, 0.3 s apart); seconds from the last one to the exit, and output."""
    for i in range(signals):
        if i:
            await asyncio.sleep(0.3)
        process.send_signal(signal.SIGINT)
    asked = time.monotonic()
    await asyncio.wait_for(process.wait(), 30)
    took = time.monotonic() - asked
    return took, (tmp_path / "out.txt").read_text(), (tmp_path / "err.txt").read_text()


@pytest.mark.parametrize("platform", ["slack", "discord"])
async def test_ctrl_c_stops_a_busy_room_within_5_s_and_records_every_message(
        platform, cli_env, tmp_path):
    if platform == "slack":
        fake = await FakeSlack().start()
        env = slack_env(cli_env, fake)
        fake.rate_limit("chat.postMessage", retry_after=1, times=1)

        def persona_posts() -> list[dict]:
            return [m for m in fake.persona_posts() if m.get("username") != "Sam"]

        def last_line() -> str:
            return fake.app_posts()[-1]["text"]

        def platform_ids() -> set[str]:
            return {m["ts"] for m in persona_posts()}
    else:
        fake = await FakeDiscord().start()
        env = discord_env(cli_env, fake)
        fake.rate_limit("POST", "/webhooks/", retry_after=1, times=1)

        def persona_posts() -> list[dict]:
            return [m for m in fake.webhook_messages()
                    if m["author"]["username"] not in {"townhall", "Sam"}]

        def last_line() -> str:
            return fake.webhook_messages()[-1]["content"]

        def platform_ids() -> set[str]:
            return {m["id"] for m in persona_posts()}
    try:
        process = await room_with_backlog(platform, env, tmp_path, lambda: len(persona_posts()))
        took, out, err = await stopped(process, tmp_path)
    finally:
        await fake.close()
    assert process.returncode == 0, err
    assert took < 5, f"{platform}: exited {took:.1f} s after Ctrl-C"
    assert "interrupted (Ctrl-C)" in out
    db = env["TOWNHALL_DB"]
    states = dict(stored(db, "SELECT state, COUNT(*) FROM deliveries GROUP BY state"))
    persona_messages = stored(db, "SELECT id FROM messages WHERE author_kind = 'persona'")
    dropped = states.get("dropped", 0)
    assert dropped >= BACKLOG, states
    # One closing line instead of the backlog, naming how much never reached the channel.
    assert f"session ended · interrupted (Ctrl-C) · {dropped} replies not delivered" in last_line()
    # Every message is accounted for, and "delivered" means the channel has it.
    unrecorded = stored(db, "SELECT id FROM messages WHERE id NOT IN "
                            "(SELECT message_id FROM deliveries)")
    assert unrecorded == []
    delivered = stored(db, "SELECT m.author_kind, d.platform_message_id FROM deliveries d JOIN "
                           "messages m ON m.id = d.message_id WHERE d.state = 'delivered'")
    assert {pid for kind, pid in delivered if kind == "persona"} == platform_ids()
    assert len(persona_messages) == len(platform_ids()) + dropped
    assert stored(db, "SELECT DISTINCT platform FROM deliveries") == [(platform,)]
    assert stored(db, "SELECT status, stop_reason FROM runs") == [
        ("finished", "interrupted (Ctrl-C)")]


async def test_a_second_ctrl_c_exits_at_once_and_show_and_replay_know_what_was_missed(
        cli_env, tmp_path):
    fake = await FakeSlack().start()
    env = slack_env(cli_env, fake)
    try:
        # A small room: what it missed is re-posted below at Slack's pace.
        pack = write_pack(tmp_path / "pack")
        process = await room_with_backlog("slack", env, tmp_path, lambda: len(fake.persona_posts()),
                                          pack=str(pack.path), backlog=2)
        fake.rate_limit("chat.postMessage", retry_after=30, times=1)  # the closing line would hang
        took, out, err = await stopped(process, tmp_path, signals=2)
    finally:
        await fake.close()
    assert process.returncode == 0, err
    assert took < 2, f"exited {took:.1f} s after the second Ctrl-C"
    db = env["TOWNHALL_DB"]
    assert stored(db, "SELECT status FROM runs") == [("finished",)]
    missing = stored(db, "SELECT COUNT(*) FROM messages WHERE id NOT IN (SELECT message_id FROM "
                         "deliveries WHERE state = 'delivered')")[0][0]
    assert missing >= 2

    shown = await asyncio.to_thread(invoke, "show", "last", env=env)  # it runs its own loop
    assert shown.exit_code == 0
    assert shown.stdout.count("⚠ not delivered to slack") + shown.stdout.count(
        "⚠ never sent to slack") == missing
    exported = await asyncio.to_thread(invoke, "export", "last", env=env)
    assert exported.stdout.count("_⚠ ") == missing

    # The messages the channel missed, and only those, can be sent afterwards.
    target = await FakeSlack().start()
    try:
        code, out, err = await townhall("replay", "last", "--to", "slack", "--undelivered",
                                        "--speed", "0", env=slack_env(cli_env, target))
    finally:
        await target.close()
    assert code == 0, err
    assert f"re-posted {missing} undelivered events" in out
    assert len(target.persona_posts()) == missing
    assert stored(db, "SELECT COUNT(*) FROM deliveries WHERE state != 'delivered'") == [(0,)]
    assert "⚠" not in (await asyncio.to_thread(invoke, "show", "last", env=env)).stdout
