"""`townhall replay RUN --to discord|slack`: re-post a stored run into a channel, with its timing
scaled; people in the channel are told nobody is listening. What reaches the channel is recorded
against the stored run, so `--undelivered` can later send just what a stopped room never did."""

from __future__ import annotations

from pathlib import Path

from bot.engine.human_input import HumanInputError
from bot.platforms.hosted import hosted_platform
from bot.platforms.hosted.channel import ChannelAdapter
from bot.transcript import Transcript
from bot.transcript.events import MessageEvent, ReactionEvent
from bot.transcript.queries import RunView
from bot.transcript.replay import ReplayEvent, replay_into


async def replay_run_to(name: str, view: RunView, speed: float, db: Path,
                        undelivered: bool = False) -> int:
    """`townhall replay RUN --to discord|slack [--undelivered]`: returns how many events were
    re-posted."""
    platform = hosted_platform(name, view.participants.values())
    events = undelivered_events(view, name) if undelivered else view.events
    async with Transcript(db) as transcript:
        platform.track_deliveries(transcript.append)
        return await replay_to_platform(view, platform, speed, events)


def undelivered_events(view: RunView, platform: str) -> list[ReplayEvent]:
    """The run's messages that never reached `platform`, with the reactions to them."""
    missing = {m.id for m in view.undelivered(platform)}
    return [e for e in view.events
            if (isinstance(e, MessageEvent) and e.id in missing)
            or (isinstance(e, ReactionEvent) and e.message_id in missing)]


async def replay_to_platform(view: RunView, platform: ChannelAdapter, speed: float,
                             events: list[ReplayEvent] | None = None) -> int:
    """Re-post a stored run (or `events` of it) into the channel with its timing scaled; people
    there are told the room is not listening."""
    run_id = view.run["id"]

    async def not_listening(name: str, text: str, reply_to: int | None):
        raise HumanInputError(f"this channel is showing a replay of run {run_id}; nobody is "
                              "listening")

    await platform.start(not_listening)
    try:
        shown = await replay_into(view.events if events is None else events, platform.deliver,
                                  speed)
        await platform.drain()
    finally:
        await platform.stop()
    return shown
