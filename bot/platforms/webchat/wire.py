"""The web chat's wire format: every frame the server sends is one JSON object with a `type`.

Events are encoded once, on publish, and the same string goes to every connected tab.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import asdict
from typing import Any

from agents.persona import Persona
from bot.transcript.events import MessageEvent, ReactionEvent, RoomEvent, StatusEvent, TypingEvent
from bot.transcript.queries import Participant

_TYPES = {MessageEvent: "message", ReactionEvent: "reaction", StatusEvent: "status",
          TypingEvent: "typing"}


def encode(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=str)


def event_payload(event: RoomEvent) -> dict[str, Any]:
    payload = asdict(event)
    payload.pop("run_id")
    payload["type"] = _TYPES[type(event)]
    return payload


def persona_payload(persona: Persona) -> dict[str, Any]:
    return {"id": persona.id, "kind": "persona", "name": persona.name, "role": persona.role,
            "avatar": persona.avatar, "color": persona.color,
            "handle": persona.first_name}


def participant_payload(participant: Participant) -> dict[str, Any]:
    return {"id": participant.id, "kind": participant.kind, "name": participant.name,
            "role": participant.role, "avatar": participant.avatar, "color": participant.color}


def participants_payload(participants: Iterable[Participant]) -> list[dict[str, Any]]:
    return [participant_payload(p) for p in participants]


def plain_title(text: str | None) -> str | None:
    """A run's title as a line of text: its first non-empty line, without the Markdown marks of
    a heading or emphasis (an agenda's title is "# Ledgerly board, Q3")."""
    for line in (text or "").splitlines():
        line = re.sub(r"^#+\s*|\*\*|__", "", line.strip()).strip()
        if line:
            return line
    return None
