"""The events of a run. Everything a platform shows, and everything the transcript stores, is one of these."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from agents.appraisal import Appraisal
from agents.llm import CallRecord

AuthorKind = Literal["human", "persona"]


@dataclass(frozen=True, slots=True)
class MessageEvent:
    run_id: str
    seq: int
    id: int
    author_kind: AuthorKind
    author_id: str
    author_name: str
    text: str
    created_at: float
    vtime: float
    reply_to: int | None = None
    thread_id: int | None = None
    inherited: bool = False
    quote_of: int | None = None  # a quote post: a new message that carries another one


@dataclass(frozen=True, slots=True)
class ReactionEvent:
    run_id: str
    seq: int
    message_id: int
    author_id: str
    author_name: str
    emoji: str
    created_at: float
    vtime: float
    inherited: bool = False


@dataclass(frozen=True, slots=True)
class DecisionEvent:
    run_id: str
    seq: int
    persona_id: str
    message_id: int
    action: Literal["reply", "react", "ignore"]
    source: Literal["model", "rules", "fallback"]
    created_at: float
    vtime: float
    reason: str | None = None
    error: str | None = None
    # How the persona took the message before deciding (on every backend, so a real model's
    # choice can be compared with the offline appraisal).
    appraisal: Appraisal | None = None


@dataclass(frozen=True, slots=True)
class LLMCallEvent:
    """One model call a persona's turn made (its usage, cost, latency, error); stored in
    `llm_calls`."""

    run_id: str
    seq: int
    persona_id: str
    created_at: float
    call: CallRecord


@dataclass(frozen=True, slots=True)
class VoteEvent:
    """One member's vote on one agenda item of a meeting; stored in `votes`."""

    run_id: str
    seq: int
    item: int
    motion: str
    persona_id: str
    choice: Literal["for", "against", "abstain"]
    reason: str
    source: Literal["model", "rules", "fallback"]
    created_at: float
    vtime: float
    message_id: int | None = None  # the message that announced the vote in the room
    inherited: bool = False


@dataclass(frozen=True, slots=True)
class StatusEvent:
    """Run lifecycle: started, joined, paused, resumed, finished, …; stored in `run_events`."""

    run_id: str
    seq: int
    kind: str
    created_at: float
    vtime: float
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class TypingEvent:
    """Shown live, never stored: who is composing a reply right now."""

    run_id: str
    persona_id: str
    persona_name: str
    active: bool


DELIVERY_STATES = ("delivered", "dropped", "failed")


@dataclass(frozen=True, slots=True)
class DeliveryEvent:
    """What became of one message on a chat platform (Discord, Slack): delivered (with the
    platform's id), dropped when the room was stopped before its turn in the send queue, or failed
    (with the platform's error). The newest state per message and platform is kept."""

    run_id: str
    message_id: int
    platform: str
    state: str  # one of DELIVERY_STATES
    created_at: float
    platform_message_id: str | None = None
    error: str | None = None


StoredEvent = (MessageEvent | ReactionEvent | DecisionEvent | LLMCallEvent | StatusEvent | VoteEvent
               | DeliveryEvent)
RoomEvent = MessageEvent | ReactionEvent | StatusEvent | TypingEvent
