"""Running a townhall command in this process (typer's test runner): for argument and error
checks, which need no process of their own. Real processes are for what only a process shows
(signals, the installed script, the web server)."""

from __future__ import annotations

from click.testing import Result
from typer.testing import CliRunner

from bot.cli import app


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
