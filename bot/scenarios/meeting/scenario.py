"""A chaired board meeting: the chair opens, presents each agenda item and calls on every member;
members may question the presenter (the human) and wait a bounded time for the answer; open debate
runs within a time box and a per-member floor limit (the chair cuts off whoever exceeds it); each
item closes with a vote; the minutes are written at the end.

The chair's procedural lines are templates, not model calls: they must be reliable and free. What
the members say, and how they vote, comes from their model (or rules and history).
"""

from __future__ import annotations

import bisect
import random
import re
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import partial

from agents.agent import Agent, Outcome
from agents.context import DecisionContext, VisibleMessage
from agents.decisions import Decision, Vote
from agents.vote import STAND_AT, Stand, ballot_text, cast_vote
from bot.engine.policy import Engine, Policy, Timer, Turn
from bot.scenarios.meeting.agenda import Agenda, AgendaItem, parse_agenda
from bot.scenarios.meeting.minutes import ItemRecord, Question, render_minutes
from bot.transcript.events import VoteEvent

_CALLS = (
    "{name}, your view?",
    "{name}, what do you make of this?",
    "{name}, over to you.",
    "{name}, I'd like to hear from you.",
)


@dataclass
class _Call:
    item: int


@dataclass
class _Ballot:
    item: int


@dataclass
class _Wait:
    member: int
    question: str
    timer: Timer
    then: str  # "call" to go on calling members, "debate" to go back to the floor


