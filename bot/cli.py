"""The `townhall` command line."""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from dotenv import load_dotenv
from rich.console import Console
from rich.table import Table

from agents.llm.pool import LLMPool
from agents.llm.registry import SPEC_HELP, ModelSpecError
from agents.packs import PackError, bundled_pack_names, load_pack, resolve_pack_path
from bot.compare import compare_runs, print_comparison
from bot.fork import opening as fork_opening
from bot.fork import plan_fork
from bot.fork import start_arguments as fork_start
from bot.orchestrator import Budgets, RunSettings
from bot.persona_card import render_card
from bot.persona_import import import_command
from bot.platforms.hosted import HOSTED_PLATFORMS, hosted_platform, replay_run_to
from bot.platforms.terminal import CROWD_SIZE, TerminalPlatform, TranscriptPrinter
from bot.platforms.webchat import WebChatError
from bot.platforms.webchat.launch import DEFAULT_HOST, DEFAULT_PORT, serve_room
from bot.replay import replay_into
from bot.scenarios.setup import RoomPlan, plan_room
from bot.session import SessionResult, run_session
from bot.transcript import Transcript, resolve_db_path
from bot.transcript.export import FORMATS, export
from bot.transcript.queries import RunNotFound, RunSummary, list_runs, load_run

app = typer.Typer(help="Rehearse how a room of persona agents responds before you say it for real.",
                  no_args_is_help=True, pretty_exceptions_enable=False)
personas_app = typer.Typer(help="List, inspect and validate persona packs.", no_args_is_help=True)
app.add_typer(personas_app, name="personas")
personas_app.command("import")(import_command)

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False, soft_wrap=True)  # one error, one line

DbOption = Annotated[str | None, typer.Option("--db", help="SQLite file [env TOWNHALL_DB; default ./townhall.db]")]
PackOption = Annotated[str, typer.Option("--pack", help="bundled pack name or a folder")]
RunArg = Annotated[str, typer.Argument(help="run id, a unique prefix of one, or 'last'")]
HostOption = Annotated[str, typer.Option(help="web chat address; other than loopback needs the "
                                              "printed token")]
PortOption = Annotated[int, typer.Option(help="web chat port (0 = any free port)")]

USER_ERRORS = (PackError, ModelSpecError, RunNotFound, ValueError, FileNotFoundError, WebChatError)


@contextmanager
def user_errors() -> Iterator[None]:
    """Errors a user can cause end in one clear line, never a traceback."""
    try:
        yield
    except USER_ERRORS as exc:
        errors.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None


def _read_text_or_file(value: str) -> str:
    path = Path(value)
    if len(value) < 4096 and "\n" not in value and path.suffix in {".md", ".txt"} and path.is_file():
        return path.read_text(encoding="utf-8").strip()
    return value


def room_settings(seed: int, speed: float, concurrency: int, max_messages: int | None,
                  max_llm_calls: int | None, max_tokens: int | None, max_cost: float | None,
                  max_seconds: float | None, stop_when_quiet: bool = True) -> RunSettings:
    return RunSettings(seed=seed, speed=speed, concurrency=concurrency, stop_when_quiet=stop_when_quiet,
                       budgets=Budgets(max_messages, max_llm_calls, max_tokens, max_cost, max_seconds))


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


@app.callback()
def main() -> None:
    """Secrets and settings may come from a .env file in the working directory."""
    load_dotenv(Path.cwd() / ".env", override=False)


@app.command()
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
        help="pace of simulated time; 0 = as fast as possible (default: 1; feed: 0)")] = None,
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
        text = _read_text_or_file(pitch) if pitch else None
        plan = plan_room(loaded, scenario=scenario, pitch=text,
                         agenda=agenda, minutes_per_item=minutes_per_item, population=population,
                         hours=hours, speed=speed, seed=seed)
        if not plan.pitch and not live:
            raise ValueError("nothing to say to the room — fix: give a pitch (text or a .md file)"
                             " or --agenda FILE")
        llms = LLMPool(model, cache_db=None if no_cache else resolve_db_path(db))
        settings = room_settings(seed, plan.speed, concurrency, max_messages, max_llm_calls,
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
                 f"{plan.scenario.name} · {model}")
    if live:
        console.print(f"[dim]seating the room on {platform_name}; Ctrl-C ends the run[/dim]")
    with user_errors():
        result = asyncio.run(run_session(loaded, llms, resolve_db_path(db), settings, platform,
                                         pitch=plan.pitch, human_name=name, scenario=plan.scenario,
                                         personas=plan.personas))
    print_summary(result)


