"""What the Discord and Slack adapters share: one ordered send queue per channel paced by a token
bucket, the map between our message ids and the platform's, reply/thread placement, and the
visible reaction line for reactions a persona cannot add as itself.

An adapter subclasses `ChannelAdapter` and implements the platform calls (`_connect`, `_post`,
`_react_as_persona`, `_react_as_app`, `_post_line`, `_edit_line`, `_disconnect`). The transcript
stays the source of truth: the adapter only remembers where each message of ours ended up.
"""

from __future__ import annotations

import asyncio
import logging
import time
from abc import ABC, abstractmethod
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from agents.redact import redact
from bot.engine.human_input import HumanInputError
from bot.platforms.base import Capabilities, HumanPost
from bot.platforms.rate_limit import TokenBucket
from bot.transcript.events import (
    DeliveryEvent,
    MessageEvent,
    ReactionEvent,
    RoomEvent,
    StatusEvent,
    TypingEvent,
)

log = logging.getLogger("townhall.platforms")

QUOTE_CHARS = 90
STOP_TIMEOUT = 30.0  # a room that ended by itself: show what is queued, up to this long
HURRY_TIMEOUT = 3.0  # a room stopped by its user: the post in flight, one closing line, goodbye
_SEEN_LIMIT = 5000  # inbound platform ids remembered to drop redeliveries


class PlatformError(ValueError):
    """A user-fixable problem connecting to a chat platform: one line naming the setting and
    the fix."""


@dataclass(frozen=True)
class Seat:
    """Who speaks: a persona of the pack (live) or a participant of a stored run (replay)."""

    id: str
    name: str
    avatar: str | None = None

    @property
    def avatar_url(self) -> str | None:
        web = self.avatar and self.avatar.startswith(("https://", "http://"))
        return self.avatar if web else None

    @property
    def avatar_emoji(self) -> str | None:
        return None if self.avatar_url or not self.avatar else self.avatar


@dataclass(frozen=True)
class Placed:
    """Where one of our messages lives on the platform: its id, and the thread it is in (if any)."""

    platform_id: str
    thread: str | None = None


@dataclass
class ReactionLine:
    """The compact, visibly attributed reactions to one message: "👍 Dana, Raj · 👀 Priya"."""

    names: dict[str, list[str]] = field(default_factory=dict)
    line_id: str | None = None

    def add(self, emoji: str, name: str) -> bool:
        who = self.names.setdefault(emoji, [])
        if name in who:
            return False
        who.append(name)
        return True

    def text(self) -> str:
        return " · ".join(f"{emoji} {', '.join(who)}" for emoji, who in self.names.items())


def snippet(text: str, limit: int = QUOTE_CHARS) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def notice_for(event: StatusEvent) -> str | None:
    """The lifecycle lines worth showing in a channel; joins and speed changes are noise there."""
    if event.kind == "started":
        data = event.data
        return f"session started · pack {data.get('pack', '?')} · model {data.get('model', '?')}"
    if event.kind == "finished":
        return f"session ended · {event.data.get('reason', 'finished')}"
    if event.kind in {"paused", "resumed"}:
        return f"session {event.kind}"
    return None


