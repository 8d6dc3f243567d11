"""What one persona can see when it decides: a bounded window of its room, never the whole history."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Literal

from agents.appraisal import Appraisal


@dataclass(frozen=True, slots=True)
class VisibleMessage:
    id: int
    author_id: str
    author_name: str
    author_kind: Literal["human", "persona"]
    text: str
    reply_to: int | None = None
    thread_id: int | None = None
    quote_of: int | None = None


@dataclass(frozen=True, slots=True)
class DecisionContext:
    room_name: str
    room_topic: str
    trigger: VisibleMessage
    window: tuple[VisibleMessage, ...]
    mentioned: bool = False
    replied_to_me: bool = False
    my_recent_texts: tuple[str, ...] = field(default_factory=tuple)
    seed: int = 0
    called_on: bool = False  # a chair gave this persona the floor: it is expected to answer
    appraisal: Appraisal | None = None  # how the persona takes the message (agents.appraisal)
    # When, in simulated time, the persona's action lands: a backend that answers one request at
    # a time (the embedded model) answers the soonest due first, so the room is never kept
    # waiting on a reply that lands later.
    answer_by: float = 0.0


class BlockWindow:
    """The room's recent messages as personas are shown them: at least `size` (all, early on), and
    the oldest one shown moves forward only in jumps of `block` messages. Between jumps a persona's
    prompt only grows at its end, so a provider's prompt cache keeps serving everything before the
    newest messages; a window sliding by one message would change the prompt's start on every call.
    Bounded: never more than size + block - 1 messages."""

    def __init__(self, size: int, block: int) -> None:
        if size < 1 or block < 1:
            raise ValueError(f"window size and block must be at least 1 (got {size}, {block})")
        self.size, self.block = size, block
        self.total = 0  # messages appended so far
        self._recent: deque[VisibleMessage] = deque(maxlen=size + block - 1)

    def append(self, message: VisibleMessage) -> None:
        self._recent.append(message)
        self.total += 1

    @property
    def start(self) -> int:
        """Index (in the room's history, from 0) of the oldest message shown."""
        return max(0, (self.total - self.size) // self.block * self.block)

    def view(self) -> tuple[VisibleMessage, ...]:
        shown = self.total - self.start
        return tuple(self._recent)[len(self._recent) - shown:]
