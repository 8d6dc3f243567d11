"""The hosted chat platforms (Discord, Slack): each persona a bot identity in one channel. An
adapter is built from the environment (or .env) by `hosted_platform`; nothing else is needed to
seat a room there."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

from agents.persona import Persona
from bot.platforms.hosted.channel import ChannelAdapter, PlatformError, Seat
from bot.transcript.queries import Participant

HOSTED_PLATFORMS = ("discord", "slack")


def hosted_platform(name: str, people: Iterable[Persona | Participant],
                    env: Mapping[str, str] = os.environ) -> ChannelAdapter:
    """An adapter for a pack's personas (or a stored run's participants), configured from the
    environment / .env; a bad setting is one PlatformError."""
    seats = [Seat(p.id, p.name, p.avatar) for p in people]
    # Imported on demand: a terminal or web room never pays for loading discord.py or slack-bolt.
    try:
        if name == "discord":
            from bot.platforms.hosted.discord_bot import DiscordConfig, DiscordPlatform

            return DiscordPlatform(DiscordConfig.from_env([s.id for s in seats], env), seats)
        if name == "slack":
            from bot.platforms.hosted.slack_app import SlackConfig, SlackPlatform

            return SlackPlatform(SlackConfig.from_env(env), seats)
    except ModuleNotFoundError as exc:
        raise PlatformError(f"{name} needs the '{exc.name}' package — fix: reinstall townhall "
                            "(pip install .) so its dependencies are in place") from None
    raise PlatformError(f"unknown platform '{name}' — fix: use terminal, "
                        f"{', '.join(HOSTED_PLATFORMS)}")
