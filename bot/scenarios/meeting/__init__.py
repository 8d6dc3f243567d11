"""A chaired board meeting: agenda, calls, questions to the presenter, votes, minutes."""

from bot.scenarios.meeting.scenario import Meeting

__all__ = ["Meeting"]
