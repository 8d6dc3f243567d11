"""Simulated time for a run, played back at a chosen speed (0 = as fast as possible).

The orchestrator schedules in simulated seconds; this maps them onto the wall clock and lets a
wait be cut short (a human posted, the run was paused or stopped).
"""

from __future__ import annotations

import asyncio
import contextlib
import time


class SimClock:
    def __init__(self, speed: float, *, follow_wall: bool = False) -> None:
        self.now = 0.0  # simulated seconds; only moves forward
        self._speed = max(0.0, speed)
        # A live room at speed 0 still lets simulated time pass with the wall clock between human
        # posts, so a cooldown of 15 s means 15 s to the people in the room.
        self._follow_wall = follow_wall
        self._origin = time.monotonic()  # wall time at which simulated time 0 would have been
        self._paused_at: float | None = None
        self._interrupt = asyncio.Event()

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def paused(self) -> bool:
        return self._paused_at is not None

    def live_now(self) -> float:
        """Simulated time now, for an event that arrives from outside (a human)."""
        rate = self._rate()
        if rate == 0 or self.paused:
            return self.now
        return max(self.now, (time.monotonic() - self._origin) * rate)

    def _rate(self) -> float:
        """Simulated seconds per wall second for events from outside."""
        return self._speed or (1.0 if self._follow_wall else 0.0)

    def set_speed(self, speed: float) -> None:
        current = self.live_now()
        self._speed = max(0.0, speed)
        if self._rate():
            self._origin = time.monotonic() - current / self._rate()
        self.interrupt()

    def pause(self) -> None:
        if self._paused_at is None:
            self._paused_at = time.monotonic()
            self.interrupt()

    def resume(self) -> None:
        if self._paused_at is not None:
            self._origin += time.monotonic() - self._paused_at
            self._paused_at = None
            self.interrupt()

    def interrupt(self) -> None:
        self._interrupt.set()

    async def wait_interrupt(self, timeout: float | None = None) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._interrupt.wait(), timeout)
        self._interrupt.clear()

    async def advance_to(self, target: float) -> bool:
        """Move simulated time to `target`, waiting on the wall clock if speed > 0.

        Returns False if interrupted first, so the caller can look at what changed.
        """
        if self._speed and not self.paused:
            delay = self._origin + target / self._speed - time.monotonic()
            if delay > 0:
                self._interrupt.clear()
                try:
                    await asyncio.wait_for(self._interrupt.wait(), delay)
                except TimeoutError:
                    pass
                else:
                    self._interrupt.clear()
                    return False
        elif self.paused:
            return False
        self.now = max(self.now, target)
        return True
