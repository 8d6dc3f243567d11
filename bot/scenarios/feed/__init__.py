"""A Twitter-like feed: ranked timelines, likes, reposts, quotes, and a report on the seeded post."""

from bot.scenarios.feed.scenario import Feed

__all__ = ["Feed"]
