"""A token bucket: a burst is fine, a flood waits (or is told how long to wait).

The Discord and Slack send queues wait for a token before each send, so ten personas answering at
once are spread out before the platform's own limiter has to say 429; the web chat refuses a tab's
post with the seconds until it may post again.
"""

from __future__ import annotations

import asyncio
import time


class TokenBucket:
    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst = rate, burst  # tokens per second; at most this many at once
        self._tokens = float(burst)
        self._stamp = time.monotonic()

    def try_take(self) -> float:
        """Spend one token: 0 on success, else the seconds until one is there (none is spent)."""
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now
        if self._tokens >= 1:
            self._tokens -= 1
            return 0.0
        return (1 - self._tokens) / self.rate

    async def take(self) -> None:
        """Wait for a token and spend it."""
        while wait := self.try_take():
            await asyncio.sleep(wait)
