"""Scenario policies: how a room runs (free discussion, a chaired meeting, a social feed)."""

from __future__ import annotations

from bot.engine.policy import Policy
from bot.scenarios.discussion import Discussion
from bot.scenarios.feed import Feed
from bot.scenarios.meeting import Meeting

SCENARIOS = ("discussion", "meeting", "feed")


def make_scenario(name: str, **options: object) -> Policy:
    """A scenario by name, with its options (a meeting's time box, a feed's duration …)."""
    kinds: dict[str, type[Policy]] = {"discussion": Discussion, "meeting": Meeting, "feed": Feed}
    if name not in kinds:
        raise ValueError(f"unknown scenario '{name}' — fix: use one of {', '.join(SCENARIOS)}")
    return kinds[name](**options)


__all__ = ["SCENARIOS", "Discussion", "Feed", "Meeting", "make_scenario"]
