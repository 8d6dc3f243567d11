"""What one browser tab may do, and how fast: told to the tab in its hello, enforced per socket,
and again per display name and per client address, since opening sockets costs nothing (200 of
them got 1,025 posts accepted in seconds)."""

from __future__ import annotations

from collections import defaultdict

from bot.platforms.rate_limit import TokenBucket

POST_BURST, POST_PER_SECOND = 5, 0.5  # five at once, then one every two seconds
REACT_BURST, REACT_PER_SECOND = 10, 2.0
# One address is one machine: a few people or tabs behind it, not a crowd of 200 sockets.
ADDRESS_POST_BURST, ADDRESS_POST_PER_SECOND = 20, 2.0
ADDRESS_REACT_BURST, ADDRESS_REACT_PER_SECOND = 40, 8.0
MAX_NAMES_PER_ADDRESS = 8
# A replay reads a whole run back: three at once, then one every five seconds per tab; and a
# replay queues at most this many frames ahead of what the tab has been sent.
REPLAY_BURST, REPLAY_PER_SECOND = 3, 0.2
REPLAY_AHEAD = 256
MAX_NAME_CHARS = 40
MAX_SPEED = 100.0

_RATES = {"post": (POST_PER_SECOND, POST_BURST), "react": (REACT_PER_SECOND, REACT_BURST)}
_ADDRESS_RATES = {"post": (ADDRESS_POST_PER_SECOND, ADDRESS_POST_BURST),
                  "react": (ADDRESS_REACT_PER_SECOND, ADDRESS_REACT_BURST)}


class RoomLimits:
    """The limits every socket of one room shares, by display name and by client address."""

    def __init__(self) -> None:
        self._buckets: dict[tuple[str, str, str], TokenBucket] = {}
        self._names: dict[str, set[str]] = defaultdict(set)

    def _bucket(self, kind: str, scope: str, key: str) -> TokenBucket:
        found = self._buckets.get((kind, scope, key))
        if found is None:
            rate, burst = (_ADDRESS_RATES if scope == "address" else _RATES)[kind]
            found = self._buckets[(kind, scope, key)] = TokenBucket(rate, burst)
        return found

    def name_refused(self, address: str, name_key: str) -> str | None:
        """Why this address may not use one more display name, or None."""
        names = self._names[address]
        if name_key not in names and len(names) >= MAX_NAMES_PER_ADDRESS:
            return (f"this computer already posts under {MAX_NAMES_PER_ADDRESS} names — keep "
                    "using one of them")
        names.add(name_key)
        return None

    def wait(self, kind: str, address: str, name_key: str) -> float:
        """Spend a `kind` ("post" or "react") token for the name and the address: 0, or the
        seconds until one is there."""
        return (self._bucket(kind, "name", name_key).try_take()
                or self._bucket(kind, "address", address).try_take())
