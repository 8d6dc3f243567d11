"""What one persona can see when it decides: a bounded window of its room, never the whole history."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal


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
