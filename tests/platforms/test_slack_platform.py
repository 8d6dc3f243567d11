"""The Slack adapter with the real slack-bolt and slack_sdk against a fake Slack (Web API and
Socket Mode)."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.platforms.hosted.channel import PlatformError, Seat
from bot.platforms.hosted.slack_app import SlackConfig, SlackPlatform, emoji_names, slack_escape
from tests.support.fake_slack import FakeSlack
from tests.support.platform_room import live_room, stored_run, until, write_pack


@pytest.fixture
async def fake():
    server = await FakeSlack().start()
    yield server
    await server.close()


@pytest.fixture
def pack(tmp_path):
    return write_pack(tmp_path / "pack")


def platform_for(fake: FakeSlack, pack, **overrides: str) -> SlackPlatform:
    env = {
        "SLACK_BOT_TOKEN": fake.bot_token,
        "SLACK_APP_TOKEN": fake.app_token,
        "SLACK_CHANNEL": "#general",
        "TOWNHALL_SLACK_API_URL": fake.api_url,
        **overrides,
    }
    return SlackPlatform(
        SlackConfig.from_env(env), [Seat(p.id, p.name, p.avatar) for p in pack.personas]
    )


async def test_two_personas_answer_a_human_under_their_own_names(fake, pack, db_path):
    platform = platform_for(fake, pack)
    async with live_room(pack, platform, db_path) as room:
        human = await fake.post_human("Ship it on <!here> Friday? <@U0BEN> & me")
        await fake.wait_for(lambda: len(fake.persona_posts()) == 2)
        await fake.wait_for(lambda: any("Mia Chen" in m["text"] for m in fake.app_posts()))
        await platform.drain()
    posts = {m["username"]: m for m in fake.persona_posts()}
    assert set(posts) == {"Dana Fox", "Raj Patel"}
    assert posts["Dana Fox"]["icons"] == {"icon_emoji": ":fox_face:"}
    assert posts["Raj Patel"]["icons"] == {"icon_url": "https://example.test/raj.png"}
    for post in posts.values():
        assert post["text"].startswith("> *Ana*: Ship it on @here Friday? @Ben &amp; me\n")
        assert "<" not in post["text"] and post["link_names"] is False  # nobody can be pinged
    # Slack reactions come from the app: added under its one identity and attributed on a line.
    assert (human["ts"], "thinking_face") in fake.reactions
    line = next(m for m in fake.app_posts() if m["username"] == "townhall" and "Mia" in m["text"])
    assert line["text"] == "_🤔 Mia Chen — on Ana's message_"
    view = await stored_run(db_path, room.run_id)
    assert [(m.author_name, m.text) for m in view.messages if m.author_kind == "human"] == [
        ("Ana", "Ship it on @here Friday? @Ben & me")
    ]
    assert len([m for m in view.messages if m.author_kind == "persona"]) == 2  # self-events dropped


async def test_thread_replies_stay_in_the_thread(fake, pack, db_path):
    platform = platform_for(fake, pack)
    async with live_room(pack, platform, db_path) as room:
        root = await fake.post_human("Main topic")
        await fake.wait_for(lambda: len(fake.persona_posts()) == 2)
        await fake.post_human("A detail in the thread", user="U0BEN", thread_ts=root["ts"])
        # Mia (never cooling down: she only reacts) puts her reaction line in the thread.
        await fake.wait_for(
            lambda: any(
                m.get("thread_ts") == root["ts"] and "Mia" in m["text"] for m in fake.app_posts()
            )
        )
        await platform.drain()
    assert all(m.get("thread_ts") == root["ts"] for m in fake.persona_posts()[2:])
    view = await stored_run(db_path, room.run_id)
    detail = next(m for m in view.messages if m.text == "A detail in the thread")
    assert detail.author_name == "Ben"
    assert detail.reply_to == next(m.id for m in view.messages if m.text == "Main topic")


async def test_429_with_retry_after_is_waited_out(fake, pack, db_path):
    fake.rate_limit("chat.postMessage", retry_after=1, times=1)
    platform = platform_for(fake, pack)
    async with live_room(pack, platform, db_path):
        started = time.monotonic()
        await fake.wait_for(lambda: any(m["username"] == "townhall" for m in fake.app_posts()))
        elapsed = time.monotonic() - started
        await fake.post_human("Rate limits?")
        await fake.wait_for(lambda: len(fake.persona_posts()) == 2)
        await platform.drain()
    assert [s for m, s in fake.requests if m == "chat.postMessage"][:2] == [429, 200]
    assert elapsed >= 1.0
    assert len(fake.persona_posts()) == 2


async def test_a_refused_post_is_recorded_as_failed_with_the_error_but_never_the_token(
        fake, pack, db_path):
    platform = platform_for(fake, pack)
    async with live_room(pack, platform, db_path) as room:
        await fake.wait_for(lambda: any(m["username"] == "townhall" for m in fake.app_posts()))
        fake.fail("chat.postMessage", "msg_too_long")  # the next post: the first persona's
        await fake.post_human("Will this reach everyone?")
        await fake.wait_for(lambda: len(fake.persona_posts()) == 1)
        await platform.drain()
    view = await stored_run(db_path, room.run_id)
    persona_ids = [m.id for m in view.messages if m.author_kind == "persona"]
    states = {m: view.deliveries[(m, "slack")].state for m in persona_ids}
    assert sorted(states.values()) == ["delivered", "failed"]
    failed = next(view.deliveries[(m, "slack")] for m, s in states.items() if s == "failed")
    assert "msg_too_long" in failed.error and "[redacted]" in failed.error
    assert fake.bot_token not in failed.error
    # the human's message, taken from the channel, is in it already
    human = next(m for m in view.messages if m.author_kind == "human")
    assert view.deliveries[(human.id, "slack")].state == "delivered"
    assert view.delivery_note(human) is None
    lost = next(m for m in view.messages if m.id == failed.message_id)
    assert view.delivery_note(lost).startswith("not delivered to slack: SlackApiError")


async def test_dropped_socket_reconnects_without_losing_or_doubling(fake, pack, db_path):
    platform = platform_for(fake, pack)
    async with live_room(pack, platform, db_path) as room:
        fake.drop_after_next_envelope = True  # the socket closes before this event's ack
        await fake.post_human("Before the drop")
        await fake.wait_for(lambda: fake.socket.connections == 2, timeout=15)
        after = await fake.post_human("After the reconnect")
        await until(lambda: platform.our_id(after["ts"]) is not None)
        await fake.wait_for(lambda: not fake.socket.pending)  # everything acked in the end
        await platform.drain()
    assert fake.redeliveries >= 1  # the unacked envelope came again, with retry_attempt 1
    view = await stored_run(db_path, room.run_id)
    assert [m.text for m in view.messages if m.author_kind == "human"] == [
        "Before the drop",
        "After the reconnect",
    ]


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (
            {"SLACK_BOT_TOKEN": "xoxb-wrong"},
            "SLACK_BOT_TOKEN was rejected by Slack (invalid_auth) — fix: ",
        ),
        ({"SLACK_APP_TOKEN": "xapp-wrong"}, "SLACK_APP_TOKEN was rejected by Slack (invalid_auth)"),
        ({"SLACK_CHANNEL": "nowhere"}, "SLACK_CHANNEL #nowhere: no such channel the app can see"),
        ({"SLACK_CHANNEL": "C0OTHER1"}, "SLACK_CHANNEL C0OTHER1: channel_not_found"),
        (
            {"scopes": "chat:write,users:read"},
            "the Slack app lacks the scopes chat:write.customize, reactions:write",
        ),
        ({"outside": "1"}, "the app is not in #general — fix: type /invite @townhall"),
    ],
)
async def test_start_up_checks_give_one_clear_message(fake, pack, setup, expected):
    fake.scopes = setup.pop("scopes", fake.scopes)
    fake.app_in_channel = not setup.pop("outside", "")
    platform = platform_for(fake, pack, **setup)
    with pytest.raises(PlatformError) as caught:
        await asyncio.wait_for(platform.start(lambda *args: None), 20)
    assert expected in str(caught.value)
    assert fake.socket.connections == 0


def test_config_errors_name_the_setting():
    with pytest.raises(PlatformError, match="SLACK_BOT_TOKEN is not set"):
        SlackConfig.from_env({})
    with pytest.raises(
        PlatformError, match=r"SLACK_APP_TOKEN is not an app-level token \(xapp-…\)"
    ):
        SlackConfig.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xoxb-2"})
    with pytest.raises(PlatformError, match="SLACK_CHANNEL is not set"):
        SlackConfig.from_env({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-2"})


def test_emoji_names_prefer_slack_short_names():
    assert emoji_names("👍")[0] == "thumbsup"
    assert "thinking_face" in emoji_names("🤔")
    assert emoji_names(":tada:") == ["tada"]
    assert slack_escape("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"


def test_the_shipped_manifest_grants_what_the_app_checks_for():
    import yaml

    from bot.platforms.hosted.slack_app import MANIFEST, REQUIRED_SCOPES
    from tests.support.processes import REPO

    manifest = yaml.safe_load((REPO / MANIFEST).read_text(encoding="utf-8"))
    assert set(REQUIRED_SCOPES) <= set(manifest["oauth_config"]["scopes"]["bot"])
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "message.channels" in manifest["settings"]["event_subscriptions"]["bot_events"]


async def test_replay_reposts_a_stored_run_into_slack(fake, pack, db_path):
    from bot.platforms.hosted import hosted_platform
    from bot.runs.replay import replay_to_platform

    async with live_room(pack, platform_for(fake, pack), db_path) as room:
        await fake.post_human("The original pitch")
        await fake.wait_for(lambda: len(fake.persona_posts()) == 2)
    view = await stored_run(db_path, room.run_id)
    target = await FakeSlack().start()
    env = {
        "SLACK_BOT_TOKEN": target.bot_token,
        "SLACK_APP_TOKEN": target.app_token,
        "SLACK_CHANNEL": target.channel_id,
        "TOWNHALL_SLACK_API_URL": target.api_url,
    }
    try:
        shown = await replay_to_platform(
            view, hosted_platform("slack", view.participants.values(), env), speed=0
        )
    finally:
        await target.close()
    assert shown == len(view.events)
    names = [m["username"] for m in target.app_posts()]
    assert names.count("Ana") == 1 and {"Dana Fox", "Raj Patel"} <= set(names)
    assert sum(1 for m in target.app_posts() if "Mia Chen" in m["text"]) == 1
    assert target.reactions  # Mia's 🤔, added by the app
