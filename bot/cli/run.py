"""`townhall run` and `townhall demo`: seat a pack, post the pitch, watch the room live."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer

from agents.backends.pool import LLMPool
from agents.backends.registry import SPEC_HELP
from agents.packs import Pack, load_pack
from bot.cli.common import (
    DbOption,
    HostOption,
    PackOption,
    PortOption,
    console,
    model_pool,
    print_summary,
    read_text_or_file,
    run_settings,
    user_errors,
)
from bot.engine.settings import RunSettings
from bot.platforms.hosted import HOSTED_PLATFORMS, hosted_platform
from bot.platforms.terminal import CROWD_SIZE, TerminalPlatform, TranscriptPrinter
from bot.runs.plan import RunPlan, plan_run
from bot.runs.serve import DEFAULT_HOST, DEFAULT_PORT, serve_room
from bot.runs.session import run_session
from bot.transcript import resolve_db_path


def run(
    pitch: Annotated[str | None, typer.Argument(
        help="what you say to the room (text, or a .md/.txt file)")] = None,
    pack: PackOption = "board",
    model: Annotated[str, typer.Option(help=f"model for the room: {SPEC_HELP}")] = "local",
    no_cache: Annotated[bool, typer.Option("--no-cache", help="always ask the model; never answer "
                                           "from the response cache")] = False,
    db: DbOption = None,
    seed: Annotated[int, typer.Option(help="same seed + same model answers = same transcript")] = 0,
    speed: Annotated[float | None, typer.Option(
        min=0, help="pace of simulated time; 0 = as fast as possible (default: 1; feed: 0)")] = None,
    concurrency: Annotated[int, typer.Option(help="model calls in flight at once")] = 8,
    max_messages: Annotated[int | None, typer.Option(help="end after this many messages")] = None,
    max_llm_calls: Annotated[int | None, typer.Option(help="stop starting model calls at this many")] = None,
    max_tokens: Annotated[int | None, typer.Option(help="stop once this many tokens are used")] = None,
    max_cost: Annotated[float | None, typer.Option(help="stop once this many dollars are spent")] = None,
    max_seconds: Annotated[float | None, typer.Option(help="end after this much wall time")] = None,
    name: Annotated[str, typer.Option("--as", help="your display name in the room")] = "You",
    platform_name: Annotated[str, typer.Option(
        "--platform", help="terminal | local (the web chat) | " + " | ".join(HOSTED_PLATFORMS)
        + "; all but terminal stay open until stopped")] = "terminal",
    host: HostOption = DEFAULT_HOST,
    port: PortOption = DEFAULT_PORT,
    scenario: Annotated[str | None, typer.Option(
        help="discussion | meeting | feed (default: the pack's)")] = None,
    agenda: Annotated[Path | None, typer.Option(
        help="meeting agenda: Markdown, one '## ' section per item")] = None,
    minutes_per_item: Annotated[float, typer.Option(
        help="meeting: simulated minutes per agenda item")] = 10.0,
    population: Annotated[int | None, typer.Option(
        help="feed: grow the pack to N varied members")] = None,
    hours: Annotated[float, typer.Option(help="feed: simulated hours to watch")] = 12.0,
) -> None:
    """Seat a pack in a room, post your pitch, and watch it live in the terminal (or a channel)."""
    live = platform_name != "terminal"  # a live channel stays open until Ctrl-C or a budget
    with user_errors():
        loaded = load_pack(pack)
        text = read_text_or_file(pitch) if pitch else None
        plan = plan_run(loaded, scenario=scenario, pitch=text, agenda=agenda,
                        minutes_per_item=minutes_per_item, population=population, hours=hours,
                        speed=speed, seed=seed)
        if not plan.pitch and not live:
            raise ValueError("nothing to say to the room — fix: give a pitch (text or a .md file)"
                             " or --agenda FILE")
        llms = model_pool(model, db, cache=not no_cache)
        settings = run_settings(seed, plan.speed, concurrency, max_messages, max_llm_calls,
                                max_tokens, max_cost, max_seconds, stop_when_quiet=not live)
        if live and platform_name != "local":
            platform = hosted_platform(platform_name, plan.personas)
    if platform_name == "local":
        _serve_web(loaded, plan, llms, db, settings, host, port, name)
        return
    colors = {p.id: p.color for p in plan.personas}
    roles = {p.id: p.role for p in plan.personas}
    printer = TranscriptPrinter(console, colors, roles)
    if not live:
        platform = TerminalPlatform(console, printer, human_name=name, interactive=sys.stdin.isatty(),
                                    crowd=len(plan.personas) > CROWD_SIZE)
    console.rule(f"[bold]{loaded.room.name}[/bold] · {len(plan.personas)} personas · "
                 f"{plan.policy.name} · {model}")
    if live:
        console.print(f"[dim]seating the room on {platform_name}; Ctrl-C ends the run[/dim]")
    with user_errors():
        result = asyncio.run(run_session(loaded, llms, resolve_db_path(db), settings, platform,
                                         pitch=plan.pitch, human_name=name, policy=plan.policy,
                                         personas=plan.personas))
    print_summary(result)


def _serve_web(loaded: Pack, plan: RunPlan, llms: LLMPool, db: str | None, settings: RunSettings,
               host: str, port: int, name: str) -> None:
    console.rule(f"[bold]{loaded.room.name}[/bold] · {len(plan.personas)} personas · "
                 f"{plan.policy.name} · {llms.default_spec}")

    def announce(url: str) -> None:
        console.print(f"Open [bold link={url}]{url}[/] in your browser. Ctrl-C ends the run.")

    with user_errors():
        result = asyncio.run(serve_room(loaded, llms, resolve_db_path(db), settings, host=host,
                                        port=port, pitch=plan.pitch, human_name=name,
                                        announce=announce, policy=plan.policy,
                                        personas=plan.personas))
    print_summary(result)


def demo(
    model: Annotated[str, typer.Option(help=f"model for the room: {SPEC_HELP}")] = "local",
    pack: PackOption = "board",
    host: HostOption = DEFAULT_HOST,
    port: PortOption = DEFAULT_PORT,
    db: DbOption = None,
    seed: Annotated[int, typer.Option(help="same seed + same answers = same run")] = 0,
    speed: Annotated[float, typer.Option(min=0, help="pace of simulated time; 0 = max")] = 1.0,
    max_seconds: Annotated[float | None, typer.Option(help="end after this much wall time")] = None,
    max_cost: Annotated[float | None, typer.Option(help="stop once this many $ are spent")] = None,
    pitch: Annotated[str | None, typer.Option(help="post this first (text or .md/.txt)")] = None,
    name: Annotated[str, typer.Option("--as", help="your display name for --pitch")] = "You",
) -> None:
    """Open the room in your browser with the board seated, and pitch them. Runs until stopped."""
    with user_errors():
        loaded = load_pack(pack)
        text = read_text_or_file(pitch) if pitch else None
        plan = plan_run(loaded, scenario=None, pitch=text, agenda=None, minutes_per_item=10.0,
                        population=None, hours=12.0, speed=speed, seed=seed)
        llms = model_pool(model, db)
        settings = run_settings(seed, plan.speed, 8, None, None, None, max_cost, max_seconds)
    _serve_web(loaded, plan, llms, db, settings, host, port, name)
