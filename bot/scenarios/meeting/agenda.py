"""A meeting's agenda from Markdown: one `##` section per item; a plain pitch is one item."""

from __future__ import annotations

import re
from dataclasses import dataclass

_HEADING = re.compile(r"^##\s+(.+?)\s*#*\s*$", re.MULTILINE)
_MOTION = re.compile(
    r"^\s*(?:\*\*)?motion(?:\*\*)?\s*:\s*(?:\*\*)?\s*(.+)$", re.IGNORECASE | re.MULTILINE
)
MAX_TITLE = 90


@dataclass(frozen=True)
class AgendaItem:
    number: int
    title: str
    body: str
    motion: str


@dataclass(frozen=True)
class Agenda:
    title: str | None
    items: tuple[AgendaItem, ...]
    sectioned: bool  # written as an agenda (## items) rather than a single pitch


def _title_of(text: str) -> str:
    first = next(
        (line.strip().lstrip("#").strip() for line in text.splitlines() if line.strip()), ""
    )
    return first if len(first) <= MAX_TITLE else first[: MAX_TITLE - 1].rstrip() + "…"


def _item(number: int, title: str, body: str) -> AgendaItem:
    found = _MOTION.search(body)
    motion = found.group(1).strip().strip("*").strip() if found else f"Approve: {title}"
    if found:  # the chair reads the motion out on its own
        body = body[: found.start()] + body[found.end() :]
    return AgendaItem(number, title, body.strip(), motion)


def parse_agenda(text: str) -> Agenda:
    headings = list(_HEADING.finditer(text))
    if not headings:
        return Agenda(None, (_item(1, _title_of(text), text),), sectioned=False)
    preamble = text[: headings[0].start()].strip()
    items = []
    for index, heading in enumerate(headings):
        end = headings[index + 1].start() if index + 1 < len(headings) else len(text)
        items.append(
            _item(len(items) + 1, heading.group(1).strip()[:MAX_TITLE], text[heading.end() : end])
        )
    return Agenda(_title_of(preamble) if preamble else None, tuple(items), sectioned=True)
