"""How fast the Discord and Slack adapters seat, take in and post, measured through the real
discord.py / slack-bolt against the local fake servers from the tests (so: the adapters' and
libraries' own cost, not Discord's or Slack's network).

    PYTHONPATH=. python bench/platform_delivery.py
"""

from __future__ import annotations

import asyncio
import statistics
import time

from bot.platforms.hosted.channel import Seat
from bot.platforms.hosted.discord_bot import DiscordConfig, DiscordPlatform
from bot.platforms.hosted.slack_app import SlackConfig, SlackPlatform
from bot.transcript.events import MessageEvent
from tests.support.fake_discord import FakeDiscord
from tests.support.fake_slack import FakeSlack

INBOUND = 50
OUTBOUND = 30
SEATS = [Seat(f"p{i}", f"Persona {i}", "🙂") for i in range(10)]


async def measure(name, platform, post_human_msg, count_posts) -> None:
    arrived: dict[str, float] = {}

    async def post_human(author, text, reply_to):
        arrived[text] = time.perf_counter()

    started = time.perf_counter()
    await platform.start(post_human)
    seated = time.perf_counter() - started

    latencies = []
    for i in range(INBOUND):
        text = f"human message {i}"
        sent = time.perf_counter()
        await post_human_msg(text)
        while text not in arrived:
            await asyncio.sleep(0.0005)
        latencies.append((arrived[text] - sent) * 1000)

    before = count_posts()
    started = time.perf_counter()
    for i in range(OUTBOUND):
        seat = SEATS[i % len(SEATS)]
        platform.deliver(MessageEvent("bench", i, 1000 + i, "persona", seat.id, seat.name,
                                      f"answer {i}", time.time(), 0.0))
    await platform.drain()
    spent = time.perf_counter() - started
    assert count_posts() - before == OUTBOUND
    await platform.stop()
    p95 = sorted(latencies)[int(INBOUND * 0.95)]
    print(f"{name:8} seated in {seated * 1000:6.0f} ms · human → room median "
          f"{statistics.median(latencies):5.1f} ms (p95 {p95:5.1f}) · "
          f"{OUTBOUND} persona posts in {spent:5.2f} s = {OUTBOUND / spent:4.1f}/s (paced)")


async def main() -> None:
    discord_fake = await FakeDiscord().start()
    env = {"DISCORD_BOT_TOKEN": "bot-token", "DISCORD_CHANNEL_ID": str(discord_fake.channel_id),
           "TOWNHALL_DISCORD_API_URL": discord_fake.api_url,
           "TOWNHALL_DISCORD_GATEWAY_URL": discord_fake.gateway_url}
    discord = DiscordPlatform(DiscordConfig.from_env([s.id for s in SEATS], env), SEATS)
    await measure("discord", discord, discord_fake.post_human,
                  lambda: len(discord_fake.webhook_messages()))
    await discord_fake.close()

    slack_fake = await FakeSlack().start()
    env = {"SLACK_BOT_TOKEN": slack_fake.bot_token, "SLACK_APP_TOKEN": slack_fake.app_token,
           "SLACK_CHANNEL": "general", "TOWNHALL_SLACK_API_URL": slack_fake.api_url}
    slack = SlackPlatform(SlackConfig.from_env(env), SEATS)
    await measure("slack", slack, slack_fake.post_human,
                  lambda: len(slack_fake.persona_posts()))
    await slack_fake.close()


if __name__ == "__main__":
    asyncio.run(main())
