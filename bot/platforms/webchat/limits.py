"""Per-connection rate limits: a token bucket, so a burst is fine and a flood gets an answer."""

from __future__ import annotations

import time


class TokenBucket:
    def __init__(self, capacity: float, per_second: float) -> None:
        self.capacity = capacity
        self.per_second = per_second
        self._tokens = capacity
        self._updated = time.monotonic()

    def take(self) -> float:
        """Spend one token; returns 0 on success, else the seconds until one is available."""
        now = time.monotonic()
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.per_second)
        self._updated = now
        if self._tokens >= 1:
            self._tokens -= 1
            return 0.0
        return (1 - self._tokens) / self.per_second
