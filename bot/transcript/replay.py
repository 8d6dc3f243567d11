"""Replaying a stored run with its original (simulated) timing, scaled by a speed factor."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from bot.transcript.events import MessageEvent, ReactionEvent, StatusEvent

ReplayEvent = MessageEvent | ReactionEvent | StatusEvent


async def replay_into(events: Iterable[ReplayEvent], render: Callable[[ReplayEvent], None],
                      speed: float, max_gap: float = 30.0) -> int:
    """Render events in stored order; waits (vtime gap / speed), each gap capped at `max_gap` seconds."""
    previous: float | None = None
    shown = 0
    for event in events:
        if speed > 0 and previous is not None:
            gap = min(max(0.0, event.vtime - previous) / speed, max_gap)
            if gap:
                await asyncio.sleep(gap)
        previous = event.vtime
        render(event)
        shown += 1
    return shown
