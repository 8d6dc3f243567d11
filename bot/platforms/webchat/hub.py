"""Live fan-out to every connected tab, and catch-up for a tab that (re)connects.

Each published event is encoded once and queued to every tab. A bounded ring keeps the most recent
events; anything older comes from the transcript. A joining tab is registered and snapshots the
ring in one synchronous step, so every event is either in its catch-up or in its queue, never in
neither; the pump still skips any seq it has already sent, so nothing is shown twice.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

# (seq or None for live-only frames such as typing, the encoded frame)
Frame = tuple[int | None, str]
_CLOSE = (None, "")  # tells a pump to stop after what is already queued


class Client:
    """One connected tab: an outbound queue drained by its own pump task."""

    def __init__(self, max_queue: int) -> None:
        self.queue: asyncio.Queue[Frame] = asyncio.Queue()
        self.max_queue = max_queue
        self.last_seq = -1
        self.overflowed = False

    def push(self, frame: Frame, bounded: bool = True) -> None:
        """Queue a frame; `bounded=False` for what the tab asked for itself (a replay)."""
        if self.overflowed:
            return
        if bounded and self.queue.qsize() >= self.max_queue:
            # A tab this far behind is dropped; it reconnects and catches up from its last seq.
            self.overflowed = True
            self.queue.put_nowait(_CLOSE)
            return
        self.queue.put_nowait(frame)

    def close(self) -> None:
        self.queue.put_nowait(_CLOSE)

    async def pump(self, send: Callable[[str], Awaitable[None]], first: list[Frame]) -> None:
        """Send `first` (hello, catch-up), then queued frames until closed; a seq already sent is
        skipped."""
        for frame in first:
            await self._send(frame, send)
        while True:
            frame = await self.queue.get()
            if frame == _CLOSE:
                return
            await self._send(frame, send)

    async def _send(self, frame: Frame, send: Callable[[str], Awaitable[None]]) -> None:
        seq, text = frame
        if seq is not None:
            if seq <= self.last_seq:
                return
            self.last_seq = seq
        await send(text)


@dataclass(frozen=True)
class Snapshot:
    ring: list[Frame]
    evicted_upto: int  # highest seq that has fallen out of the ring (-1: none)


class Hub:
    def __init__(self, ring_size: int = 2048, max_queue: int = 10_000) -> None:
        self.ring: deque[Frame] = deque()
        self.ring_size = ring_size
        self.max_queue = max_queue
        self.evicted_upto = -1
        self.clients: set[Client] = set()

    def publish(self, seq: int | None, text: str) -> None:
        """Synchronous and non-blocking: called from the orchestrator's deliver."""
        frame = (seq, text)
        if seq is not None:
            self.ring.append(frame)
            if len(self.ring) > self.ring_size:
                self.evicted_upto = self.ring.popleft()[0]
        for client in self.clients:
            client.push(frame)

    def join(self, after: int = -1) -> tuple[Client, Snapshot]:
        """Register a tab that has seen everything up to seq `after`."""
        client = Client(self.max_queue)
        client.last_seq = after
        self.clients.add(client)
        return client, Snapshot(list(self.ring), self.evicted_upto)

    def leave(self, client: Client) -> None:
        self.clients.discard(client)

    def close_all(self) -> None:
        for client in self.clients:
            client.close()


async def catch_up(after: int, snapshot: Snapshot,
                   older: Callable[[int, int], Awaitable[list[Frame]]]) -> list[Frame]:
    """Every stored frame with seq > `after` up to the snapshot, in order.

    `older(after, before)` reads the transcript for what the ring no longer holds; it must flush the
    writer first, since an event is queued for the database before it is published.
    """
    frames: list[Frame] = []
    if snapshot.evicted_upto > after:
        before = snapshot.ring[0][0] if snapshot.ring else snapshot.evicted_upto + 1
        frames = await older(after, before)
    frames.extend(frame for frame in snapshot.ring if frame[0] > after)
    return frames