def _serve_web(loaded, plan: RoomPlan, llms: LLMPool, db: str | None, settings: RunSettings,
               host: str, port: int, name: str) -> None:
    console.rule(f"[bold]{loaded.room.name}[/bold] · {len(plan.personas)} personas · "
                 f"{plan.scenario.name} · {llms.default_spec}")

    def announce(url: str) -> None:
        console.print(f"Open [bold link={url}]{url}[/] in your browser. Ctrl-C ends the run.")

    with user_errors():
        result = asyncio.run(serve_room(loaded, llms, resolve_db_path(db), settings, host=host,
                                        port=port, pitch=plan.pitch, human_name=name,
                                        announce=announce, scenario=plan.scenario,
                                        personas=plan.personas))
    print_summary(result)


@app.command()
def demo(
    model: Annotated[str, typer.Option(help=f"model for the room: {SPEC_HELP}")] = "local",
    pack: PackOption = "board",
    host: HostOption = DEFAULT_HOST,
    port: PortOption = DEFAULT_PORT,
    db: DbOption = None,
    seed: Annotated[int, typer.Option(help="same seed + same answers = same run")] = 0,
    speed: Annotated[float, typer.Option(help="pace of simulated time; 0 = max")] = 1.0,
    max_seconds: Annotated[float | None, typer.Option(help="end after this much wall time")] = None,
    max_cost: Annotated[float | None, typer.Option(help="stop once this many $ are spent")] = None,
    pitch: Annotated[str | None, typer.Option(help="post this first (text or .md/.txt)")] = None,
    name: Annotated[str, typer.Option("--as", help="your display name for --pitch")] = "You",
) -> None:
    """Open the room in your browser with the board seated, and pitch them. Runs until stopped."""
    with user_errors():
        loaded = load_pack(pack)
        text = _read_text_or_file(pitch) if pitch else None
        plan = plan_room(loaded, scenario=None, pitch=text, agenda=None, minutes_per_item=10.0,
                         population=None, hours=12.0, speed=speed, seed=seed)
        llms = LLMPool(model, cache_db=resolve_db_path(db))
        settings = room_settings(seed, plan.speed, 8, None, None, None, max_cost, max_seconds)
    _serve_web(loaded, plan, llms, db, settings, host, port, name)


@app.command("runs")
def runs_command(db: DbOption = None, limit: int = 30,
                 as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List stored runs, newest first."""

    async def fetch() -> list[dict]:
        async with Transcript(resolve_db_path(db)) as t:
            return await list_runs(t.conn, limit)

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


async def _load(db: str | None, ref: str):
    async with Transcript(resolve_db_path(db)) as t:
        return await load_run(t.conn, ref)


def _printer_for(view) -> TranscriptPrinter:
    colors = {p.id: p.color for p in view.participants.values() if p.color}
    roles = {p.id: p.role for p in view.participants.values() if p.role}
    return TranscriptPrinter(console, colors, roles)


@app.command()
def show(run_ref: RunArg = "last", db: DbOption = None) -> None:
    """Print a stored run's transcript."""
    with user_errors():
        view = asyncio.run(_load(db, run_ref))
    console.rule(f"run {view.run['id']} · {view.run['pack']} · {view.run['model']} · {view.run['status']}")
    printer = _printer_for(view)
    for event in view.events:
        printer.render(event)


@app.command()
def replay(run_ref: RunArg = "last", db: DbOption = None,
           speed: Annotated[float, typer.Option(help="× original pace; 0 = instant")] = 1.0,
           to: Annotated[str | None, typer.Option(
               "--to", help=" | ".join(HOSTED_PLATFORMS) + ": re-post into that channel")] = None,
           ) -> None:
    """Replay a stored run into the terminal (or a channel) with its original timing, scaled."""
    with user_errors():
        view = asyncio.run(_load(db, run_ref))
        if to:
            shown = asyncio.run(replay_run_to(to, view, speed))
            console.print(f"re-posted {shown} events of run {view.run['id']} to {to}")
            return
    printer = _printer_for(view)
    console.rule(f"replay of {view.run['id']} at {speed:g}×")
    try:
        asyncio.run(replay_into(view.events, printer.render, speed))
    except KeyboardInterrupt:
        console.print("[dim]replay stopped[/dim]")


@app.command("export")
def export_command(
    run_ref: RunArg = "last",
    fmt: Annotated[str, typer.Option("--format", help=" | ".join(FORMATS))] = "md",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="file (default: stdout)")] = None,
    db: DbOption = None,
) -> None:
    """Export a stored run as Markdown or JSON Lines."""
    with user_errors():
        text = export(asyncio.run(_load(db, run_ref)), fmt)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
        errors.print(f"wrote {output}")


