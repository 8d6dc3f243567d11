"""Scenario policies: how a room runs (free discussion, a chaired meeting, a social feed)."""

from __future__ import annotations

from bot.scenarios.base import Scenario
from bot.scenarios.discussion import Discussion

SCENARIOS = ("discussion", "meeting", "feed")


def make_scenario(name: str, **options: object) -> Scenario:
    """A scenario by name, with its options (a meeting's time box, a feed's duration …)."""
    if name == "discussion":
        return Discussion(**options)
    if name == "meeting":
        from bot.scenarios.meeting import Meeting

        return Meeting(**options)
    if name == "feed":
        from bot.scenarios.feed import Feed

        return Feed(**options)
    raise ValueError(f"unknown scenario '{name}' — fix: use one of {', '.join(SCENARIOS)}")


__all__ = ["SCENARIOS", "Scenario", "make_scenario"]
