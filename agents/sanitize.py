"""Clean model output before it is posted: one speaker, no mass pings, bounded length."""

from __future__ import annotations

import re
from collections.abc import Iterable

from agents.persona import Persona

MAX_REPLY_CHARS = 1200
# "@@everyone", "＠everyone", "@\u200beveryone": any run of at-signs, spaces and invisible characters.
_AT_SIGNS = "@\uff20\ufe6b"
_MASS_MENTION = re.compile(rf"[{_AT_SIGNS}][{_AT_SIGNS}\s\u200b-\u200f\u2060\ufeff]*(everyone|here|channel)\b",
                           re.IGNORECASE)
_GENERIC_SPEAKERS = frozenset({"user", "human", "assistant", "system"})
# Stage directions small models add: "[laughs]", "*sighs*", "(nods)".
_STAGE_DIRECTION = re.compile(r"\s*[\[(*](laughs?|smiles?|sighs?|chuckles?|nods?|grins?|shrugs?|"
                              r"pauses?|winks?|clears throat)[\])*]", re.IGNORECASE)
# What a cut-off sentence ends on that cannot end one: "…, and", "to the", "spend $".
_DANGLING = re.compile(r"(?:[\s,;:$-]+|\s+(?:and|but|or|the|a|an|to|of|with|for|that|we|i)\b)+$",
                       re.IGNORECASE)
# Discord's user and role pings, Slack's <!here>, <!channel|channel> and user groups.
_PLATFORM_PINGS = re.compile(r"<@[!&]?\d+>|<!(?:everyone|here|channel|subteam\^)[^>]*>", re.IGNORECASE)


def strip_mass_mentions(text: str) -> str:
    """Agents never ping a whole channel, on any platform. Repeated to a fixed point, since taking
    one ping out can join the pieces of another ("<!<!here>here>")."""
    while True:
        cleaned = _PLATFORM_PINGS.sub("", _MASS_MENTION.sub(r"\1", text))
        if cleaned == text:
            return cleaned
        text = cleaned


def speaker_names(persona: Persona) -> frozenset[str]:
    """Names a line could be prefixed with, case-folded ("MARCUS:" is Marcus)."""
    return frozenset(n.casefold() for n in (persona.name, persona.first_name, persona.id))


def room_names(personas: Iterable[Persona]) -> frozenset[str]:
    """Every name a line could be prefixed with; built once per room, not once per reply."""
    return frozenset().union(*(speaker_names(p) for p in personas))


def clean_reply(text: str, speaker: Persona, room_names: frozenset[str]) -> str:
    """Keep only what the speaker says: drop a leading "Name:" and stage directions ("[laughs]"),
    stop where someone else's line begins.

    `room_names` holds every name in the room (built once per room, not per reply).
    """
    names = speaker_names(speaker)
    kept: list[str] = []
    for raw_line in text.strip().splitlines():
        line = raw_line.strip()
        prefix = re.match(r"^\**([\w .'-]{1,40}?)\**\s*:\s*", line)
        said_by = prefix.group(1).strip().casefold() if prefix else None
        if said_by and said_by not in names and (said_by in room_names or said_by in _GENERIC_SPEAKERS):
            if kept:
                break
            continue
        if said_by in names:
            line = line[prefix.end():]
        kept.append(_STAGE_DIRECTION.sub("", line))
    cleaned = strip_mass_mentions("\n".join(kept).strip().strip('"').strip())
    if len(cleaned) > MAX_REPLY_CHARS:
        cleaned = cleaned[: MAX_REPLY_CHARS - 1].rstrip() + "…"
    return cleaned


def first_sentences(text: str, count: int = 2) -> str:
    """Cut to the first `count` sentences; small models ramble."""
    parts = re.split(r"(?<=[.!?])\s+", text.strip())
    return " ".join(parts[:count]).strip()


def without_cut_off(text: str) -> str:
    """A reply that ran into the token limit: its unfinished last sentence goes, or, when it is
    the only one, ends in "…" rather than mid-word."""
    parts = re.split(r"(?<=[.!?])\s+", text.strip())
    if len(parts) > 1:
        return " ".join(parts[:-1])
    if re.search(r"[.!?…]$", text.strip()):
        return text.strip()
    return _DANGLING.sub("", text.strip()) + "…"
