"""The hosted chat platforms (Discord, Slack): building an adapter from the environment, and
re-posting a stored run into a channel. The CLI only calls these two functions."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from agents.persona import Persona
from bot.orchestrator import HumanInputError
from bot.platforms.channel import ChannelAdapter, PlatformError, Seat
from bot.replay import replay_into
from bot.transcript.queries import Participant, RunView

HOSTED_PLATFORMS = ("discord", "slack")


def hosted_platform(name: str, people: Iterable[Persona | Participant],
                    env: Mapping[str, str] = os.environ) -> ChannelAdapter:
    """An adapter for a pack's personas (or a stored run's participants), configured from the
    environment / .env; a bad setting is one PlatformError."""
    seats = [Seat(p.id, p.name, p.avatar) for p in people]
    # Imported on demand: a terminal or web room never pays for loading discord.py or slack-bolt.
    try:
        if name == "discord":
            from bot.platforms.discord_bot import DiscordConfig, DiscordPlatform

            return DiscordPlatform(DiscordConfig.from_env([s.id for s in seats], env), seats)
        if name == "slack":
            from bot.platforms.slack_app import SlackConfig, SlackPlatform

            return SlackPlatform(SlackConfig.from_env(env), seats)
    except ModuleNotFoundError as exc:
        raise PlatformError(f"{name} needs the '{exc.name}' package — fix: reinstall townhall "
                            "(pip install .) so its dependencies are in place") from None
    raise PlatformError(f"unknown platform '{name}' — fix: use terminal, "
                        f"{', '.join(HOSTED_PLATFORMS)}")


async def replay_run_to(name: str, view: RunView, speed: float) -> int:
    """`townhall replay RUN --to discord|slack`: returns how many events were re-posted."""
    return await replay_to_platform(view, hosted_platform(name, view.participants.values()), speed)


async def replay_to_platform(view: RunView, platform: ChannelAdapter, speed: float) -> int:
    """Re-post a stored run into the channel with its timing scaled; people there are told the
    room is not listening."""
    run_id = view.run["id"]

    async def not_listening(name: str, text: str, reply_to: int | None):
        raise HumanInputError(f"this channel is showing a replay of run {run_id}; nobody is "
                              "listening")

    await platform.start(not_listening)
    try:
        shown = await replay_into(view.events, platform.deliver, speed)
        await platform.drain()
    finally:
        await platform.stop()
    return shown
