"""Clean model output before it is posted: one speaker, no mass pings, bounded length."""

from __future__ import annotations

import re
from collections.abc import Iterable

from agents.persona import Persona

MAX_REPLY_CHARS = 1200
_MASS_MENTION = re.compile(r"@(everyone|here|channel)\b", re.IGNORECASE)
_DISCORD_PINGS = re.compile(r"<@[!&]?\d+>|<!(?:everyone|here|channel)>")


def strip_mass_mentions(text: str) -> str:
    """Agents never ping a whole channel, on any platform."""
    return _DISCORD_PINGS.sub("", _MASS_MENTION.sub(r"\1", text))


def room_names(personas: Iterable[Persona]) -> frozenset[str]:
    """Every name a line could be prefixed with; built once per room, not once per reply."""
    return frozenset(n for p in personas for n in (p.name, p.first_name))


def clean_reply(text: str, speaker: Persona, others: list[Persona] | frozenset[str]) -> str:
    """Keep only what the speaker says: drop a leading "Name:" and stop where another persona's
    line begins. `others` is the other personas, or room_names() of the whole room."""
    names = {speaker.name, speaker.first_name, speaker.id}
    if isinstance(others, frozenset):
        other_names = set(others - {speaker.name, speaker.first_name})
    else:
        other_names = {n for p in others if p.id != speaker.id for n in (p.name, p.first_name)}
    other_names |= {"User", "Human", "Assistant"}
    kept: list[str] = []
    for raw_line in text.strip().splitlines():
        line = raw_line.strip()
        prefix = re.match(r"^\**([\w .'-]{1,40}?)\**\s*:\s*", line)
        if prefix and prefix.group(1).strip() in other_names:
            if kept:
                break
            continue
        if prefix and prefix.group(1).strip() in names:
            line = line[prefix.end():]
        kept.append(line)
    cleaned = strip_mass_mentions("\n".join(kept).strip().strip('"').strip())
    if len(cleaned) > MAX_REPLY_CHARS:
        cleaned = cleaned[: MAX_REPLY_CHARS - 1].rstrip() + "…"
    return cleaned


def first_sentences(text: str, count: int = 2) -> str:
    """Cut to the first `count` sentences; small models ramble."""
    parts = re.split(r"(?<=[.!?])\s+", text.strip())
    return " ".join(parts[:count]).strip()
