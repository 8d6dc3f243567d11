"""The `townhall personas import` command: options in, one summary (or one error line) out.

The work lives in agents.importers; this module only maps options and prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.table import Table

from agents.backends.registry import SPEC_HELP, ModelSpecError
from agents.importers.builder import BuildOptions
from agents.importers.history import ImportFailed
from agents.importers.importer import KINDS, import_pack
from agents.importers.source import Limits, parse_size
from agents.llm import LLMError
from agents.packs import PackError
from bot.cli.common import console, print_error

Kind = Literal[KINDS]  # the importer's one list of formats
Consent = Literal["unknown", "self", "granted", "public-figure"]



def import_command(
    source: Annotated[Path, typer.Argument(help="the export: a zip, a folder or a file")],
    out: Annotated[Path, typer.Option("--out", help="pack folder to create")],
    kind: Annotated[Kind | None, typer.Option(help="format; detected when left out")] = None,
    min_posts: Annotated[int, typer.Option(min=1, help="skip people with fewer posts")] = 5,
    holdout: Annotated[float, typer.Option(help="newest share of each history kept out")] = 0.2,
    model: Annotated[
        str | None, typer.Option(help=f"model that writes profiles: {SPEC_HELP}")
    ] = None,
    consent: Annotated[Consent, typer.Option(help="what the people agreed to")] = "unknown",
    max_size: Annotated[str, typer.Option(help="read at most this much (0 = no limit)")] = "512M",
    encoding: Annotated[str | None, typer.Option(help="text encoding if not UTF-8")] = None,
    force: Annotated[bool, typer.Option(help="replace --out if it exists")] = False,
) -> None:
    """Build a persona pack from a Twitter/X archive, Discord or Slack export, or CSV/JSONL."""
    try:
        result = import_pack(
            source,
            out,
            kind=kind,
            options=BuildOptions(min_posts=min_posts, holdout=holdout, consent=consent),
            model=model,
            limits=Limits(max_bytes=parse_size(max_size), encoding=encoding),
            force=force,
        )
    except (ImportFailed, PackError, ModelSpecError, LLMError) as exc:
        print_error(exc)
        raise typer.Exit(2) from None
    table = Table("id", "name", "posts", "held out", "talk", "react", "examples",
                  title=f"{result.kind} → {result.out}", title_justify="left")
    for built in result.pack.personas:
        p = built.persona
        table.add_row(p.id, p.name, str(p.provenance.post_count), str(len(built.held_out)),
                      f"{p.activity.talkativeness:.2f}", f"{p.activity.reaction_propensity:.2f}",
                      str(len(p.examples)))
    console.print(table)
    for built in result.pack.personas:
        if built.profile_note:
            print_error(f"{built.persona.id}: {built.profile_note}", label="[yellow]note:[/yellow]")
    console.print(f"{len(result.pack.personas)} personas; skipped {result.pack.skipped} (bots, or "
                  f"under {min_posts} posts); consent recorded: {consent}. Try:\n"
                  f"  townhall run \"…\" --pack {result.out} --model history")
