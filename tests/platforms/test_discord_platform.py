"""The Discord adapter with the real discord.py against a fake Discord (REST + gateway)."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.platforms.hosted.channel import PlatformError, Seat
from bot.platforms.hosted.discord_bot import DiscordConfig, DiscordPlatform, webhook_username
from tests.support.fake_discord import (
    ADD_REACTIONS,
    BOT_PERMISSIONS,
    MANAGE_WEBHOOKS,
    FakeDiscord,
)
from tests.support.platform_room import live_room, stored_run, until, write_pack


@pytest.fixture
async def fake():
    server = await FakeDiscord().start()
    yield server
    await server.close()


@pytest.fixture
def pack(tmp_path):
    return write_pack(tmp_path / "pack")


def platform_for(
    fake: FakeDiscord,
    pack,
    token: str = "bot-token",
    channel: int | None = None,
    persona_tokens: str = "",
) -> DiscordPlatform:
    env = {
        "DISCORD_BOT_TOKEN": token,
        "DISCORD_CHANNEL_ID": str(channel or fake.channel_id),
        "DISCORD_PERSONA_TOKENS": persona_tokens,
        "TOWNHALL_DISCORD_API_URL": fake.api_url,
        "TOWNHALL_DISCORD_GATEWAY_URL": fake.gateway_url,
    }
    config = DiscordConfig.from_env([p.id for p in pack.personas], env)
    return DiscordPlatform(config, [Seat(p.id, p.name, p.avatar) for p in pack.personas])


def persona_posts(fake: FakeDiscord) -> list[dict]:
    return [m for m in fake.webhook_messages() if m["author"]["username"] != "townhall"]


async def test_two_personas_answer_a_human_under_their_own_names(fake, pack, db_path):
    platform = platform_for(fake, pack)
    async with live_room(pack, platform, db_path) as room:
        human = await fake.post_human("Should we launch in March?", "Ana")
        await fake.wait_for(lambda: len(persona_posts(fake)) == 2)
        await fake.wait_for(
            lambda: any(m["content"].startswith("-# 🤔 Mia Chen") for m in fake.webhook_messages())
        )
        await platform.drain()
    posts = {m["author"]["username"]: m for m in persona_posts(fake)}
    assert set(posts) == {"🦊 Dana Fox", "Raj Patel"}  # emoji avatars ride in the name
    assert posts["Raj Patel"]["avatar_url"] == "https://example.test/raj.png"
    assert posts["🦊 Dana Fox"]["avatar_url"] is None
    for post in posts.values():
        assert post["allowed_mentions"] == {"parse": []}  # nobody can be pinged
        assert post["content"].startswith(
            "> **Ana**: Should we launch in March? · [↪](https://discord.com/channels/"
        )
        assert (
            post["content"].endswith(
                f"/{fake.channel_id}/{human['id']})\nDana on “Should we launch in March?”: agreed."
            )
            or "Raj on" in post["content"]
        )
    # Mia has no bot of her own: the app reacts, and one line names her.
    assert (int(human["id"]), "🤔", int(fake.bot["id"])) in fake.reactions
    view = await stored_run(db_path, room.run_id)
    humans = [m for m in view.messages if m.author_kind == "human"]
    assert [(m.author_name, m.text) for m in humans] == [("Ana", "Should we launch in March?")]
    assert len([m for m in view.messages if m.author_kind == "persona"]) == 2  # echoes dropped
    assert len(fake.webhooks) == 1


async def test_reaction_line_is_edited_not_reposted_and_persona_bots_react_as_themselves(
    fake, pack, db_path
):
    mia = fake.add_bot("mia-token", "Mia")
    platform = platform_for(fake, pack, persona_tokens="mia=mia-token")
    async with live_room(pack, platform, db_path) as room:
        human = await fake.post_human("First pitch", "Ana")
        await fake.wait_for(lambda: (int(human["id"]), "🤔", int(mia["id"])) in fake.reactions)
        await fake.wait_for(lambda: len(persona_posts(fake)) == 2)
        # Two more reactions to one message from personas without a bot: one line, then an edit.
        dana_post = next(m for m in persona_posts(fake) if "Dana" in m["author"]["username"])
        our_id = platform.our_id(dana_post["id"])
        from bot.transcript.events import ReactionEvent

        for who, name, emoji in (("raj", "Raj Patel", "👍"), ("mia-free", "Ann Lee", "👍")):
            platform.deliver(
                ReactionEvent(room.run_id, 0, our_id, who, name, emoji, time.time(), 0)
            )
        await platform.drain()
    lines = [m for m in fake.webhook_messages() if m["content"].startswith("-# 👍")]
    assert len(lines) == 1
    assert lines[0]["content"].startswith("-# 👍 Raj Patel, Ann Lee — on Dana Fox's [message]")
    assert lines[0]["edits"] == 1
    assert not any(
        "Mia" in m["content"] and m["content"].startswith("-# 🤔") for m in fake.webhook_messages()
    )


async def test_replies_inside_a_thread_stay_in_that_thread(fake, pack, db_path):
    platform = platform_for(fake, pack)
    async with live_room(pack, platform, db_path) as room:
        first = await fake.post_human("Main topic", "Ana")
        await fake.wait_for(lambda: len(persona_posts(fake)) == 2)
        thread = await fake.create_thread(int(first["id"]), "side talk")
        await fake.post_human("A detail, in the thread", "Ben", thread_id=int(thread["id"]))
        in_thread = lambda: [m for m in fake.messages_in(int(thread["id"])) if m.get("webhook_id")]  # noqa: E731
        # Mia's reaction line plus at least one answer (the other may be cooling down).
        await fake.wait_for(lambda: len(in_thread()) >= 2)
        await platform.drain()
    assert len(persona_posts(fake)) >= 3
    assert all(m["channel_id"] == thread["id"] for m in persona_posts(fake)[2:])
    assert any(m["content"].startswith("-# 🤔 Mia Chen") for m in in_thread())
    view = await stored_run(db_path, room.run_id)
    detail = next(m for m in view.messages if m.text == "A detail, in the thread")
    main = next(m for m in view.messages if m.text == "Main topic")
    assert detail.reply_to == main.id  # a thread message answers the message it was started on


async def test_429_with_retry_after_is_waited_out(fake, pack, db_path):
    fake.rate_limit("POST", "/webhooks/", 0.4, times=1)
    fake.rate_limit("PUT", "/reactions/", 0.2, times=1, via=False)  # Cloudflare-style: no Via
    platform = platform_for(fake, pack)
    async with live_room(pack, platform, db_path):
        started = time.monotonic()
        await fake.post_human("Rate limits?", "Ana")
        await fake.wait_for(lambda: len(persona_posts(fake)) == 2 and fake.reactions)
        await platform.drain()
        elapsed = time.monotonic() - started
    statuses = [s for m, p, s in fake.requests if "/webhooks/" in p and m == "POST"]
    assert statuses.count(429) == 1
    assert sum(1 for m, p, s in fake.requests if m == "PUT" and s == 429) == 1
    assert len(persona_posts(fake)) == 2  # nothing lost, nothing doubled
    assert elapsed >= 1.0  # the Cloudflare 429's Retry-After (1 s) was honoured by our retry


async def test_dropped_gateway_resumes_without_losing_or_doubling(fake, pack, db_path):
    fake.duplicate_on_resume = True  # the resumed stream repeats what the client already had
    platform = platform_for(fake, pack)
    async with live_room(pack, platform, db_path) as room:
        await fake.post_human("Before the drop", "Ana")
        await fake.wait_for(lambda: len(persona_posts(fake)) == 2)
        await fake.drop_gateway()
        missed = await fake.post_human("While disconnected", "Ana")  # buffered, replayed on RESUME
        await fake.wait_for(lambda: fake.resumes == 1, timeout=15)
        await until(lambda: platform.our_id(missed["id"]) is not None)
        await platform.drain()
    assert fake.identifies == 1
    view = await stored_run(db_path, room.run_id)
    assert [m.text for m in view.messages if m.author_kind == "human"] == [
        "Before the drop",
        "While disconnected",
    ]


async def test_webhook_is_found_again_on_restart(fake, pack, db_path):
    for _ in range(2):
        platform = platform_for(fake, pack)
        await platform.start(lambda *args: None)
        await platform.stop()
    assert len(fake.webhooks) == 1


@pytest.mark.parametrize(
    ("setup", "expected"),
    [
        (
            {"token": "wrong"},
            "DISCORD_BOT_TOKEN was rejected by Discord (401 Unauthorized) — fix: copy "
            "the token again",
        ),
        ({"intent_off": True}, "the Message Content intent is off — fix: Developer Portal"),
        (
            {"permissions": BOT_PERMISSIONS & ~MANAGE_WEBHOOKS & ~ADD_REACTIONS},
            "the bot lacks Manage Webhooks, Add Reactions in #general",
        ),
        ({"channel": "voice"}, "is a voice channel, not a text channel"),
        ({"channel": 42}, "DISCORD_CHANNEL_ID 42: the bot townhall cannot see that channel"),
        ({"persona_tokens": "mia=nope"}, "DISCORD_PERSONA_TOKENS (mia) was rejected by Discord"),
    ],
)
async def test_start_up_checks_give_one_clear_message(fake, pack, setup, expected):
    fake.message_content_enabled = not setup.get("intent_off")
    fake.permissions = setup.get("permissions", BOT_PERMISSIONS)
    channel = fake.voice_id if setup.get("channel") == "voice" else setup.get("channel")
    platform = platform_for(
        fake,
        pack,
        token=setup.get("token", "bot-token"),
        channel=channel,
        persona_tokens=setup.get("persona_tokens", ""),
    )
    with pytest.raises(PlatformError) as caught:
        await asyncio.wait_for(platform.start(lambda *args: None), 20)
    assert expected in str(caught.value)
    assert "\n" not in str(caught.value)
    assert platform.client.is_closed()


def test_config_errors_name_the_setting(pack):
    ids = [p.id for p in pack.personas]
    with pytest.raises(PlatformError, match="DISCORD_BOT_TOKEN is not set"):
        DiscordConfig.from_env(ids, {})
    with pytest.raises(PlatformError, match="DISCORD_CHANNEL_ID 'general' is not a channel id"):
        DiscordConfig.from_env(ids, {"DISCORD_BOT_TOKEN": "t", "DISCORD_CHANNEL_ID": "general"})
    with pytest.raises(PlatformError, match="names zed, not in this pack"):
        DiscordConfig.from_env(
            ids,
            {
                "DISCORD_BOT_TOKEN": "t",
                "DISCORD_CHANNEL_ID": "1",
                "DISCORD_PERSONA_TOKENS": "zed=abc",
            },
        )
    config = DiscordConfig.from_env(
        ids,
        {
            "DISCORD_BOT_TOKEN": "t",
            "DISCORD_CHANNEL_ID": "1",
            "DISCORD_PERSONA_TOKENS": '{"mia": "abc"}',
        },
    )
    assert config.persona_tokens == {"mia": "abc"}


def test_webhook_names_never_contain_the_words_discord_refuses():
    assert "discord" not in webhook_username("Discord Dan").lower()
    assert "clyde" not in webhook_username("Clyde").lower()
    assert webhook_username("Dana Fox") == "Dana Fox"


def test_the_setup_guide_invites_with_exactly_the_checked_permissions():
    from bot.platforms.hosted.discord_bot import INVITE_PERMISSIONS, SETUP_GUIDE
    from tests.support.processes import REPO

    guide = (REPO / SETUP_GUIDE).read_text(encoding="utf-8")
    assert f"permissions={INVITE_PERMISSIONS.value}" in guide
    assert INVITE_PERMISSIONS.value == 275414846528


async def test_other_channels_are_ignored_and_refused_messages_get_a_notice(fake, pack, db_path):
    platform = platform_for(fake, pack)
    async with live_room(pack, platform, db_path) as room:
        elsewhere = await fake.post_human("In another channel", "Ana", thread_id=fake.voice_id)
        await fake.post_human("x" * 4001, "Ana")
        await fake.wait_for(
            lambda: any(
                "not posted: the message is 4001 characters" in m["content"]
                for m in fake.webhook_messages()
            )
        )
        await platform.drain()
    assert platform.our_id(elsewhere["id"]) is None
    view = await stored_run(db_path, room.run_id)
    assert not [m for m in view.messages if m.author_kind == "human"]


def test_long_text_is_split_at_line_ends_under_discords_limit():
    from bot.platforms.hosted.discord_bot import split_content

    text = "\n".join(f"line {i} " + "y" * 90 for i in range(50))
    pieces = split_content(text)
    assert all(len(p) <= 2000 for p in pieces) and len(pieces) == 3
    assert "\n".join(pieces) == text
