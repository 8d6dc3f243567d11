"""`townhall run --platform discord|slack` and `townhall replay --to …`, as a user runs them,
against the fake Discord and Slack servers."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from tests.support.cli import invoke
from tests.support.fake_discord import FakeDiscord
from tests.support.fake_slack import FakeSlack
from tests.support.platform_room import write_pack
from tests.support.processes import townhall_command

pytestmark = pytest.mark.slow  # real townhall processes


async def townhall(*args: str, env: dict[str, str], timeout: float = 60) -> tuple[int, str, str]:
    """Run the CLI without blocking the loop the fake servers live on."""
    process = await asyncio.create_subprocess_exec(
        *townhall_command(),
        *args,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout)
    return process.returncode, out.decode(), err.decode()


def discord_env(
    cli_env: dict[str, str], fake: FakeDiscord, token: str = "bot-token"
) -> dict[str, str]:
    return {
        **cli_env,
        "DISCORD_BOT_TOKEN": token,
        "DISCORD_CHANNEL_ID": str(fake.channel_id),
        "TOWNHALL_DISCORD_API_URL": fake.api_url,
        "TOWNHALL_DISCORD_GATEWAY_URL": fake.gateway_url,
    }


def write_script(path) -> str:
    """A fake model's answers, used in turn: two replies and a reaction, then silence."""
    answers = [
        '{"action": "reply", "text": "I like it."}',
        '{"action": "react", "emoji": "👍"}',
        '{"action": "reply", "text": "Not so fast."}',
        *['{"action": "ignore"}'] * 30,
    ]
    path.write_text("\n".join(answers), encoding="utf-8")
    return f"fake:{path}"


async def test_replay_to_discord_reposts_a_stored_run(cli_env, tmp_path):
    pack = write_pack(tmp_path / "pack")
    code, out, err = await townhall(
        "run",
        "Launch in March?",
        "--pack",
        str(pack.path),
        "--model",
        write_script(tmp_path / "script.jsonl"),
        "--speed",
        "0",
        env=cli_env,
    )
    assert code == 0, err
    fake = await FakeDiscord().start()
    try:
        code, out, err = await townhall(
            "replay", "last", "--to", "discord", "--speed", "0", env=discord_env(cli_env, fake)
        )
        assert code == 0, err
        assert "re-posted" in out and "to discord" in out
        posted = fake.webhook_messages()
        names = [m["author"]["username"] for m in posted]
        assert names[0] == "townhall" and posted[0]["content"].startswith("-# session started")
        assert "You" in names  # the stored human pitch, under the human's name
        assert len(set(names) - {"townhall", "You"}) == 2  # two personas, under their own names
        assert any(m["content"].startswith("-# 👍 ") for m in posted)  # the reaction, attributed
        assert posted[-1]["content"].startswith("-# session ended")
    finally:
        await fake.close()


async def test_bad_discord_token_is_one_clear_line(cli_env):
    fake = await FakeDiscord().start()
    try:
        code, out, err = await townhall(
            "run",
            "Hello",
            "--platform",
            "discord",
            "--model",
            "fake",
            env=discord_env(cli_env, fake, token="wrong"),
        )
    finally:
        await fake.close()
    assert code == 2
    assert "error: DISCORD_BOT_TOKEN was rejected by Discord (401 Unauthorized)" in err
    assert "Traceback" not in err and "Traceback" not in out


async def test_run_on_slack_stays_open_until_max_seconds(cli_env, tmp_path):
    pack = write_pack(tmp_path / "pack")
    fake = await FakeSlack().start()
    env = {
        **cli_env,
        "SLACK_BOT_TOKEN": fake.bot_token,
        "SLACK_APP_TOKEN": fake.app_token,
        "SLACK_CHANNEL": fake.channel_id,
        "TOWNHALL_SLACK_API_URL": fake.api_url,
    }
    try:
        run = asyncio.create_task(
            townhall(
                "run",
                "Opening pitch",
                "--platform",
                "slack",
                "--pack",
                str(pack.path),
                "--model",
                "fake",
                "--speed",
                "0",
                "--max-seconds",
                "4",
                "--as",
                "Sam",
                env=env,
            )
        )
        await fake.wait_for(lambda: any(m.get("username") == "Sam" for m in fake.app_posts()), 30)
        await fake.post_human("A question from the channel")  # the room is still listening
        code, out, err = await run
    finally:
        await fake.close()
    assert code == 0, err
    assert "budget: max-seconds 4" in out
    texts = [m["text"] for m in fake.app_posts()]
    assert texts[-1].startswith("_session ended · budget: max-seconds 4")
    stored = sqlite3.connect(cli_env["TOWNHALL_DB"]).execute(
        "SELECT author_id FROM messages WHERE text = 'A question from the channel'").fetchall()
    assert len(stored) == 1  # taken into the room once, while it stayed open


def test_unknown_platform_is_refused(cli_env):
    done = invoke("run", "Hi", "--platform", "teams", env=cli_env)
    assert done.exit_code == 2
    assert "unknown platform 'teams'" in done.stderr
