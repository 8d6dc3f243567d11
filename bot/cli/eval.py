"""`townhall eval`: how close an imported pack's personas come to the real people (docs/eval.md)."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from agents.backends.registry import SPEC_HELP, is_cacheable
from bot.cli.common import DbOption, console, model_pool, user_errors
from bot.eval.evaluate import EvalOptions, estimate_cost, evaluate
from bot.eval.generate import Room
from bot.eval.items import EvalError, load_eval_set

status = Console(stderr=True, highlight=False)  # progress and notes: stdout stays the result


def _pct(task: dict, key: str = "accuracy") -> str:
    value = task.get(key)
    return "—" if value is None else f"{value:.0%}" if key != "mrr" else f"{value:.2f}"


def _row(name: str, tasks: dict, copy_rate: float | None) -> list[str]:
    who, reply, part = tasks["who_said_it"], tasks["reply_id"], tasks["participation"]
    auc = part.get("auc")
    return [name, f"{_pct(who)} [dim]{who['ci95'][0]:.0%}–{who['ci95'][1]:.0%}[/dim]",
            f"{_pct(reply)} [dim]{reply['ci95'][0]:.0%}–{reply['ci95'][1]:.0%}[/dim]",
            _pct(reply, "mrr"), "—" if auc is None else f"{auc:.2f}",
            "—" if copy_rate is None else f"{copy_rate:.0%}"]


def print_table(result: dict) -> None:
    tasks = result["tasks"]
    who, reply = tasks["who_said_it"], tasks["reply_id"]
    table = Table(title=f"{result['pack']} · {result['model']} · {result['items']} of "
                        f"{result['held_out_items']} held-out replies · seed {result['seed']}",
                  title_justify="left")
    for column in ("system", f"who said it (k={who['k']})", f"reply id (k={reply['k']})", "MRR",
                   "participation AUC", "copies"):
        table.add_column(column, justify="left" if column == "system" else "right",
                         overflow="fold")
    table.add_row(*_row(f"[bold]{result['model']}[/bold]", tasks, result["copy_rate"]))
    for name, base in result["baselines"].items():
        if name != result["model"]:
            table.add_row(*_row(name, base, base.get("copy_rate")))
    table.add_row("chance", f"{who['chance']:.0%}", f"{reply['chance']:.0%}",
                  f"{reply['mrr_chance']:.2f}", "0.50", "")
    console.print(table)
    style = tasks["style"]
    if style.get("n"):
        ratio = style["sentiment_variance_ratio"]
        console.print(
            f"style vs the real replies: length gap {style['length']:.2f} (log chars), "
            f"punctuation {style['punctuation']:.2f}, emoji {style['emoji']:.2f}, lower-case "
            f"starts {style['lowercase_start']:.0%}; sentiment JSD {style['sentiment_jsd']:.2f}, "
            f"variance ratio {'—' if ratio is None else f'{ratio:.2f}'}")
    console.print(f"{result['replies_given']} replies given · {result['calls']} calls "
                  f"({result['cached_calls']} cached) · ${result['cost']:.4f} · "
                  f"wall {result['seconds']:.1f}s")


async def _run(eval_set, room: Room, options: EvalOptions, db: str | None, cache: bool) -> dict:
    llms = model_pool(options.model, db, cache=cache)
    progress = Progress(TextColumn("[bold]eval"), BarColumn(bar_width=20), MofNCompleteColumn(),
                        TextColumn("replies · ETA"), TimeRemainingColumn(), console=status,
                        transient=True)
    try:
        with progress:
            task = progress.add_task("eval", total=len(eval_set.items))
            return await evaluate(eval_set, llms.get(options.model), options, room=room,
                                  on_done=lambda: progress.advance(task))
    finally:
        await llms.aclose()


def eval_command(
    pack: Annotated[str, typer.Argument(help="an imported pack (folder) with a hold-out")],
    model: Annotated[str, typer.Option(help=f"the model under test: {SPEC_HELP}")] = "history",
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
    report: Annotated[Path | None, typer.Option(help="write an HTML report here")] = None,
    limit: Annotated[int, typer.Option(help="generate at most N replies (a seeded sample of "
                                           "the held-out items; 0 = all)")] = 300,
    seed: Annotated[int, typer.Option(help="seed for the sample and the candidates")] = 0,
    concurrency: Annotated[int, typer.Option(help="model calls in flight")] = 4,
    max_cost: Annotated[float | None, typer.Option(help="stop asking once this many dollars "
                                                        "are spent")] = None,
    db: DbOption = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="never answer from the response "
                                                            "cache")] = False,
) -> None:
    """Score how well the personas answer like the real people on their held-out replies, next to
    free baselines (random, activity, history)."""
    with user_errors():
        if limit < 0:
            raise EvalError("--limit must be 0 (all) or more")
        if report is not None and not report.parent.is_dir():
            raise EvalError(f"--report {report}: no folder {report.parent} — fix: create it first")
        eval_set = load_eval_set(pack, limit=limit or None, seed=seed)
        options = EvalOptions(model, seed, concurrency, max_cost)
        room = Room(eval_set, seed)
        if is_cacheable(model):
            estimate = estimate_cost(room, eval_set, model)
            status.print(f"{len(eval_set.items)} replies to generate with {model}: "
                         + ("cost unknown (no price known for this model)" if estimate is None
                            else "free (it runs here)" if estimate == 0 else
                            f"about ${estimate:.2f} at list price, less what the cache answers")
                         + ("" if max_cost is None else f"; stops at ${max_cost:.2f}"))
        result = asyncio.run(_run(eval_set, room, options, db, not no_cache))
        for error in result["errors"]:  # a failed call scores as silence: say why it failed
            status.print(f"[yellow]failed:[/yellow] {escape(error)}")
        if as_json:
            sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=2) + "\n")
        else:
            print_table(result)
        if report is not None:
            from bot.eval.report import to_html
            report.write_text(to_html(result), encoding="utf-8")
            status.print(f"wrote {report}")
    if result["stopped_by_max_cost"]:
        status.print(f"[yellow]stopped at --max-cost ${max_cost:.2f}[/yellow]: the scores count "
                     "the replies not asked for as silent")
        raise typer.Exit(3)
