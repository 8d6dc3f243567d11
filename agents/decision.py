"""The structured choice a persona makes about one message, validated before anything is applied."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Decision(BaseModel):
    model_config = ConfigDict(extra="ignore")

    action: Literal["reply", "react", "ignore"]
    text: str | None = Field(None, max_length=2000, description="the reply, in your own voice")
    emoji: str | None = Field(None, max_length=16, description="one emoji, for a reaction")
    reason: str | None = Field(None, max_length=300, description="a few private words on why")

    @model_validator(mode="after")
    def _action_has_its_payload(self) -> Decision:
        if self.action == "reply" and not (self.text and self.text.strip()):
            raise ValueError("a reply needs non-empty 'text'")
        if self.action == "react" and not (self.emoji and self.emoji.strip()):
            raise ValueError("a reaction needs an 'emoji'")
        return self


IGNORE = Decision(action="ignore")

# Built once: every request carries the same schema object (rebuilding it per call is a known cost).
DECISION_SCHEMA = {
    "type": "object",
    "properties": {
        "action": {"type": "string", "enum": ["reply", "react", "ignore"]},
        "text": {"type": "string", "description": "your reply, 1-3 sentences, only if replying"},
        "emoji": {"type": "string", "description": "one emoji, only if reacting"},
        "reason": {"type": "string", "description": "a few private words on why"},
    },
    "required": ["action"],
    "additionalProperties": False,
}
