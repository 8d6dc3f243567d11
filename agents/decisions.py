"""Every structured answer a persona gives, validated before anything is applied: the decision about
a message (reply / react / ignore), a vote on a motion, and an action on a post in a feed.

Each comes with its AnswerSchema: the name and JSON schema sent to the model (built once; every
request carries the same object) and the model that validates what comes back.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from agents.llm import AnswerSchema


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

DECISION = AnswerSchema("decision", Decision, {
    "type": "object",
    "properties": {
        "action": {"type": "string", "enum": ["reply", "react", "ignore"]},
        "text": {"type": "string", "description": "your reply, 1-3 sentences, only if replying"},
        "emoji": {"type": "string", "description": "one emoji, only if reacting"},
        "reason": {"type": "string", "description": "a few private words on why"},
    },
    "required": ["action"],
    "additionalProperties": False,
})

VoteChoice = Literal["for", "against", "abstain"]


class Vote(BaseModel):
    model_config = ConfigDict(extra="ignore")

    vote: VoteChoice
    reason: str = Field("", max_length=300, description="one line on why")


VOTE = AnswerSchema("vote", Vote, {
    "type": "object",
    "properties": {
        "vote": {"type": "string", "enum": ["for", "against", "abstain"]},
        "reason": {"type": "string", "description": "one line, in your voice, on why"},
    },
    "required": ["vote", "reason"],
    "additionalProperties": False,
})

FeedAction = Literal["like", "repost", "reply", "quote", "ignore"]


class FeedChoice(BaseModel):
    model_config = ConfigDict(extra="ignore")

    action: FeedAction
    text: str | None = Field(None, max_length=2000)
    reason: str | None = Field(None, max_length=300)

    @model_validator(mode="after")
    def _writes_need_text(self) -> FeedChoice:
        if self.action in ("reply", "quote") and not (self.text and self.text.strip()):
            raise ValueError(f"a {self.action} needs non-empty 'text'")
        return self


FEED_CHOICE = AnswerSchema("feedchoice", FeedChoice, {
    "type": "object",
    "properties": {
        "action": {"type": "string", "enum": ["like", "repost", "reply", "quote", "ignore"]},
        "text": {"type": "string", "description": "your reply or quote comment, only for those"},
        "reason": {"type": "string", "description": "a few private words on why"},
    },
    "required": ["action"],
    "additionalProperties": False,
})
