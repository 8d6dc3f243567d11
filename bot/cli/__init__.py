"""The `townhall` command line (console script `townhall = bot.cli:app`)."""

from bot.cli.app import app

__all__ = ["app"]
