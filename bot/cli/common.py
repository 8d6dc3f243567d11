"""What every `townhall` command shares: the consoles, the common options, how a user's error
becomes one line, and how a finished run is summed up."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from agents.backends.pool import LLMPool
from agents.backends.registry import ModelSpecError
from agents.packs import PackError
from agents.redact import redact
from bot.engine.budgets import Budgets
from bot.engine.settings import RunSettings
from bot.platforms.safe_console import SafeConsole
from bot.platforms.terminal import TranscriptPrinter
from bot.platforms.webchat import WebChatError
from bot.runs.session import SessionResult
from bot.transcript import Transcript, resolve_db_path
from bot.transcript.database import TranscriptUnavailable
from bot.transcript.queries import RunNotFound, RunSummary, RunView, load_run
from bot.transcript.response_cache import ResponseCache

console = SafeConsole(highlight=False)
errors = SafeConsole(stderr=True, highlight=False, soft_wrap=True)  # one error, one line

DbOption = Annotated[str | None, typer.Option("--db", help="SQLite file [env TOWNHALL_DB; default ./townhall.db]")]
PackOption = Annotated[str, typer.Option("--pack", help="bundled pack name or a folder")]
RunArg = Annotated[str, typer.Argument(help="run id, a unique prefix of one, or 'last'")]
HostOption = Annotated[str, typer.Option(help="web chat address; other than loopback needs the "
                                              "printed token")]
PortOption = Annotated[int, typer.Option(help="web chat port (0 = any free port)")]

USER_ERRORS = (PackError, ModelSpecError, RunNotFound, ValueError, FileNotFoundError, WebChatError,
               TranscriptUnavailable)


@contextmanager
def user_errors() -> Iterator[None]:
    """Errors a user can cause end in one clear line, never a traceback."""
    try:
        yield
    except USER_ERRORS as exc:
        print_error(exc)
        raise typer.Exit(2) from None


def print_error(problem: object, label: str = "[red]error:[/red]") -> None:
    """One line on stderr; the problem's own text is escaped, since '[a, b]' in a fix is not markup."""
    errors.print(f"{label} {escape(redact(str(problem)))}")


def read_text_or_file(value: str) -> str:
    path = Path(value)
    if len(value) < 4096 and "\n" not in value and path.suffix in {".md", ".txt"} and path.is_file():
        return path.read_text(encoding="utf-8").strip()
    return value


def run_settings(seed: int, speed: float, concurrency: int, max_messages: int | None,
                  max_llm_calls: int | None, max_tokens: int | None, max_cost: float | None,
                  max_seconds: float | None, stop_when_quiet: bool = True) -> RunSettings:
    return RunSettings(seed=seed, speed=speed, concurrency=concurrency, stop_when_quiet=stop_when_quiet,
                       budgets=Budgets(max_messages, max_llm_calls, max_tokens, max_cost, max_seconds))


def model_pool(model: str, db: str | None, *, cache: bool = True) -> LLMPool:
    """The run's models; answers are cached in the transcript file unless `cache` is off."""
    return LLMPool(model, cache=ResponseCache(resolve_db_path(db)) if cache else None)


async def read_run(db: str | None, ref: str) -> RunView:
    async with Transcript(resolve_db_path(db), existing=True) as t:
        return await load_run(t.conn, ref)


def printer_for(view: RunView) -> TranscriptPrinter:
    colors = {p.id: p.color for p in view.participants.values() if p.color}
    roles = {p.id: p.role for p in view.participants.values() if p.role}
    return TranscriptPrinter(console, colors, roles)


def print_summary(result: SessionResult) -> None:
    s: RunSummary = result.summary
    table = Table(title=f"run {s.run_id} · {result.reason}", title_justify="left")
    table.add_column("participant")
    table.add_column("messages", justify="right")
    table.add_column("reactions", justify="right")
    tallies = list(s.per_participant.values())
    if len(tallies) > 30:  # a grown feed: the most active, not thousands of rows
        tallies.sort(key=lambda t: -(t.messages + t.reactions))
    for tally in tallies[:30]:
        table.add_row(tally.name, str(tally.messages), str(tally.reactions))
    if len(tallies) > 30:
        table.add_row(f"… {len(tallies) - 30:,} more", "", "")
    console.print(table)
    console.print(
        f"LLM calls {s.llm_calls} ({s.llm_errors} failed) · tokens in {s.input_tokens:,} "
        f"(cached {s.cached_input_tokens:,}) out {s.output_tokens:,} · cost ${s.cost_usd:.4f} · "
        f"wall {s.wall_seconds:.1f}s · run id [bold]{s.run_id}[/bold]")
