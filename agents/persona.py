"""The persona model: who an agent is, how it talks, how often it acts, and where it came from."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

_ID_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,47}$"
# A short phrase in plain words (what a stimulus might say), for the appraisal (agents.appraisal).
Phrase = Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=160)]
MAX_PHRASES = 16
_COLOR_PATTERN = r"^#[0-9a-fA-F]{6}$"


class Strict(BaseModel):
    """Persona files are written by hand: an unknown key is almost always a typo, so reject it."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Activity(Strict):
    """How often and how fast a persona acts; the cheap gate reads these, never the model."""

    talkativeness: float = Field(0.3, ge=0, le=1, description="chance to consider a new message")
    reaction_propensity: float = Field(0.3, ge=0, le=1, description="chance to react, not reply")
    reply_delay: float = Field(8.0, gt=0, le=3600, description="mean seconds before acting")
    emoji: list[str] = Field(default_factory=lambda: ["👍", "🤔"], min_length=1)
    active_hours: list[int] = Field(default_factory=list, description="hours (0-23) they post")

    @field_validator("active_hours")
    @classmethod
    def _hours_in_day(cls, hours: list[int]) -> list[int]:
        if any(not 0 <= h <= 23 for h in hours):
            raise ValueError("hours must be between 0 and 23")
        return hours


class Example(Strict):
    """A real (or, for bundled packs, written) post in the persona's own voice."""

    text: str = Field(min_length=1, max_length=4000)
    source: str | None = None
    date: str | None = None
    kind: Literal["post", "reply", "quote", "repost"] = "post"


class Provenance(Strict):
    """Where the persona came from, so nobody is simulated by name without a trace of consent."""

    source: str = "written for townhall"
    consent: Literal["fictional", "self", "granted", "public-figure", "unknown"] = "fictional"
    date_range: str | None = None
    post_count: int | None = None
    notes: str | None = None


class Persona(Strict):
    id: str = Field(pattern=_ID_PATTERN)
    name: str = Field(min_length=1, max_length=80)
    role: str = Field(min_length=1, max_length=200)
    avatar: str = "🙂"
    color: str = Field("#5865f2", pattern=_COLOR_PATTERN)
    bio: str = ""
    traits: list[str] = Field(default_factory=list)
    stances: dict[str, str] = Field(default_factory=dict)
    # What the appraisal reads: topics they notice, what wins them over, what they object to.
    interests: list[Phrase] = Field(default_factory=list, max_length=MAX_PHRASES)
    values: list[Phrase] = Field(default_factory=list, max_length=MAX_PHRASES)
    concerns: list[Phrase] = Field(default_factory=list, max_length=MAX_PHRASES)
    style: str = ""
    activity: Activity = Field(default_factory=Activity)
    model: str | None = None
    examples: list[Example] = Field(default_factory=list)
    provenance: Provenance = Field(default_factory=Provenance)
    stats: dict[str, float | int | str | list | dict] = Field(default_factory=dict)

    @field_validator("examples", mode="before")
    @classmethod
    def _plain_strings_are_posts(cls, value: object) -> object:
        if isinstance(value, list):
            return [{"text": item} if isinstance(item, str) else item for item in value]
        return value

    @property
    def first_name(self) -> str:
        return self.name.split()[0]

    def handles(self) -> set[str]:
        """Lower-case names a human may @mention this persona by."""
        return {self.id.lower(), self.first_name.lower(), re.sub(r"\s+", "", self.name.lower())}
