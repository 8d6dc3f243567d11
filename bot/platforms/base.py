"""What every platform adapter offers the runtime. Adapters deliver human input and render output;
they never hold state the transcript does not have."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from bot.engine.orchestrator import Orchestrator
from bot.transcript.events import DeliveryEvent, MessageEvent, RoomEvent


@dataclass(frozen=True)
class Capabilities:
    per_persona_identity: bool  # each persona shows under its own name and avatar
    per_persona_reactions: bool  # a reaction can come from the persona itself
    threads: bool


# Called by an adapter when a human posts: (display name, text, reply_to message id or None).
HumanPost = Callable[[str, str, int | None], Awaitable[MessageEvent]]


class Platform(Protocol):
    name: str
    capabilities: Capabilities

    async def start(self, post_human: HumanPost) -> None:
        """Connect, seat the personas, and begin delivering human posts to `post_human`."""

    def deliver(self, event: RoomEvent) -> None:
        """Queue an event for rendering; must not block the orchestrator."""

    async def stop(self, hurry: bool = False) -> None:
        """Render what is queued, then disconnect. In a `hurry` (the user stopped the room: Ctrl-C,
        SIGTERM) be gone within a few seconds, whatever is still queued."""


@runtime_checkable
class EngineAware(Protocol):
    """A platform that also offers run controls (pause, stop, speed, reactions, mute) is handed the
    engine before it starts; it still only reads state and calls the orchestrator's public
    methods."""

    def attach(self, engine: Orchestrator) -> None: ...


@runtime_checkable
class DeliveryTracking(Protocol):
    """A platform whose send queue can lose messages on the way (paced posts to Discord or Slack)
    reports what became of each one, so the transcript can say what reached the channel."""

    def track_deliveries(self, record: Callable[[DeliveryEvent], None]) -> None: ...
