"""Reading runs back: `townhall runs`, `show`, `replay` and `export`."""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from bot.cli.common import (
    DbOption,
    RunArg,
    console,
    errors,
    print_error,
    printer_for,
    read_run,
    user_errors,
)
from bot.platforms.hosted import HOSTED_PLATFORMS
from bot.runs.replay import replay_run_to
from bot.transcript import Transcript, resolve_db_path
from bot.transcript.events import MessageEvent
from bot.transcript.export import FORMATS, export
from bot.transcript.queries import list_runs
from bot.transcript.replay import replay_into


def runs_command(db: DbOption = None, limit: int = 30,
                 as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List stored runs, newest first."""

    async def fetch() -> list[dict]:
        async with Transcript(resolve_db_path(db), existing=True) as t:
            return await list_runs(t.conn, limit)

    with user_errors():
        rows = asyncio.run(fetch())
    if as_json:
        console.print_json(json.dumps(rows, default=str))
        return
    cells = [(r["id"], datetime.fromtimestamp(r["started_at"]).strftime("%m-%d %H:%M"), r["pack"],
              r["scenario"], r["model"], str(r["message_count"]), r["status"],
              (r["title"] or "").replace("\n", " ")) for r in rows]
    headers = ("id", "started", "pack", "scenario", "model", "msgs", "status")
    table = Table()
    # Everything but the title stays whole (ids are copied from here); the title gets what is left.
    widths = [max([len(header)] + [len(c[i]) for c in cells]) for i, header in enumerate(headers)]
    for header, width in zip(headers, widths, strict=True):
        table.add_column(header, no_wrap=True, min_width=width,
                         justify="right" if header == "msgs" else "left")
    left = console.width - sum(widths) - 3 * (len(headers) + 1) - 1
    with_title = left >= 12  # too narrow for a useful title: `runs --json` has it
    if with_title:
        table.add_column("title", no_wrap=True, overflow="ellipsis", max_width=left)
    for row in cells:
        table.add_row(*(row if with_title else row[:-1]))
    console.print(table)


def show(run_ref: RunArg = "last", db: DbOption = None) -> None:
    """Print a stored run's transcript."""
    with user_errors():
        view = asyncio.run(read_run(db, run_ref))
    console.rule(f"run {view.run['id']} · {view.run['pack']} · {view.run['model']} · {view.run['status']}")
    printer = printer_for(view)
    for event in view.events:
        printer.render(event)
        note = view.delivery_note(event) if isinstance(event, MessageEvent) else None
        if note:
            console.print(f"  [yellow]⚠ {escape(note)}[/yellow]")  # an error may hold brackets


def replay(run_ref: RunArg = "last", db: DbOption = None,
           speed: Annotated[float, typer.Option(min=0, help="× original pace; 0 = instant")] = 1.0,
           to: Annotated[str | None, typer.Option(
               "--to", help=" | ".join(HOSTED_PLATFORMS) + ": re-post into that channel")] = None,
           undelivered: Annotated[bool, typer.Option(
               "--undelivered", help="with --to: only the messages that never reached that "
                                     "channel (the room was stopped, or a post failed)")] = False,
           ) -> None:
    """Replay a stored run into the terminal (or a channel) with its original timing, scaled."""
    with user_errors():
        if undelivered and not to:
            raise ValueError("--undelivered needs --to discord|slack: the channel whose missing "
                             "messages to send")
        view = asyncio.run(read_run(db, run_ref))
        if to:
            shown = asyncio.run(replay_run_to(to, view, speed, resolve_db_path(db), undelivered))
            what = "undelivered events" if undelivered else "events"
            console.print(f"re-posted {shown} {what} of run {view.run['id']} to {to}")
            return
    printer = printer_for(view)
    console.rule(f"replay of {view.run['id']} at {speed:g}×")
    try:
        asyncio.run(replay_into(view.events, printer.render, speed))
    except KeyboardInterrupt:
        console.print("[dim]replay stopped[/dim]")


def export_command(
    run_ref: RunArg = "last",
    fmt: Annotated[str, typer.Option("--format", help=" | ".join(FORMATS))] = "md",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="file (default: stdout)")] = None,
    db: DbOption = None,
) -> None:
    """Export a stored run as Markdown or JSON Lines."""
    with user_errors():
        text = export(asyncio.run(read_run(db, run_ref)), fmt)
    if output is None:
        sys.stdout.write(text)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        print_error(f"{output}: cannot write it ({exc.strerror or exc}) — fix: choose a folder "
                    "that exists and that you can write to")
        raise typer.Exit(2) from None
    errors.print(f"wrote {output}")