@dataclass
class Meeting(Policy):
    minutes_per_item: float = 10.0  # simulated minutes of time box per item (scaled by --speed)
    question_wait: float = 90.0  # simulated seconds the room waits for the presenter's answer
    max_turns_per_member: int = 3  # per item; the chair cuts off whoever goes past it
    max_questions_per_item: int = 2
    name: str = field(default="meeting", init=False)

    def options(self) -> dict:
        return {
            "minutes_per_item": self.minutes_per_item,
            "question_wait": self.question_wait,
            "max_turns_per_member": self.max_turns_per_member,
            "max_questions_per_item": self.max_questions_per_item,
        }

    def on_inherited(self, message: VisibleMessage) -> None:
        raise ValueError(
            "a meeting can only be forked at its agenda (the first human message): "
            "its chair, calls and votes are not rebuilt from a copied prefix"
        )

    def bind(self, engine: Engine) -> None:
        super().bind(engine)
        chair_id = engine.pack.room.chair
        if chair_id is None or engine.index_of(chair_id) is None:
            raise ValueError(
                f"pack '{engine.pack.name}' has no chair for a meeting — fix: add "
                "'chair: <persona id>' to its room.yaml"
            )
        self.chair = engine.index_of(chair_id)
        self.chair_id = chair_id
        self.members = [i for i in range(len(engine.personas)) if i != self.chair]
        self.agenda: Agenda | None = None
        self.presenter = "the presenter"
        self.records: list[ItemRecord] = []
        self.phase = "waiting"  # waiting → calling / debate / vote per item → adjourned
        self.current: ItemRecord | None = None
        self.queue: list[int] = []
        self.waiting: _Wait | None = None
        self.deadline = float("inf")  # the item's time box, checked as the item goes on
        self.muted: frozenset[int] = frozenset({self.chair})
        self.votes_due = 0
        self.minutes_written = False
        self._items_opened: list[int] = []  # the chair's message presenting each item, in order

    # -- the chair ---------------------------------------------------------------------------

    def _say(self, text: str, reply_to: int | None = None) -> int:
        return self.engine.post(self.chair_id, text, reply_to=reply_to).id

    def _later(self, seconds: float, then) -> Timer:
        return self.engine.schedule(self.engine.clock.now + seconds, then)

    def _id(self, persona: int) -> str:
        return self.engine.personas[persona].id

    def _first(self, persona: int) -> str:
        return self.engine.personas[persona].first_name

    def _rng(self, salt: str) -> random.Random:
        return random.Random(f"{self.engine.settings.seed}:meeting:{salt}")

    def matter_of(self, message_id: int) -> int:
        """What is said while an item is open is about that item, whoever it answers (the
        chair's "@Tom, your view?" included)."""
        opened = bisect.bisect_right(self._items_opened, message_id) - 1
        return self._items_opened[opened] if opened >= 0 else super().matter_of(message_id)

    # -- messages ----------------------------------------------------------------------------

    def on_message(self, message: VisibleMessage, author: int | None, vtime: float) -> None:
        if message.author_kind == "human":
            self._human(message, vtime)
        elif self.phase == "debate" and not self._time_up():
            self.offer_turns(message, author, vtime, self.muted)

    def _human(self, message: VisibleMessage, vtime: float) -> None:
        if self.agenda is None:
            self.agenda = parse_agenda(message.text)
            self.presenter = message.author_name
            self._later(2.0, self._open)
            return
        if self.waiting is not None:
            wait, self.waiting = self.waiting, None
            wait.timer.cancelled = True
            self.current.questions.append(
                Question(
                    self._first(wait.member), wait.question, message.text, self._id(wait.member)
                )
            )
            self._later(1.5, lambda: self._thank(message.author_name, wait.then))
            if self.phase == "debate":  # the floor may take up the answer
                self.offer_turns(message, None, vtime, self.muted)
            return
        if self.phase in ("calling", "debate"):
            self._later(
                1.0, lambda: self._say(f"The chair recognises {message.author_name}.", message.id)
            )
            self.offer_turns(message, None, vtime, self.muted)

    def _thank(self, name: str, then: str) -> None:
        self._say(f"Thank you, {name}.")
        if then == "call":
            self._later(1.5, self._next_call)

    # -- phases ------------------------------------------------------------------------------

    def _open(self) -> None:
        assert self.agenda
        engine = self.engine
        names = ", ".join(p.name for p in engine.personas)
        items = self.agenda.items
        lines = [
            f"Good morning. I call this meeting of {engine.pack.room.name} to order. "
            f"Present: {names}; presenting: {self.presenter}."
        ]
        if len(items) > 1:
            lines.append(
                f"We have {len(items)} items on the agenda: "
                + "; ".join(f"{it.number}. {it.title}" for it in items)
                + "."
            )
        engine.status(
            "agenda",
            title=self.agenda.title,
            items=[{"number": it.number, "title": it.title, "motion": it.motion} for it in items],
        )
        self._say(" ".join(lines))
        self._later(3.0, lambda: self._start_item(items[0]))

    def _start_item(self, item: AgendaItem) -> None:
        engine = self.engine
        self.current = record = ItemRecord(item, started=engine.clock.now)
        self.records.append(record)
        self.phase = "calling"
        self.muted = frozenset({self.chair})
        total = len(self.agenda.items)
        head = (
            f"Item {item.number} of {total}: {item.title}."
            if total > 1
            else f"Our item: {item.title}."
        )
        if self.agenda.sectioned and item.body:
            head += f"\n\n{item.body}"
        else:
            head += f" {self.presenter} has put this to the board."
        head += f" The motion: {item.motion}. We have {self.minutes_per_item:g} minutes."
        self._items_opened.append(self._say(head))
        engine.status("item", number=item.number, title=item.title, motion=item.motion)
        self.deadline = engine.clock.now + self.minutes_per_item * 60
        self.queue = list(self.members)
        self._rng(f"order:{item.number}").shuffle(self.queue)
        self._later(2.0, self._next_call)

    def _next_call(self) -> None:
        if self.phase != "calling" or self._time_up():
            return
        if not self.queue:
            self.phase = "debate"
            message = self._say("Thank you all. The floor is open.")
            self.offer_turns(self.engine.message(message), self.chair, self.engine.clock.now, self.muted
            )
            return
        member = self.queue.pop(0)
        phrase = self._rng(f"call:{self.current.item.number}:{member}").choice(_CALLS)
        call = self._say("@" + phrase.format(name=self._first(member)))
        notice = self.engine.gate.notice_delay(member)
        self.engine.give_turn(
            member,
            call,
            self.engine.clock.now + notice,
            act=_speak,
            tag=_Call(self.current.item.number),
        )

    def _ask_presenter(self, member: int, message_id: int, question: str, then: str) -> None:
        self.current.asked += 1
        self._say(f"{self.presenter}, {self._first(member)} has a question for you.", message_id)
        timer = self._later(self.question_wait, self._no_answer)
        self.waiting = _Wait(member, question, timer, then)

    def _no_answer(self) -> None:
        wait, self.waiting = self.waiting, None
        if wait is None:
            return
        self.current.questions.append(
            Question(self._first(wait.member), wait.question, None, self._id(wait.member))
        )
        self._say(f"We'll take that as an action for {self.presenter} to answer in writing.")
        if wait.then == "call":
            self._later(1.5, self._next_call)

    def _time_up(self) -> bool:
        """Past the item's time box: close it (those not yet called on speak through their vote).

        A deadline checked at every step rather than a timer, so a pending time box never keeps
        a room that has gone quiet from moving on to its vote."""
        if self.phase not in ("calling", "debate") or self.engine.clock.now < self.deadline:
            return False
        left = len(self.queue)
        why = "We are at time on this item."
        if left:
            why += (
                f" The {left} member{'s' if left > 1 else ''} not yet heard will speak "
                "through their vote."
            )
        self._close_debate(why)
        return True

    def on_quiet(self) -> bool:
        if self.phase == "debate":
            self._close_debate("I think we have heard the arguments.")
            return True
        return False

    def _close_debate(self, why: str) -> None:
        record = self.current
        if self.waiting is not None:
            self.waiting.timer.cancelled = True
            self.waiting = None
        self.phase, self.queue = "vote", []
        call = self._say(
            f"{why} Let us vote on the motion: {record.item.motion}. For, against or abstain?"
        )
        voters = [self.chair, *self.members]
        self.votes_due = len(voters)
        appraiser = self.engine.opinions.appraiser
        room = appraiser.room(_item_text(record.item))
        items = {member: appraiser.explain(room, member) for member in voters}
        # The cases members made in the debate, and the concern or value it hit: what the others
        # heard.
        stands = tuple(
            Stand(self.engine.personas[m].name, items[m].reason, items[m].lean)
            for m in voters if record.said.get(self._id(m)) and items[m].reason
            and items[m].why in ("concern", "value") and abs(items[m].lean) >= STAND_AT)
        for k, member in enumerate(voters):
            # What the member said and asked is fixed now: a reply still landing cannot change
            # a ballot, whenever its model call happens to run.
            pid = self._id(member)
            said = tuple(record.said.get(pid, ()))
            unanswered = sum(q.asker_id == pid and q.answer is None for q in record.questions)
            self.engine.give_turn(
                member,
                call,
                self.engine.clock.now + 1.0 + 0.5 * k,
                act=partial(cast_vote, motion=record.item.motion, said=said,
                            unanswered=unanswered, item=items[member], stands=stands),
                tag=_Ballot(record.item.number),
            )

    def _announce(self) -> None:
        record = self.current
        tally = Counter(v.vote for v in record.votes.values())
        record.result = "carried" if tally["for"] > tally["against"] else "not carried"
        abstained = f", {tally['abstain']} abstaining" if tally["abstain"] else ""
        self._say(
            f"The motion is {record.result}: {tally['for']} for, {tally['against']} against"
            f"{abstained}."
        )
        self.engine.status(
            "decision",
            item=record.item.number,
            result=record.result,
            tally={k: tally[k] for k in ("for", "against", "abstain")},
        )
        items = self.agenda.items
        if record.item.number < len(items):
            self._later(3.0, lambda: self._start_item(items[record.item.number]))
        else:
            self._later(2.0, self._adjourn)

    def _adjourn(self) -> None:
        self.phase = "adjourned"
        self._say("That concludes our agenda. Thank you all; the meeting is adjourned.")
        self._write_minutes()
        self.engine.request_stop("meeting adjourned")

    def finish(self, reason: str) -> None:
        if self.agenda is not None and not self.minutes_written:
            self._write_minutes(f"The meeting ended early: {reason}.")

    def _write_minutes(self, note: str | None = None) -> None:
        self.minutes_written = True
        engine = self.engine
        markdown = render_minutes(
            engine.pack.room.name,
            engine.personas[self.chair].name,
            [p.name for p in engine.personas],
            self.presenter,
            self.agenda,
            self.records,
            {p.id: p.name for p in engine.personas},
            note,
        )
        engine.status("minutes", markdown=markdown)

    # -- turns -------------------------------------------------------------------------------

    def context(self, turn: Turn) -> DecisionContext:
        context = self.engine.open_context(turn)
        return replace(context, called_on=True) if isinstance(turn.tag, _Call) else context

    def apply(self, turn: Turn, outcome: Outcome) -> None:
        engine, decision, tag = self.engine, outcome.decision, turn.tag
        persona = engine.personas[turn.persona]
        record = self.current
        stale = record is None or (tag is not None and tag.item != record.item.number)
        if isinstance(tag, _Ballot) and outcome.payload is None:  # the turn failed: record it
            vote = Vote(vote="abstain", reason="no vote could be taken")
            outcome = Outcome(
                Decision(action="reply", text=ballot_text(vote)),
                "fallback",
                outcome.calls,
                outcome.error,
                vote,
            )
            decision = outcome.decision
        if decision.action == "react":
            engine.react(turn.persona, turn.trigger_id, decision.emoji or "")
            return
        if decision.action != "reply":
            if isinstance(tag, _Call) and not stale:
                self._say(f"{persona.first_name} passes for now.")
                self._later(1.5, self._next_call)
            return
        message = engine.post(persona.id, decision.text or "", reply_to=turn.trigger_id)
        if isinstance(tag, _Ballot):
            self._record_vote(turn, outcome, message.id)
            return
        if stale or turn.persona == self.chair:
            return
        record.said.setdefault(persona.id, []).append(message.text)
        record.spoke[persona.id] += 1
        question = question_in(message.text)
        asks = (
            bool(question) and self.waiting is None and record.asked < self.max_questions_per_item
        )
        if record.spoke[persona.id] > self.max_turns_per_member and self.phase == "debate":
            self.muted = self.muted | {turn.persona}
            record.cut_off.append(persona.name)
            self._later(
                0.5,
                lambda: self._say(
                    f"{persona.first_name}, let me stop you there — we have your position. "
                    "I'd like to hear from others.",
                    message.id,
                ),
            )
        elif asks and self.phase in ("calling", "debate"):
            then = "call" if isinstance(tag, _Call) else "debate"
            self._later(1.5, lambda: self._ask_presenter(turn.persona, message.id, question, then))
        elif isinstance(tag, _Call):
            self._later(1.5, self._next_call)

    def _record_vote(self, turn: Turn, outcome: Outcome, message_id: int) -> None:
        engine, record = self.engine, self.current
        vote: Vote = outcome.payload
        persona = engine.personas[turn.persona]
        record.votes[persona.name] = vote
        engine.record(
            VoteEvent(
                engine.run_id,
                engine.next_seq,
                record.item.number,
                record.item.motion,
                persona.id,
                vote.vote,
                vote.reason,
                outcome.source,
                time.time(),
                engine.clock.now,
                message_id,
            )
        )
        self.votes_due -= 1
        if self.votes_due == 0:
            self._later(1.5, self._announce)


def _item_text(item: AgendaItem) -> str:
    """What a member weighs in a vote: the item as presented and the motion itself."""
    return f"{item.title}. {item.body}\n{item.motion}".strip()


def question_in(text: str) -> str | None:
    """The first sentence that asks something: in a board meeting, a question for the presenter."""
    return next((s for s in re.split(r"(?<=[.!?])\s+", text.strip()) if s.endswith("?")), None)


async def _speak(agent: Agent, context: DecisionContext) -> Outcome:
    """Called on by the chair: the member answers (only the text is asked for)."""
    return await agent.write(context, reason="called on by the chair")
