"""The orchestrator: one run of a room, its event log, who gets a turn, budgets, pause/resume and a
clean end.

Scheduling is a small discrete-event simulation in simulated seconds. A scenario policy
(bot.engine.policy; bot.scenarios has discussion, meeting, feed) decides who gets a turn for each
message, what each persona sees, and which timed phases run (a chair's call, a vote, a feed session). A persona with
a turn looks at the room at `due` (its decision sees the room as it is then) and its
action lands at `due + compose`. Decisions run concurrently, but a turn is only launched once every
action landing before its `due` has been applied, and actions are applied in landing order. So the
same seed and the same model answers give the same transcript, however long each call takes.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, replace
from typing import Any

from agents.agent import Agent, Outcome
from agents.appraisal import Appraiser
from agents.context import DecisionContext, VisibleMessage
from agents.decisions import IGNORE
from agents.gate import SpeakGate
from agents.llm import LLM
from agents.packs import Pack
from agents.persona import Persona
from agents.redact import redact
from agents.sanitize import room_names, strip_mass_mentions
from bot.engine.budgets import RunTotals
from bot.engine.clock import SimClock
from bot.engine.conversation import Conversation
from bot.engine.human_input import HumanInputError, checked_emoji, checked_text, human_id
from bot.engine.opinions import Opinions
from bot.engine.policy import Act, Policy, Timer, Turn
from bot.engine.schedule import NEVER, Schedule
from bot.engine.settings import RunSettings
from bot.transcript import ParticipantRecord, RunRecord, Transcript
from bot.transcript.events import (
    DecisionEvent,
    LLMCallEvent,
    MessageEvent,
    ReactionEvent,
    RoomEvent,
    StatusEvent,
    StoredEvent,
    TypingEvent,
)


class Orchestrator:
    def __init__(self, pack: Pack, llm_for: Callable[[Persona], LLM], transcript: Transcript,
                 settings: RunSettings, *, policy: Policy, model_name: str,
                 platform: str = "terminal", title: str | None = None,
                 personas: Sequence[Persona] | None = None, run_id: str | None = None,
                 batch_id: str | None = None, variant: str | None = None) -> None:
        self.pack = pack
        self.personas = list(personas if personas is not None else pack.personas)
        self.transcript = transcript
        self.settings = settings
        self.model_name = model_name
        self.platform = platform
        self.policy = policy
        self.title = title
        self.batch_id, self.variant = batch_id, variant
        self.run_id = run_id or uuid.uuid4().hex[:10]
        self.clock = SimClock(settings.speed, follow_wall=not settings.stop_when_quiet)
        self.gate = SpeakGate(self.personas, settings.gate, settings.seed)
        names = room_names(self.personas)
        self.agents = [Agent(p, llm_for(p), pack.room.name, pack.room.topic, names)
                       for p in self.personas]
        self.totals = RunTotals()
        self.conversation = Conversation(self.personas, settings.window, settings.window_block,
                                         settings.gate.max_exchange)
        self.opinions = Opinions(Appraiser(self.personas, seed=settings.seed,
                                           room_topic=pack.room.topic), self.conversation,
                                 settings.gate, matter_of=lambda m: self.policy.matter_of(m))
        self._names: dict[str, str] = {p.id: p.name for p in self.personas}
        self._reacted: set[tuple[str, int, str]] = set()  # (author id, message id, emoji)
        self.queue = Schedule()
        self._seq = itertools.count()
        self._message_ids = itertools.count(1)
        self._semaphore = asyncio.Semaphore(max(1, settings.concurrency))
        self._subscribers: list[Callable[[RoomEvent], None]] = []
        self._stop_reason: str | None = None
        self._stop_now = False
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
                    inherit: Sequence[MessageEvent | ReactionEvent] = (),
                    resume_at: float = 0.0) -> str:
        """Open the run. A fork passes its parent's prefix as `inherit`: copied before anything
        else happens, with the same ids, authors and text, and marked inherited; its simulated
        time goes on from `resume_at`, where the parent was when the replaced message came."""
        settings = asdict(self.settings)
        settings["scenario_options"] = self.policy.options()
        participants = [ParticipantRecord(p.id, "persona", p.name, p.role, p.color, p.avatar,
                                          p.model or self.model_name) for p in self.personas]
        await self.transcript.create_run(
            RunRecord(self.run_id, self.pack.name, self.policy.name, self.model_name, self.platform,
                      self.settings.seed, self.title, json.dumps(settings, default=str),
                      parent_run_id, forked_at, self.batch_id, self.variant),
            participants)
        await asyncio.to_thread(self.opinions.appraiser.warm)  # off the loop: a live room serves
        self._started_wall = time.monotonic()
        self.status("started", pack=self.pack.name, model=self.model_name, seed=self.settings.seed)
        for event in inherit:
            if event.author_id not in self._names and event.author_id.startswith("human:"):
                self._names[event.author_id] = event.author_name
                await self.transcript.add_participant(
                    self.run_id, ParticipantRecord(event.author_id, "human", event.author_name))
            self._inherit(event)
        self.clock.now = max(self.clock.now, resume_at)
        self.policy.begin()
        return self.run_id

    def request_stop(self, reason: str = "stopped") -> None:
        if self._stop_reason is None or self._draining:
            self._stop_reason = reason
        self._stop_now = True
        self.clock.interrupt()
        self.clock.resume()

    def wall_seconds_left(self) -> float | None:
        """What is left of --max-seconds (None without it); it counts from the run's start."""
        return self.settings.budgets.seconds_left(self._started_wall)

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

    async def join_human(self, name: str) -> str:
        who = human_id(name)
        self._names[who] = name.strip()[:80] or "Guest"
        await self.transcript.add_participant(
            self.run_id, ParticipantRecord(who, "human", self._names[who]))
        self.status("joined", id=who, name=self._names[who])
        return who

    async def _seat_human(self, name: str) -> str:
        """The human's id; they join the room (recorded) the first time they post or react."""
        who = human_id(name)
        if who not in self._names:
            await self.join_human(name)
        return who

    async def post_human(self, name: str, text: str, reply_to: int | None = None,
                         thread_id: int | None = None) -> MessageEvent:
        text = checked_text(text)
        parent, root = self.message(reply_to), self.message(thread_id)
        if reply_to is not None and parent is None:
            raise HumanInputError(f"there is no message {reply_to} to reply to")
        if thread_id is not None and (root is None or root.thread_id is not None):
            raise HumanInputError(f"there is no thread {thread_id} to post in")
        if thread_id is None and parent is not None:  # a reply stays in its parent's thread
            thread_id = parent.thread_id
        author = await self._seat_human(name)
        now = self.clock.live_now()
        self.clock.now = now
        event = self._add_message(author, "human", text, reply_to, now, thread_id)
        self.clock.interrupt()
        await self.transcript.saved()  # whoever posted is told only once it is on disk
        return event

    async def post_human_reaction(self, name: str, message_id: int, emoji: str
                                  ) -> ReactionEvent | None:
        """A human's emoji on a message; None if they already reacted so (the log only grows)."""
        emoji = checked_emoji(emoji)
        if self.message(message_id) is None:
            raise HumanInputError(f"there is no message {message_id} to react to")
        author = await self._seat_human(name)
        event = self._add_reaction(author, message_id, emoji, self.clock.live_now())
        await self.transcript.saved()
        return event

    def mute(self, persona_id: str, muted: bool = True) -> None:
        """Leave a persona out of (or back into) every turn from now on; recorded like a pause."""
        index = self.index_of(persona_id)
        if index is None:
            raise HumanInputError(f"there is no persona '{persona_id}' in this room")
        if bool(self.gate.muted[index]) != muted:
            self.gate.muted[index] = muted
            self.status("muted" if muted else "unmuted", id=persona_id,
                         name=self.personas[index].name)

    def muted_ids(self) -> list[str]:
        return [self.personas[i].id for i in self.gate.muted.nonzero()[0].tolist()]

    # -- the run's messages and reactions --------------------------------------------------

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
        author = self.conversation.add(visible)
        self.totals.messages += not inherited  # a fork's copied prefix is not this run's doing
        if author is not None:
            self.gate.spoke(author, vtime)
            self.opinions.spoke(visible, author)
        reached = self.settings.budgets.messages_reached(self.totals)
        if reached:
            self.request_stop(reached)
        if inherited or reached or self._draining:
            return event  # no new turns for a copied prefix, or once the run is ending
        self.policy.on_message(visible, author, vtime)
        return event

    # -- what a scenario builds with ------------------------------------------------------

    def message(self, message_id: int | None) -> VisibleMessage | None:
        return self.conversation.message(message_id)

    def index_of(self, author_id: str) -> int | None:
        """The persona index of an author, or None for a human."""
        return self.conversation.index_of(author_id)

    def open_context(self, turn: Turn) -> DecisionContext:
        return self.conversation.open_context(turn.persona, turn.trigger_id, self.pack.room.name,
                                              self.pack.room.topic, self.settings.seed)

    def give_turn(self, persona: int, trigger_id: int, due: float, *, act: Act | None = None,
                  context: DecisionContext | None = None, tag: Any = None) -> Turn:
        """`persona` looks at message `trigger_id` at simulated time `due` and acts. Once the run
        is ending (a spending budget reached), nothing new starts: the turn is not queued."""
        if self._draining or self._stop_now:
            self.gate.done(persona)
            return Turn(-1, persona, trigger_id, due, act=act, context=context, tag=tag)
        return self.queue.turn(persona, trigger_id, due, act=act, context=context, tag=tag)

    def schedule(self, due: float, fire: Callable[[], None]) -> Timer:
        """Run `fire` at simulated time `due`, after every action that lands before it."""
        timer = self.queue.timer(max(due, self.clock.now), fire)
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
        self.totals.reactions += 1
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
            self.policy.on_inherited(self.message(copy.id))
        else:
            author = self.index_of(event.author_id)
            self._reacted.add((event.author_id, event.message_id, event.emoji))
            self.policy.on_inherited_reaction(event.message_id, author, event.emoji, event.vtime)
            self.record(ReactionEvent(self.run_id, next(self._seq), event.message_id,
                                       event.author_id, event.author_name, event.emoji, time.time(),
                                       event.vtime, inherited=True))

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
            await self._finish("failed", redact(f"{type(exc).__name__}: {exc}"))
            raise
        await self._finish("finished", reason)
        return reason

    async def _loop(self) -> str:
        queue = self.queue
        while True:
            if self._stop_now:
                return self._stop_reason or "stopped"
            left = self.wall_seconds_left()
            if left is not None and left <= 0:
                return f"budget: max-seconds {self.settings.budgets.max_seconds:g}"
            if self.clock.paused:
                await self.clock.wait_interrupt(left)
                continue
            if not self._draining:
                spent = self.settings.budgets.spending_reached(self.totals, queue.in_flight)
                if spent:
                    self._draining, self._stop_reason = True, spent
                    queue.drop_waiting()
            next_due, next_landing = queue.next_due, queue.next_landing
            if next_due == next_landing == NEVER:
                if not self._draining and not self._stop_now and self.policy.on_quiet():
                    continue
                if self._draining or self.settings.stop_when_quiet:
                    return self._stop_reason or "quiet: nobody wants to speak"
                await self.clock.wait_interrupt(left)
                continue
            if next_due <= next_landing:
                if await self.clock.advance_to(next_due):
                    item = queue.pop_due()
                    if isinstance(item, Turn):
                        self._launch(item)
                    elif not item.cancelled:
                        item.fire()
                continue
            turn = queue.first_landing()
            if not turn.task.done():
                await self._wait_for(turn.task, left)
                continue
            if await self.clock.advance_to(turn.landing):
                self._apply(queue.pop_landing())

    async def _wait_for(self, task: asyncio.Task, timeout: float | None) -> None:
        interrupt = asyncio.ensure_future(self.clock.wait_interrupt())
        await asyncio.wait({task, interrupt}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        interrupt.cancel()

    def _launch(self, turn: Turn) -> None:
        landing = turn.due + self.gate.compose_delay()
        turn.trigger_id = self.policy.focus(turn)
        context = turn.context or self.policy.context(turn)
        if context.appraisal is None:  # how the persona takes what it is about to answer
            trigger = self.message(turn.trigger_id)
            context = replace(context, appraisal=self.opinions.of_turn(
                turn.persona, turn.trigger_id, self.index_of(trigger.author_id)))
        turn.context = context = replace(context, answer_by=landing)
        self.queue.deciding(turn, landing, asyncio.create_task(self._decide(turn, context)))

    async def _decide(self, turn: Turn, context: DecisionContext) -> Outcome:
        async with self._semaphore:
            try:
                agent = self.agents[turn.persona]
                outcome = await (turn.act(agent, context) if turn.act else agent.decide(context))
            except Exception as exc:  # a bug in a backend costs one turn, never the run
                outcome = Outcome(IGNORE, "fallback", error=redact(f"{type(exc).__name__}: {exc}")[:500])
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
            self.record(LLMCallEvent(self.run_id, next(self._seq), persona.id, wall, call))
            failing = self.totals.add_call(call)
            if failing:
                self.request_stop(failing)
        decision, seen = outcome.decision, turn.context.appraisal if turn.context else None
        self.record(DecisionEvent(self.run_id, next(self._seq), persona.id, turn.trigger_id,
                                   decision.action, outcome.source, wall, now, decision.reason,
                                   outcome.error, seen))
        if decision.action == "reply" and self.clock.speed:
            self._publish(TypingEvent(self.run_id, persona.id, persona.name, False))
        self.policy.apply(turn, outcome)

    async def fail(self, reason: str) -> None:
        """End a run that could not go on (e.g. its platform would not connect)."""
        await self._finish("failed", reason)

    async def _finish(self, status: str, reason: str) -> None:
        in_flight = self.queue.undecided()
        for task in in_flight:
            task.cancel()
        await asyncio.gather(*in_flight, return_exceptions=True)
        try:
            self.policy.finish(reason)
        except Exception as exc:  # a scenario's closing report must never lose the run's end
            self.status("error", where=f"{self.policy.name} finish",
                         error=redact(f"{type(exc).__name__}: {exc}"))
        self.status("finished", reason=reason)
        await self.transcript.finish_run(self.run_id, status, reason)
        self.finished.set()