@personas_app.command("list")
def personas_list(pack: Annotated[str | None, typer.Option("--pack")] = None,
                  as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List bundled packs, or the personas of one pack."""
    with user_errors():
        if pack is None:
            packs = [load_pack(n) for n in bundled_pack_names()]
            if as_json:
                console.print_json(json.dumps([{"name": p.name, "room": p.room.name,
                                                "personas": len(p.personas)} for p in packs]))
                return
            table = Table("pack", "room", "personas", "default scenario")
            for p in packs:
                table.add_row(p.name, p.room.name, str(len(p.personas)), p.room.default_scenario)
            console.print(table)
            return
        loaded = load_pack(pack)
    if as_json:
        console.print_json(json.dumps([p.model_dump(mode="json") for p in loaded.personas]))
        return
    table = Table("id", "name", "role", "talk", "react", title=loaded.room.name)
    for p in loaded.personas:
        table.add_row(p.id, f"[{p.color}]{p.name}[/]", p.role, f"{p.activity.talkativeness:.2f}",
                      f"{p.activity.reaction_propensity:.2f}")
    console.print(table)


@personas_app.command("show")
def personas_show(persona_id: str, pack: PackOption = "board",
                  as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Print one persona's card."""
    with user_errors():
        loaded = load_pack(pack)
        try:
            persona = loaded.persona(persona_id)
        except KeyError:
            raise ValueError(f"no persona '{persona_id}' in pack {loaded.name} — fix: use one of "
                             + ", ".join(p.id for p in loaded.personas)) from None
    if as_json:
        console.print_json(persona.model_dump_json())
        return
    console.print(render_card(persona))


@personas_app.command("check")
def personas_check(pack: Annotated[list[str] | None,
                                   typer.Option("--pack", help="pack name or folder; repeatable")] = None,
                   as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Validate packs (all bundled packs by default); exit 1 on the first problem in each."""
    names = pack or bundled_pack_names()
    results = []
    for name in names:
        try:
            loaded = load_pack(name)
            results.append({"pack": name, "ok": True, "personas": len(loaded.personas),
                            "path": str(resolve_pack_path(name))})
        except PackError as exc:
            results.append({"pack": name, "ok": False, "error": str(exc)})
    if as_json:
        console.print_json(json.dumps(results))
    else:
        for r in results:
            if r["ok"]:
                console.print(f"[green]ok[/green]  {r['pack']}: {r['personas']} personas")
            else:
                errors.print(f"[red]bad[/red] {r['error']}")
    if not all(r["ok"] for r in results):
        raise typer.Exit(1)


@app.command()
def fork(
    run_ref: RunArg,
    at: Annotated[int, typer.Option("--at", help="the message id to say differently")],
    text: Annotated[str, typer.Option(
        "--text", help="the new version of that message (text or a .md/.txt file)")],
    model: Annotated[str | None, typer.Option(help="model (default: the parent's)")] = None,
    seed: Annotated[int | None, typer.Option(help="seed (default: the parent's)")] = None,
    speed: Annotated[float, typer.Option(help="pace of simulated time; 0 = at once")] = 0.0,
    db: DbOption = None,
) -> None:
    """Start a new run that shares everything before a message and says something else there."""
    with user_errors():
        parent = asyncio.run(_load(db, run_ref))
        plan = plan_fork(parent, at, model=model, seed=seed, speed=speed)
        llms = LLMPool(plan.model)
        new_text = _read_text_or_file(text).strip()
        if not new_text:
            raise ValueError("--text is empty — fix: give the new version of the message")
    printer = TranscriptPrinter(console, {p.id: p.color for p in plan.personas},
                                {p.id: p.role for p in plan.personas})
    platform = TerminalPlatform(console, printer, interactive=False)
    console.rule(f"fork of {parent.run['id']} at message {at} · {plan.scenario.name} · "
                 f"{plan.model}")
    with user_errors():
        result = asyncio.run(run_session(
            plan.pack, llms, resolve_db_path(db), plan.settings, platform,
            pitch=parent.run["title"],
            scenario=plan.scenario, personas=plan.personas,
            start=fork_start(plan, parent.run["id"]), opening=fork_opening(plan, new_text)))
    print_summary(result)


@app.command()
def compare(run_a: RunArg, run_b: RunArg, db: DbOption = None,
            limit: Annotated[int, typer.Option(help="rows of messages to show")] = 30) -> None:
    """Two runs side by side: messages, reactions, who turned against, votes, tokens and cost."""

    async def fetch():
        async with Transcript(resolve_db_path(db)) as t:
            return await compare_runs(t.conn, run_a, run_b)

    with user_errors():
        comparison = asyncio.run(fetch())
    print_comparison(console, comparison, limit)


# Commands that live in their own modules (imported last: they reuse the helpers above).
from bot.batch.command import batch_command  # noqa: E402

app.command("batch")(batch_command)
