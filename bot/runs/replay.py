"""`townhall replay RUN --to discord|slack`: re-post a stored run into a channel, with its timing
scaled; people in the channel are told nobody is listening."""

from __future__ import annotations

from bot.engine.human_input import HumanInputError
from bot.platforms.hosted import hosted_platform
from bot.platforms.hosted.channel import ChannelAdapter
from bot.transcript.queries import RunView
from bot.transcript.replay import replay_into


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