class ChannelAdapter(ABC):
    """One channel on a hosted chat platform, seen through one ordered send queue."""

    name: str
    capabilities: Capabilities

    def __init__(self, seats: Iterable[Seat], *, rate: float, burst: int,
                 secrets: Iterable[str] = ()) -> None:
        self.seats = {s.id: s for s in seats}
        self._secrets = tuple(s for s in secrets if s)  # never written into a recorded error
        self._record: Callable[[DeliveryEvent], None] = lambda delivery: None
        self._hurrying = False  # stopped by its user: nothing more is posted one by one
        self._dropped = 0
        self._ended: StatusEvent | None = None  # the room's end notice, for the closing line
        self._bucket = TokenBucket(rate, burst)
        self._queue: asyncio.Queue[RoomEvent | None] = asyncio.Queue()
        self._placed: dict[int, Placed] = {}
        self._ours: dict[str, int] = {}
        self._authors: dict[int, tuple[str, str]] = {}  # our id → (author name, text), for quotes
        self._lines: dict[int, ReactionLine] = {}
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._inbound_lock = asyncio.Lock()
        self._inbound: tuple[Placed, str] | None = None  # the channel message being taken in
        self._post_human: HumanPost | None = None
        self._sender: asyncio.Task | None = None

    # -- the Platform protocol ---------------------------------------------------------------

    async def start(self, post_human: HumanPost) -> None:
        self._post_human = post_human
        await self._connect()
        self._sender = asyncio.create_task(self._send_loop(), name=f"{self.name}-send-queue")

    def track_deliveries(self, record: Callable[[DeliveryEvent], None]) -> None:
        """Report what becomes of every message (delivered, dropped, failed) to `record`."""
        self._record = record

    def deliver(self, event: RoomEvent) -> None:
        if isinstance(event, TypingEvent):
            return  # webhooks and app posts cannot show typing under a persona's name
        if (isinstance(event, MessageEvent) and event.author_kind == "human" and self._inbound
                and event.text == self._inbound[1]):
            # This human message came from the channel itself: remember where it is, don't echo it.
            self._remember(event, self._inbound[0])
            self._delivered(event, self._inbound[0].platform_id)
            return
        self._queue.put_nowait(event)

    async def stop(self, hurry: bool = False) -> None:
        """Show what is queued (a room that ended by itself), or, in a `hurry` (its user stopped
        it), let the post in flight land, drop the rest and say so in one line: the backlog of a
        paced queue would otherwise keep the bots talking for minutes after Ctrl-C."""
        self._post_human = None  # the room has ended: stop taking messages in
        deadline = time.monotonic() + (HURRY_TIMEOUT if hurry else STOP_TIMEOUT)
        if self._sender is not None:
            self._hurrying = hurry
            self._queue.put_nowait(None)
            try:
                await asyncio.wait_for(asyncio.shield(self._sender), deadline - time.monotonic())
            except TimeoutError:
                log.warning("%s: gave up on %d unsent events", self.name, self._queue.qsize())
                self._hurrying = True
                self._sender.cancel()
                await asyncio.gather(self._sender, return_exceptions=True)
                while not self._queue.empty():
                    self._drop(self._queue.get_nowait())
            self._sender = None
            if self._hurrying:
                await self._closing_line(deadline)
        try:
            await asyncio.wait_for(self._disconnect(), max(0.5, deadline - time.monotonic()))
        except TimeoutError:
            log.warning("%s: the connection did not close in time", self.name)

    async def drain(self) -> None:
        """Wait until everything delivered so far has been sent (used by replay and tests)."""
        await self._queue.join()

    # -- inbound -----------------------------------------------------------------------------

    def first_sighting(self, platform_id: str) -> bool:
        """False for a message we have already taken in (a redelivery after a reconnect)."""
        if platform_id in self._seen:
            return False
        self._seen[platform_id] = None
        if len(self._seen) > _SEEN_LIMIT:
            self._seen.popitem(last=False)
        return True

    def our_id(self, platform_id: str | None) -> int | None:
        return self._ours.get(platform_id) if platform_id else None

    async def take_human(self, name: str, text: str, where: Placed, reply_to: int | None) -> None:
        """Hand a human's channel message to the room; a refused one gets a visible notice."""
        if self._post_human is None:
            return
        async with self._inbound_lock:  # one at a time, so deliver() can tell this echo apart
            self._inbound = (where, text.strip())
            try:
                await self._post_human(name, text, reply_to)
            except HumanInputError as exc:
                self._queue.put_nowait(_Notice(f"not posted: {exc}", where.thread))
            finally:
                self._inbound = None

    # -- the send queue ----------------------------------------------------------------------

    def _remember(self, event: MessageEvent, placed: Placed) -> None:
        self._placed[event.id] = placed
        self._ours[placed.platform_id] = event.id
        self._authors[event.id] = (event.author_name, event.text)

    async def _send_loop(self) -> None:
        while True:
            event = await self._queue.get()
            try:
                if event is None:
                    return
                if self._hurrying:
                    self._drop(event)
                else:
                    await self._render(event)
            except asyncio.CancelledError:
                self._drop(event)
                raise
            except Exception as exc:  # one failed send must not stop the room's output
                error = self._redact(f"{type(exc).__name__}: {exc}")
                log.warning("%s: could not show %s: %s", self.name, _describe(event), error,
                            exc_info=log.isEnabledFor(logging.DEBUG))
                if isinstance(event, MessageEvent):
                    self._record(DeliveryEvent(event.run_id, event.id, self.name, "failed",
                                               time.time(), error=error[:500]))
            finally:
                self._queue.task_done()

    # -- what became of each message ----------------------------------------------------------

    def _delivered(self, event: MessageEvent, platform_id: str) -> None:
        self._record(DeliveryEvent(event.run_id, event.id, self.name, "delivered", time.time(),
                                   platform_message_id=platform_id))

    def _drop(self, event: RoomEvent | _Notice | None) -> None:
        """Not shown because the room was stopped: a message is counted and recorded as dropped;
        the room's own end notice is kept for the closing line."""
        if isinstance(event, MessageEvent):
            self._dropped += 1
            self._record(DeliveryEvent(event.run_id, event.id, self.name, "dropped", time.time()))
        elif isinstance(event, StatusEvent) and event.kind == "finished":
            self._ended = event

    async def _closing_line(self, deadline: float) -> None:
        """One short line instead of the dropped backlog, if the platform lets us in time."""
        text = notice_for(self._ended) if self._ended else "session ended · stopped"
        if self._dropped:
            text += f" · {self._dropped} {'reply' if self._dropped == 1 else 'replies'} not delivered"
        try:
            await asyncio.wait_for(self._bucket.take(), max(0.0, deadline - time.monotonic()))
            await asyncio.wait_for(self._post_notice(text, None), max(0.1, deadline - time.monotonic()))
        except Exception as exc:  # incl. the deadline: the exit must not wait on the platform
            log.warning("%s: could not post the closing line: %s", self.name,
                        self._redact(str(exc) or type(exc).__name__))

    def _redact(self, text: str) -> str:
        return redact(text, also=self._secrets)

    async def _render(self, event: RoomEvent | _Notice) -> None:
        if isinstance(event, MessageEvent):
            await self._render_message(event)
        elif isinstance(event, ReactionEvent):
            await self._render_reaction(event)
        elif isinstance(event, _Notice):
            if await self._turn():
                await self._post_notice(event.text, event.thread)
        elif isinstance(event, StatusEvent):
            text = notice_for(event)
            if text and await self._turn():
                await self._post_notice(text, None)
            elif text:
                self._drop(event)

    async def _render_message(self, event: MessageEvent) -> None:
        parent = self._placed.get(event.reply_to) if event.reply_to is not None else None
        root = self._placed.get(event.thread_id) if event.thread_id is not None else None
        thread = parent.thread if parent else self._thread_of(root)
        quote = None
        if parent is not None:
            author, text = self._authors[event.reply_to]
            quote = (author, snippet(text), parent)
        seat = self.seats.get(event.author_id) or Seat(event.author_id, event.author_name)
        if not await self._turn():
            self._drop(event)
            return
        platform_id = await self._post(seat, event.text, thread, quote)
        self._remember(event, Placed(platform_id, thread))
        self._delivered(event, platform_id)

    async def _render_reaction(self, event: ReactionEvent) -> None:
        target = self._placed.get(event.message_id)
        if target is None:
            log.info("%s: reaction to message %s, which is not in the channel", self.name,
                     event.message_id)
            return
        if not await self._turn():
            return
        if await self._react_as_persona(event.author_id, target, event.emoji):
            return
        try:
            await self._react_as_app(target, event.emoji)
        except Exception as exc:  # e.g. an emoji the platform lacks: the line still shows it
            log.warning("%s: the app could not add %s: %s", self.name, event.emoji, exc)
        line = self._lines.setdefault(event.message_id, ReactionLine())
        if not line.add(event.emoji, event.author_name):
            return
        author = self._authors[event.message_id][0]
        if not await self._turn():
            return
        if line.line_id is None:
            line.line_id = await self._post_line(target, author, line.text())
        else:
            await self._edit_line(target, line.line_id, author, line.text())

    async def _turn(self) -> bool:
        """Wait for the rate limit to allow one more call; False if the room was stopped
        meanwhile (what waited is then not shown)."""
        await self._bucket.take()
        return not self._hurrying

    def _thread_of(self, root: Placed | None) -> str | None:
        """The platform thread for a message whose thread root is `root` (None: the channel)."""
        return root.thread if root else None

    # -- what each platform implements -------------------------------------------------------

    @abstractmethod
    async def _connect(self) -> None:
        """Log in, run the start-up checks (raising PlatformError), and start listening."""

    @abstractmethod
    async def _post(self, seat: Seat, text: str, thread: str | None,
                    quote: tuple[str, str, Placed] | None) -> str:
        """Post as `seat` (its own name and avatar); return the platform's message id."""

    @abstractmethod
    async def _post_notice(self, text: str, thread: str | None) -> None:
        """A short line from townhall itself (session started/ended, a refused message)."""

    @abstractmethod
    async def _react_as_persona(self, persona_id: str, target: Placed, emoji: str) -> bool:
        """React under the persona's own identity if it has one here; False if it has not."""

    @abstractmethod
    async def _react_as_app(self, target: Placed, emoji: str) -> None:
        """Add the reaction from the app's one identity."""

    @abstractmethod
    async def _post_line(self, target: Placed, author: str, text: str) -> str:
        """Post the attributed reaction line for `target`; return its id for later edits."""

    @abstractmethod
    async def _edit_line(self, target: Placed, line_id: str, author: str, text: str) -> None:
        """Bring an existing reaction line up to date."""

    @abstractmethod
    async def _disconnect(self) -> None:
        """Close every connection this adapter opened."""


@dataclass(frozen=True)
class _Notice:
    text: str
    thread: str | None


def _describe(event: RoomEvent | _Notice) -> str:
    if isinstance(event, MessageEvent):
        return f"message {event.id} by {event.author_name}"
    if isinstance(event, ReactionEvent):
        return f"{event.author_name}'s {event.emoji} on message {event.message_id}"
    return type(event).__name__
