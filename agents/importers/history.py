"""The common shape every importer produces: who was there, what they wrote, how they reacted.

Readers fill a History; the builder never looks at a source format again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

PostKind = Literal["post", "reply", "quote", "repost"]


class ImportFailed(Exception):
    """A user-fixable problem with an export; the message names the file, problem and fix."""


@dataclass(slots=True)
class Person:
    key: str  # the source's own stable id (user id, author id, handle)
    name: str  # display name
    handle: str = ""  # @name / username, used to build the persona id
    is_bot: bool = False


@dataclass(slots=True)
class Post:
    author: str  # Person.key
    text: str
    when: datetime | None
    kind: PostKind = "post"
    id: str = ""
    reply_to: str | None = None  # id of the post this answers, when the source says
    where: str = ""  # channel / file, for the example's source
    reactions_received: int = 0


@dataclass(slots=True)
class Reaction:
    """A reaction or like given by a person (a like is a reaction with the heart)."""

    author: str
    emoji: str
    when: datetime | None = None
    to_post: str | None = None


@dataclass(slots=True)
class History:
    source: str  # what the user pointed at, as they named it
    kind: str
    people: dict[str, Person] = field(default_factory=dict)
    posts: list[Post] = field(default_factory=list)
    reactions: list[Reaction] = field(default_factory=list)
    places: set[str] = field(default_factory=set)  # channels / servers, for the room description

    def person(self, key: str, name: str = "", handle: str = "", is_bot: bool = False) -> Person:
        """The person with this key, registered on first sight."""
        known = self.people.get(key)
        if known is None:
            known = self.people[key] = Person(
                key, name or handle or key, handle or name or key, is_bot
            )
        return known
