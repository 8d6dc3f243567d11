"""Clean model output before it is posted: one speaker, no mass pings, bounded length."""

from __future__ import annotations

import re
from collections.abc import Iterable

from agents.persona import Persona

MAX_REPLY_CHARS = 1200
_MASS_MENTION = re.compile(r"@(everyone|here|channel)\b", re.IGNORECASE)
_GENERIC_SPEAKERS = frozenset({"User", "Human", "Assistant", "System"})
_DISCORD_PINGS = re.compile(r"<@[!&]?\d+>|<!(?:everyone|here|channel)>")


def strip_mass_mentions(text: str) -> str:
    """Agents never ping a whole channel, on any platform."""
    return _DISCORD_PINGS.sub("", _MASS_MENTION.sub(r"\1", text))


def speaker_names(persona: Persona) -> frozenset[str]:
    return frozenset({persona.name, persona.first_name, persona.id})


def room_names(personas: Iterable[Persona]) -> frozenset[str]:
    """Every name a line could be prefixed with; built once per room, not once per reply."""
    return frozenset().union(*(speaker_names(p) for p in personas))


def clean_reply(text: str, speaker: Persona, room_names: frozenset[str]) -> str:
    """Keep only what the speaker says: drop a leading "Name:", stop where someone else's line begins.

    `room_names` holds every name in the room (built once per room, not per reply).
    """
    names = speaker_names(speaker)
    kept: list[str] = []
    for raw_line in text.strip().splitlines():
        line = raw_line.strip()
        prefix = re.match(r"^\**([\w .'-]{1,40}?)\**\s*:\s*", line)
        said_by = prefix.group(1).strip() if prefix else None
        if said_by and said_by not in names and (said_by in room_names or said_by in _GENERIC_SPEAKERS):
            if kept:
                break
            continue
        if said_by in names:
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
