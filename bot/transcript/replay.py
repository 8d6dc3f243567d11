"""Replaying a stored run with its original (simulated) timing, scaled by a speed factor."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable

from bot.transcript.events import MessageEvent, ReactionEvent, StatusEvent

ReplayEvent = MessageEvent | ReactionEvent | StatusEvent


async def replay_into(events: Iterable[ReplayEvent], render: Callable[[ReplayEvent], None],
                      speed: float, max_gap: float = 30.0,
                      room: Callable[[], Awaitable[None]] | None = None) -> int:
    """Render events in stored order; waits (vtime gap / speed), each gap capped at `max_gap` seconds.
    `room`, when given, is awaited before each event: a slow reader holds the replay back."""
    previous: float | None = None
    shown = 0
    for event in events:
        if speed > 0 and previous is not None:
            gap = min(max(0.0, event.vtime - previous) / speed, max_gap)
            if gap:
                await asyncio.sleep(gap)
        previous = event.vtime
        if room is not None:
            await room()
        render(event)
        shown += 1
    return shown
