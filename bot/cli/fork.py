"""`townhall fork` and `townhall compare`: the same room, something else said; two runs side by
side."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer

from bot.cli.common import (
    DbOption,
    RunArg,
    console,
    model_pool,
    print_summary,
    read_run,
    read_text_or_file,
    user_errors,
)
from bot.platforms.terminal import TerminalPlatform, TranscriptPrinter
from bot.runs.compare import compare_runs, print_comparison
from bot.runs.fork import opening as fork_opening
from bot.runs.fork import plan_fork
from bot.runs.fork import start_arguments as fork_start
from bot.runs.session import run_session
from bot.transcript import Transcript, resolve_db_path


def fork(
    run_ref: RunArg,
    at: Annotated[int, typer.Option("--at", help="the message id to say differently")],
    text: Annotated[str, typer.Option(
        "--text", help="the new version of that message (text or a .md/.txt file)")],
    model: Annotated[str | None, typer.Option(help="model (default: the parent's)")] = None,
    seed: Annotated[int | None, typer.Option(help="seed (default: the parent's)")] = None,
    speed: Annotated[float, typer.Option(min=0, help="pace of simulated time; 0 = at once")] = 0.0,
    db: DbOption = None,
) -> None:
    """Start a new run that shares everything before a message and says something else there."""
    with user_errors():
        parent = asyncio.run(read_run(db, run_ref))
        plan = plan_fork(parent, at, model=model, seed=seed, speed=speed)
        llms = model_pool(plan.model, db)
        new_text = read_text_or_file(text).strip()
        if not new_text:
            raise ValueError("--text is empty — fix: give the new version of the message")
    printer = TranscriptPrinter(console, {p.id: p.color for p in plan.personas},
                                {p.id: p.role for p in plan.personas})
    platform = TerminalPlatform(console, printer, interactive=False)
    console.rule(f"fork of {parent.run['id']} at message {at} · {plan.policy.name} · "
                 f"{plan.model}")
    with user_errors():
        result = asyncio.run(run_session(
            plan.pack, llms, resolve_db_path(db), plan.settings, platform,
            pitch=parent.run["title"],
            policy=plan.policy, personas=plan.personas,
            start=fork_start(plan, parent.run["id"]), opening=fork_opening(plan, new_text)))
    print_summary(result)


def compare(run_a: RunArg, run_b: RunArg, db: DbOption = None,
            limit: Annotated[int, typer.Option(help="rows of messages to show")] = 30) -> None:
    """Two runs side by side: messages, reactions, who turned against, votes, tokens and cost."""

    async def fetch():
        async with Transcript(resolve_db_path(db), existing=True) as t:
            return await compare_runs(t.conn, run_a, run_b)

    with user_errors():
        comparison = asyncio.run(fetch())
    print_comparison(console, comparison, limit)
