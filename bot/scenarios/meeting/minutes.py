"""A meeting's minutes, written from what happened (never made up): attendees, what was said on
each item, the objections, the decision with its tally, and action items with owners."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from agents.decisions import Vote
from agents.sanitize import first_sentences
from agents.tone import stance
from agents.vote import LABEL, whose_objection
from bot.scenarios.meeting.agenda import Agenda, AgendaItem


@dataclass(frozen=True)
class Question:
    asker: str
    text: str
    answer: str | None  # None: the presenter did not answer in time
    asker_id: str = ""


@dataclass
class ItemRecord:
    item: AgendaItem
    started: float
    said: dict[str, list[str]] = field(default_factory=dict)  # persona id → what they said
    spoke: Counter = field(default_factory=Counter)
    questions: list[Question] = field(default_factory=list)
    asked: int = 0
    cut_off: list[str] = field(default_factory=list)
    votes: dict[str, Vote] = field(default_factory=dict)  # member name → vote
    result: str | None = None


def _quote(text: str, limit: int = 160) -> str:
    line = " ".join(first_sentences(text, 2).split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _tally(votes: dict[str, Vote]) -> str:
    counts = Counter(v.vote for v in votes.values())
    return f"{counts['for']}–{counts['against']}" + (
        f", {counts['abstain']} abstaining" if counts["abstain"] else ""
    )


def render_minutes(
    room_name: str,
    chair: str,
    attendees: list[str],
    presenter: str,
    agenda: Agenda | None,
    records: list[ItemRecord],
    names: dict[str, str],
    note: str | None = None,
) -> str:
    lines = [
        f"**{room_name}** — minutes",
        "",
        f"- **Chair:** {chair}",
        f"- **Attendees:** {', '.join(attendees)}",
        f"- **Presenting:** {presenter}",
    ]
    if note:
        lines.append(f"- **Note:** {note}")
    actions: list[tuple[str, str]] = []
    reached = {r.item.number for r in records}
    for record in records:
        item = record.item
        lines += ["", f"### Item {item.number}: {item.title}", "", f"_Motion: {item.motion}_", ""]
        speakers = [pid for pid in record.said if record.said[pid]]
        contributions = sum(len(v) for v in record.said.values())
        summary = (
            f"{len(speakers)} member{'s' if len(speakers) != 1 else ''} spoke "
            f"({contributions} contribution{'s' if contributions != 1 else ''})"
        )
        if record.questions:
            answered = sum(q.answer is not None for q in record.questions)
            summary += (
                f"; {len(record.questions)} question(s) to the presenter, {answered} answered"
            )
        if record.cut_off:
            summary += f"; the chair cut off {', '.join(record.cut_off)}"
        lines += [f"**Summary:** {summary}.", ""]
        lines += [
            f"- {names.get(pid, pid)}: {_quote(said[0])}"
            for pid, said in record.said.items()
            if said
        ]
        backers = {n for n, v in record.votes.items() if v.vote == "for"}
        objections = [
            (names.get(pid, pid), text)
            for pid, said in record.said.items()
            for text in said
            if stance(text) < 0 and names.get(pid, pid) not in backers
        ]
        against = [whose_objection(name, v.reason) for name, v in record.votes.items()
                   if v.vote == "against" and v.reason]
        objections += [(name, reason) for name, reason in dict.fromkeys(against)
                       if all(name != n for n, _ in objections)]
        if objections:
            lines += ["", "**Key objections:**", ""]
            lines += [f"- {name}: {_quote(text)}" for name, text in objections[:4]]
        for q in record.questions:
            if q.answer is None:
                actions.append(
                    (
                        f"Answer {q.asker}'s question on item {item.number}: "
                        f"“{_quote(q.text, 120)}”",
                        presenter,
                    )
                )
        if record.result is None:
            lines += ["", "**Decision:** none — the item did not reach a vote."]
            continue
        lines += ["", f"**Decision:** motion **{record.result}**, {_tally(record.votes)}.", ""]
        for choice in ("for", "against", "abstain"):
            who = [n for n, v in record.votes.items() if v.vote == choice]
            if who:
                lines.append(f"- {LABEL[choice]} ({len(who)}): {', '.join(who)}")
        if record.result == "carried":
            actions.append((f"Proceed with “{item.title}” and report back to the board", presenter))
        else:
            actions.append(
                (f"Revise “{item.title}” to meet the objections and resubmit", presenter)
            )
        objectors: dict[str, list[str]] = {}  # one follow-up per objection, with everyone who made it
        for name, reason in dict.fromkeys(against):
            objectors.setdefault(reason, []).append(name)
        actions += [(f"Follow up with {' and '.join(names)} on: “{_quote(reason, 100)}”", presenter)
                    for reason, names in list(objectors.items())[:2]]
    if agenda is not None:
        missed = [it for it in agenda.items if it.number not in reached]
        for it in missed:
            lines += ["", f"### Item {it.number}: {it.title}", "", "_Not reached._"]
            actions.append((f"Put “{it.title}” on the next agenda", chair))
    actions.append(("Circulate these minutes to the board", chair))
    actions = list(dict.fromkeys(actions))  # one follow-up per thing, however often it came up
    lines += ["", "### Action items", "", "| # | action | owner |", "|---|---|---|"]
    lines += [
        f"| {i} | {a.replace('|', '/')} | {owner} |" for i, (a, owner) in enumerate(actions, 1)
    ]
    return "\n".join(lines)
