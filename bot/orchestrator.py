"""The orchestrator: one room, its event log, who gets a turn, budgets, pause/resume and a clean end.

Scheduling is a small discrete-event simulation in simulated seconds. A scenario policy
(bot/scenarios: discussion, meeting, feed) decides who gets a turn for each message, what each
persona sees, and which timed phases run (a chair's call, a vote, a feed session). A persona with
a turn looks at the room at `due` (its decision sees the room as it is then) and its
action lands at `due + compose`. Decisions run concurrently, but a turn is only launched once every
action landing before its `due` has been applied, and actions are applied in landing order. So the
same seed and the same model answers give the same transcript, however long each call takes.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import json
import re
import time
import unicodedata
import uuid
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from agents.agent import Agent, Outcome
from agents.context import BlockWindow, DecisionContext, VisibleMessage
from agents.decision import IGNORE
from agents.gate import GateSettings, SpeakGate
from agents.llm.base import LLM
from agents.packs import Pack
from agents.persona import Persona
from agents.sanitize import room_names, strip_mass_mentions
from bot.clock import SimClock
from bot.events import (
    DecisionEvent,
    LLMCallEvent,
    MessageEvent,
    ReactionEvent,
    RoomEvent,
    StatusEvent,
    StoredEvent,
    TypingEvent,
)
from bot.scenarios import Scenario, make_scenario
from bot.transcript import ParticipantRecord, RunRecord, Transcript

MAX_HUMAN_MESSAGE_CHARS = 4000
# Each failed call has already been retried by its backend; this many in a row is an outage or a
# misconfiguration, and waiting out every persona's turn would only burn the user's time.
MAX_FAILED_CALLS_IN_A_ROW = 5
MAX_EMOJI_CHARS = 16
_MENTION = re.compile(r"@([\w.\-]+)")


def _looks_like_emoji(text: str) -> bool:
    """Short, a pictograph (or keycap) in it, and no letters, spaces or control characters."""
    kinds = [unicodedata.category(c) for c in text]
    return (0 < len(text) <= MAX_EMOJI_CHARS and ("So" in kinds or "\u20e3" in text)
            and not any(k[0] in "LZ" or k == "Cc" for k in kinds))


@dataclass(frozen=True)
class Budgets:
    max_messages: int | None = None
    max_llm_calls: int | None = None
    max_tokens: int | None = None
    max_cost: float | None = None
    max_seconds: float | None = None


@dataclass(frozen=True)
class RunSettings:
    seed: int = 0
    speed: float = 1.0
    concurrency: int = 8
    window: int = 12  # a persona sees at least this many recent messages...
    # ...and the oldest shown moves in jumps of this many (agents.context.BlockWindow): the prompt
    # stays append-only between jumps, so prompt caching serves it. 16 (bench_llm) keeps it at 12-27
    # messages, and under Anthropic's 20-block lookback: a persona's two calls between jumps are
    # never more than 15 message blocks apart, so the later one always finds the earlier's entry.
    window_block: int = 16
    stop_when_quiet: bool = True
    budgets: Budgets = field(default_factory=Budgets)
    gate: GateSettings = field(default_factory=GateSettings)


# A scenario's own way to act on a turn (a forced reply, a vote, a feed action) instead of decide().
Act = Callable[[Agent, DecisionContext], Awaitable[Outcome]]


@dataclass
class Turn:
    order: int
    persona: int
    trigger_id: int
    due: float
    landing: float = 0.0
    task: asyncio.Task | None = None
    act: Act | None = None
    context: DecisionContext | None = None  # set by the scenario when it is not the room's window
    tag: Any = None  # the scenario's note on what this turn is for


@dataclass
class Timer:
    """A scenario phase that fires at a simulated time (the chair speaks, a wait runs out)."""

    due: float
    fire: Callable[[], None]
    cancelled: bool = False


@dataclass
class Usage:
    llm_calls: int = 0
    tokens: int = 0
    cost_usd: float = 0.0
    messages: int = 0
    reactions: int = 0


class HumanInputError(ValueError):
    """A human post the room refuses (too long, empty, bad reply target); nothing is written."""


class Orchestrator:
    def __init__(self, pack: Pack, llm_for: Callable[[Persona], LLM], transcript: Transcript,
                 settings: RunSettings, *, model_name: str, platform: str = "terminal",
                 scenario: str | Scenario = "discussion", title: str | None = None,
                 personas: Sequence[Persona] | None = None, run_id: str | None = None,
                 batch_id: str | None = None, variant: str | None = None) -> None:
        self.pack = pack
        self.personas = list(personas if personas is not None else pack.personas)
        self.transcript = transcript
        self.settings = settings
        self.model_name = model_name
        self.platform = platform
        if isinstance(scenario, str):
            scenario = make_scenario(scenario)
        self.policy = scenario
        self.scenario = scenario.name
        self.title = title
        self.batch_id, self.variant = batch_id, variant
        self.run_id = run_id or uuid.uuid4().hex[:10]
        self.clock = SimClock(settings.speed, follow_wall=not settings.stop_when_quiet)
        self.gate = SpeakGate(self.personas, settings.gate, settings.seed)
        names = room_names(self.personas)
        self.agents = [Agent(p, llm_for(p), pack.room.name, pack.room.topic, names)
                       for p in self.personas]
        self.usage = Usage()
        self._index = {p.id: i for i, p in enumerate(self.personas)}
        self._handles: dict[str, int] = {}
        for i, p in enumerate(self.personas):
            for handle in p.handles():
                self._handles.setdefault(handle, i)
        self._names: dict[str, str] = {p.id: p.name for p in self.personas}
        self._messages: dict[int, VisibleMessage] = {}
        self._mentions: dict[int, tuple[int, ...]] = {}
        self._window = BlockWindow(settings.window, settings.window_block)
        self._said: list[deque[str]] = [deque(maxlen=20) for _ in self.personas]
        self._reacted: set[tuple[str, int, str]] = set()  # (author id, message id, emoji)
        self._pending: list[tuple[float, int, Turn | Timer]] = []
        self._landing: list[tuple[float, int, Turn]] = []
        self._order = itertools.count()
        self._seq = itertools.count()
        self._message_ids = itertools.count(1)
        self._semaphore = asyncio.Semaphore(max(1, settings.concurrency))
        self._subscribers: list[Callable[[RoomEvent], None]] = []
        self._stop_reason: str | None = None
        self._stop_now = False
        self._failed_calls = 0  # model calls failed in a row
        self._draining = False
        self._started_wall = 0.0
        self.finished = asyncio.Event()
        self.policy.bind(self)

    # -- wiring ------------------------------------------------------------------------------

    def subscribe(self, deliver: Callable[[RoomEvent], None]) -> None:
        """`deliver` must not block: platforms queue the event and render it in their own task."""
        self._subscribers.append(deliver)

    def _publish(self, event: RoomEvent) -> None:
        for deliver in self._subscribers:
            deliver(event)

    def record(self, event: StoredEvent) -> None:
        """Append to the transcript first; only then show it anywhere. Scenarios record their
        own stored events (a vote, a report) through this too, in the run's order."""
        self.transcript.append(event)
        if isinstance(event, MessageEvent | ReactionEvent | StatusEvent):
            self._publish(event)

    def status(self, kind: str, **data: object) -> None:
        self.record(StatusEvent(self.run_id, next(self._seq), kind, time.time(), self.clock.now, data))

    @property
    def next_seq(self) -> int:
        return next(self._seq)

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self, parent_run_id: str | None = None, forked_at: int | None = None,
                    inherit: Sequence[MessageEvent | ReactionEvent] = ()) -> str:
        """Open the run. A fork passes its parent's prefix as `inherit`: copied before anything
        else happens, with the same ids, authors and text, and marked inherited."""
        settings = asdict(self.settings)
        settings["scenario_options"] = self.policy.options()
        participants = [ParticipantRecord(p.id, "persona", p.name, p.role, p.color, p.avatar,
                                          p.model or self.model_name) for p in self.personas]
        await self.transcript.create_run(
            RunRecord(self.run_id, self.pack.name, self.scenario, self.model_name, self.platform,
                      self.settings.seed, self.title, json.dumps(settings, default=str),
                      parent_run_id, forked_at, self.batch_id, self.variant),
            participants)
        self._started_wall = time.monotonic()
        self.status("started", pack=self.pack.name, model=self.model_name, seed=self.settings.seed)
        for event in inherit:
            if event.author_id not in self._names and event.author_id.startswith("human:"):
                self._names[event.author_id] = event.author_name
                await self.transcript.add_participant(
                    self.run_id, ParticipantRecord(event.author_id, "human", event.author_name))
            self._inherit(event)
        self.policy.begin()
        return self.run_id

    def request_stop(self, reason: str = "stopped") -> None:
        if self._stop_reason is None or self._draining:
            self._stop_reason = reason
        self._stop_now = True
        self.clock.interrupt()
        self.clock.resume()

    def pause(self) -> None:
        if not self.clock.paused:
            self.clock.pause()
            self.status("paused")

    def resume(self) -> None:
        if self.clock.paused:
            self.clock.resume()
            self.status("resumed")

    def set_speed(self, speed: float) -> None:
        self.clock.set_speed(speed)
        self.status("speed", speed=speed)

    # -- input -------------------------------------------------------------------------------

    @staticmethod
    def human_id(name: str) -> str:
        return "human:" + re.sub(r"[^\w.-]+", "-", name.strip().lower())[:40]

    async def join_human(self, name: str) -> str:
        human_id = self.human_id(name)
        self._names[human_id] = name.strip()[:80] or "Guest"
        await self.transcript.add_participant(
            self.run_id, ParticipantRecord(human_id, "human", self._names[human_id]))
        self.status("joined", id=human_id, name=self._names[human_id])
        return human_id

    async def _seat_human(self, name: str) -> str:
        """The human's id; they join the room (recorded) the first time they post or react."""
        human_id = self.human_id(name)
        if human_id not in self._names:
            await self.join_human(name)
        return human_id

    async def post_human(self, name: str, text: str, reply_to: int | None = None,
                         thread_id: int | None = None) -> MessageEvent:
        text = text.strip()
        if not text:
            raise HumanInputError("the message is empty")
        if len(text) > MAX_HUMAN_MESSAGE_CHARS:
            raise HumanInputError(f"the message is {len(text)} characters; the limit is "
                                  f"{MAX_HUMAN_MESSAGE_CHARS}")
        if reply_to is not None and reply_to not in self._messages:
            raise HumanInputError(f"there is no message {reply_to} to reply to")
        if thread_id is not None and (thread_id not in self._messages
                                      or self._messages[thread_id].thread_id is not None):
            raise HumanInputError(f"there is no thread {thread_id} to post in")
        if thread_id is None and reply_to is not None:  # a reply stays in its parent's thread
            thread_id = self._messages[reply_to].thread_id
        human_id = await self._seat_human(name)
        now = self.clock.live_now()
        self.clock.now = now
        event = self._add_message(human_id, "human", text, reply_to, now, thread_id)
        self.clock.interrupt()
        return event

    async def post_human_reaction(self, name: str, message_id: int, emoji: str
                                  ) -> ReactionEvent | None:
        """A human's emoji on a message; None if they already reacted so (the log only grows)."""
        emoji = emoji.strip()
        if not _looks_like_emoji(emoji):
            raise HumanInputError("a reaction is one emoji, like 👍")
        if message_id not in self._messages:
            raise HumanInputError(f"there is no message {message_id} to react to")
        human_id = await self._seat_human(name)
        return self._add_reaction(human_id, message_id, emoji, self.clock.live_now())

    def mute(self, persona_id: str, muted: bool = True) -> None:
        """Leave a persona out of (or back into) every turn from now on; recorded like a pause."""
        index = self._index.get(persona_id)
        if index is None:
            raise HumanInputError(f"there is no persona '{persona_id}' in this room")
        if bool(self.gate.muted[index]) != muted:
            self.gate.muted[index] = muted
            self.status("muted" if muted else "unmuted", id=persona_id,
                         name=self.personas[index].name)

    def muted_ids(self) -> list[str]:
        return [self.personas[i].id for i in self.gate.muted.nonzero()[0].tolist()]

    # -- the room's state --------------------------------------------------------------------

    def _mentioned(self, text: str) -> tuple[int, ...]:
        found = {self._handles[h.lower()] for h in _MENTION.findall(text) if h.lower() in self._handles}
        return tuple(sorted(found))

    def exchange_partner(self, author: int, reply_to: int | None) -> int | None:
        """If `author` and someone have gone back and forth too long, that someone must not answer."""
        if reply_to is None:
            return None
        parent = self._messages.get(reply_to)
        partner = self._index.get(parent.author_id) if parent else None
        if partner is None:
            return None
        pair = {self.personas[author].id, self.personas[partner].id}
        length, cursor = 1, parent
        while cursor and cursor.author_id in pair and length < self.settings.gate.max_exchange:
            length += 1
            cursor = self._messages.get(cursor.reply_to) if cursor.reply_to is not None else None
        return partner if length >= self.settings.gate.max_exchange else None

    def _add_message(self, author_id: str, kind: str, text: str, reply_to: int | None,
                     vtime: float, thread_id: int | None = None, *, quote_of: int | None = None,
                     inherited: bool = False) -> MessageEvent:
        message_id = next(self._message_ids)
        event = MessageEvent(self.run_id, next(self._seq), message_id, kind, author_id,
                             self._names.get(author_id, author_id), text, time.time(), vtime,
                             reply_to, thread_id, inherited, quote_of)
        self.record(event)
        visible = VisibleMessage(message_id, author_id, event.author_name, kind, text, reply_to,
                                 thread_id, quote_of)
        self._messages[message_id] = visible
        self._window.append(visible)
        self.usage.messages += not inherited  # a fork's copied prefix is not this run's doing
        self._mentions[message_id] = self._mentioned(text)
        author = self._index.get(author_id)
        if author is not None:
            self.gate.spoke(author, vtime)
            self._said[author].append(text)
        if inherited or self._budget_reached_on_messages() or self._draining:
            return event  # no new turns for a copied prefix, or once the run is ending
        self.policy.on_message(visible, author, vtime)
        return event

    # -- what a scenario builds with ------------------------------------------------------

    def message(self, message_id: int | None) -> VisibleMessage | None:
        return self._messages.get(message_id) if message_id is not None else None

    def index_of(self, author_id: str) -> int | None:
        """The persona index of an author, or None for a human."""
        return self._index.get(author_id)

    def mentions(self, message_id: int) -> tuple[int, ...]:
        return self._mentions[message_id]

    def said(self, persona: int) -> tuple[str, ...]:
        return tuple(self._said[persona])

    def give_turn(self, persona: int, trigger_id: int, due: float, *, act: Act | None = None,
                  context: DecisionContext | None = None, tag: Any = None) -> Turn:
        """`persona` looks at message `trigger_id` at simulated time `due` and acts."""
        turn = Turn(next(self._order), persona, trigger_id, due, act=act, context=context, tag=tag)
        heapq.heappush(self._pending, (due, turn.order, turn))
        return turn

    def schedule(self, due: float, fire: Callable[[], None]) -> Timer:
        """Run `fire` at simulated time `due`, after every action that lands before it."""
        timer = Timer(max(due, self.clock.now), fire)
        heapq.heappush(self._pending, (timer.due, next(self._order), timer))
        self.clock.interrupt()
        return timer

    def post(self, author_id: str, text: str, *, reply_to: int | None = None,
             thread_id: int | None = None, quote_of: int | None = None) -> MessageEvent:
        """A persona's message, now (a chair's procedural line, a turn's reply)."""
        return self._add_message(author_id, "persona", strip_mass_mentions(text), reply_to,
                                 self.clock.now, thread_id, quote_of=quote_of)

    def react(self, persona: int, message_id: int, emoji: str) -> bool:
        """A persona's reaction, once per (persona, message, emoji); False if it was a repeat."""
        return self._add_reaction(self.personas[persona].id, message_id, emoji, self.clock.now) is not None

    def _add_reaction(self, author_id: str, message_id: int, emoji: str, vtime: float
                      ) -> ReactionEvent | None:
        """Anyone's reaction, once per (author, message, emoji); None if it was a repeat."""
        key = (author_id, message_id, emoji)
        if key in self._reacted:
            return None
        self._reacted.add(key)
        self.usage.reactions += 1
        event = ReactionEvent(self.run_id, next(self._seq), message_id, author_id,
                              self._names.get(author_id, author_id), emoji, time.time(), vtime)
        self.record(event)
        return event

    def _inherit(self, event: MessageEvent | ReactionEvent) -> None:
        """Rebuild the room from a parent run's prefix (a fork): stored as inherited, no turns."""
        if isinstance(event, MessageEvent):
            self._names.setdefault(event.author_id, event.author_name)
            self.clock.now = max(self.clock.now, event.vtime)
            copy = self._add_message(event.author_id, event.author_kind, event.text, event.reply_to,
                                     event.vtime, event.thread_id, quote_of=event.quote_of,
                                     inherited=True)
            self.policy.on_inherited(self._messages[copy.id])
        else:
            author = self._index.get(event.author_id)
            self._reacted.add((event.author_id, event.message_id, event.emoji))
            self.policy.on_inherited_reaction(event.message_id, author, event.emoji, event.vtime)
            self.record(ReactionEvent(self.run_id, next(self._seq), event.message_id,
                                       event.author_id, event.author_name, event.emoji, time.time(),
                                       event.vtime, inherited=True))

    def room_context(self, turn: Turn) -> DecisionContext:
        """What a persona sees in an open room: the recent window, and whether it was addressed."""
        trigger = self._messages[turn.trigger_id]
        me = self.personas[turn.persona].id
        parent = self._messages.get(trigger.reply_to) if trigger.reply_to is not None else None
        return DecisionContext(
            room_name=self.pack.room.name, room_topic=self.pack.room.topic, trigger=trigger,
            window=self._window.view(), mentioned=turn.persona in self._mentions[trigger.id],
            replied_to_me=parent is not None and parent.author_id == me,
            my_recent_texts=tuple(self._said[turn.persona]), seed=self.settings.seed)

    # -- budgets -----------------------------------------------------------------------------

    def _budget_reached_on_messages(self) -> bool:
        limit = self.settings.budgets.max_messages
        if limit is not None and self.usage.messages >= limit:
            self.request_stop(f"budget: max-messages {limit}")
            return True
        return False

    def _spending_budget_reached(self) -> str | None:
        b, u = self.settings.budgets, self.usage
        in_flight = len(self._landing)
        if b.max_llm_calls is not None and u.llm_calls + in_flight >= b.max_llm_calls:
            return f"budget: max-llm-calls {b.max_llm_calls}"
        if b.max_tokens is not None and u.tokens >= b.max_tokens:
            return f"budget: max-tokens {b.max_tokens}"
        if b.max_cost is not None and u.cost_usd >= b.max_cost:
            return f"budget: max-cost ${b.max_cost:g}"
        return None

    def _time_left(self) -> float | None:
        limit = self.settings.budgets.max_seconds
        if limit is None:
            return None
        return limit - (time.monotonic() - self._started_wall)

    # -- the loop ----------------------------------------------------------------------------

    async def run(self) -> str:
        """Run until quiet (headless), a budget, or a stop request. Returns why it ended."""
        try:
            reason = await self._loop()
        except asyncio.CancelledError:
            reason = self._stop_reason or "cancelled"
            await self._finish("finished", reason)
            raise
        except Exception as exc:
            await self._finish("failed", f"{type(exc).__name__}: {exc}")
            raise
        await self._finish("finished", reason)
        return reason

    async def _loop(self) -> str:
        while True:
            if self._stop_now:
                return self._stop_reason or "stopped"
            left = self._time_left()
            if left is not None and left <= 0:
                return f"budget: max-seconds {self.settings.budgets.max_seconds:g}"
            if self.clock.paused:
                await self._wait_for_change(left)
                continue
            if not self._draining:
                spent = self._spending_budget_reached()
                if spent:
                    self._draining, self._stop_reason = True, spent
                    self._pending.clear()
            next_due = self._pending[0][0] if self._pending else float("inf")
            next_landing = self._landing[0][0] if self._landing else float("inf")
            if next_due == next_landing == float("inf"):
                if not self._draining and not self._stop_now and self.policy.on_quiet():
                    continue
                if self._draining or self.settings.stop_when_quiet:
                    return self._stop_reason or "quiet: nobody wants to speak"
                await self._wait_for_change(left)
                continue
            if next_due <= next_landing:
                if await self.clock.advance_to(next_due):
                    item = heapq.heappop(self._pending)[2]
                    if isinstance(item, Turn):
                        self._launch(item)
                    elif not item.cancelled:
                        item.fire()
                continue
            turn = self._landing[0][2]
            if not turn.task.done():
                await self._wait_for(turn.task, left)
                continue
            if await self.clock.advance_to(turn.landing):
                heapq.heappop(self._landing)
                self._apply(turn)

    async def _wait_for_change(self, timeout: float | None) -> None:
        await self.clock.wait_interrupt(timeout)

    async def _wait_for(self, task: asyncio.Task, timeout: float | None) -> None:
        interrupt = asyncio.ensure_future(self.clock.wait_interrupt())
        await asyncio.wait({task, interrupt}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        interrupt.cancel()

    def _launch(self, turn: Turn) -> None:
        turn.landing = turn.due + self.gate.compose_delay()
        context = turn.context or self.policy.context(turn)
        turn.task = asyncio.create_task(self._decide(turn, context))
        heapq.heappush(self._landing, (turn.landing, turn.order, turn))

    async def _decide(self, turn: Turn, context: DecisionContext) -> Outcome:
        async with self._semaphore:
            try:
                agent = self.agents[turn.persona]
                outcome = await (turn.act(agent, context) if turn.act else agent.decide(context))
            except Exception as exc:  # a bug in a backend costs one turn, never the run
                outcome = Outcome(IGNORE, "fallback", error=f"{type(exc).__name__}: {exc}"[:500])
        if outcome.decision.action == "reply" and self.clock.speed:
            persona = self.personas[turn.persona]
            self._publish(TypingEvent(self.run_id, persona.id, persona.name, True))
        return outcome

    def _apply(self, turn: Turn) -> None:
        """Write one persona's whole action: its model calls, its decision, then what it did."""
        persona = self.personas[turn.persona]
        self.gate.done(turn.persona)
        if turn.task.cancelled():
            return
        outcome: Outcome = turn.task.result()
        now, wall = self.clock.now, time.time()
        for call in outcome.calls:
            self.record(LLMCallEvent(
                self.run_id, next(self._seq), persona.id, call.model, call.purpose, wall,
                call.input_tokens, call.cached_input_tokens, call.cache_creation_tokens,
                call.output_tokens, call.cost_usd, call.latency_ms, call.from_cache, call.error))
            self.usage.llm_calls += 1
            self.usage.tokens += call.input_tokens + call.output_tokens
            self.usage.cost_usd += call.cost_usd
            self._failed_calls = self._failed_calls + 1 if call.error else 0
            if self._failed_calls == MAX_FAILED_CALLS_IN_A_ROW:
                self.request_stop(f"the model keeps failing ({MAX_FAILED_CALLS_IN_A_ROW} calls in a "
                                  f"row, after retries): {call.error} — fix: check the --model "
                                  "spec, that its server is reachable and its key is valid")
        decision = outcome.decision
        self.record(DecisionEvent(self.run_id, next(self._seq), persona.id, turn.trigger_id,
                                   decision.action, outcome.source, wall, now, decision.reason,
                                   outcome.error))
        if decision.action == "reply" and self.clock.speed:
            self._publish(TypingEvent(self.run_id, persona.id, persona.name, False))
        self.policy.apply(turn, outcome)

    async def fail(self, reason: str) -> None:
        """End a run that could not go on (e.g. its platform would not connect)."""
        await self._finish("failed", reason)

    async def _finish(self, status: str, reason: str) -> None:
        in_flight = [turn.task for _, _, turn in self._landing if turn.task and not turn.task.done()]
        for task in in_flight:
            task.cancel()
        await asyncio.gather(*in_flight, return_exceptions=True)
        try:
            self.policy.finish(reason)
        except Exception as exc:  # a scenario's closing report must never lose the run's end
            self.status("error", where=f"{self.scenario} finish",
                         error=f"{type(exc).__name__}: {exc}")
        self.status("finished", reason=reason)
        await self.transcript.finish_run(self.run_id, status, reason)
        self.finished.set()
