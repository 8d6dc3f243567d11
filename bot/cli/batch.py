"""`townhall batch`: run variants × seeds, show progress, then write the report."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from agents.backends.pool import LLMPool
from agents.backends.provider_batches import has_batch_api
from agents.backends.registry import SPEC_HELP
from agents.packs import load_pack
from bot.batch.aggregate import BatchReport, aggregate
from bot.batch.meter import BatchTotals
from bot.batch.plan import BatchError, BatchPlan, ScenarioOptions, new_batch_id, parse_variants
from bot.batch.report import to_html, to_json
from bot.batch.runner import BatchResult, LocalRunner, behind_cache, check_scenario
from bot.batch.stance import (
    AppraisalClassifier,
    LexiconClassifier,
    ModelClassifier,
    StanceClassifier,
)
from bot.cli.common import model_pool, run_settings, user_errors
from bot.platforms.safe_console import SafeConsole
from bot.transcript import Transcript, resolve_db_path

status = SafeConsole(stderr=True, highlight=False)


def make_classifier(mode: str, llms: LLMPool, concurrency: int) -> StanceClassifier:
    """auto: the model labels replies when it can decide, else each reply keeps the stance the
    persona's appraisal gave it."""
    if mode not in {"auto", "model", "appraisal", "lexicon"}:
        raise BatchError(f"--classify {mode}: use auto, model, appraisal or lexicon")
    backend = llms.get(llms.default_spec)
    if mode == "model" and not backend.decides:
        raise BatchError(f"--classify model: '{llms.default_spec}' cannot label text (it does not "
                         "produce structured output) — fix: --classify appraisal or another --model")
    if mode == "lexicon":
        return LexiconClassifier()
    if mode == "appraisal" or not backend.decides:
        return AppraisalClassifier()
    return ModelClassifier(backend, concurrency)


async def build_report(db: Path, batch_id: str, classifier: StanceClassifier,
                       threshold: int) -> BatchReport:
    async with Transcript(db) as transcript:
        report = await aggregate(transcript.conn, batch_id, classifier,
                                 backlash_threshold=threshold)
    if isinstance(classifier, ModelClassifier) and classifier.fell_back and not classifier.labelled:
        report.classifier = f"lexicon (VADER): {classifier.name} gave no usable labels"
    elif isinstance(classifier, ModelClassifier) and classifier.fell_back:
        report.notes.append(f"The model labelled {classifier.labelled} replies; "
                            f"{classifier.fell_back} fell back to the lexicon (unusable output).")
    if isinstance(classifier, ModelClassifier):
        report.notes.append(f"Labelling cost {classifier.calls} model calls, {classifier.tokens:,} "
                            f"tokens, ${classifier.cost_usd:.4f}.")
    return report


def _fields(totals: BatchTotals) -> dict:
    return {"messages": totals.messages, "tokens": totals.tokens, "cost": totals.cost_usd}


async def _drive(runner) -> BatchResult:
    loop = asyncio.get_running_loop()
    for sig, why in ((signal.SIGINT, "interrupted (Ctrl-C)"), (signal.SIGTERM, "terminated")):
        loop.add_signal_handler(sig, runner.stop, why)
    progress = Progress(
        TextColumn("[bold]{task.description}"), BarColumn(bar_width=20), MofNCompleteColumn(),
        TextColumn("runs · {task.fields[messages]:,} msgs · {task.fields[tokens]:,} tok · "
                   "${task.fields[cost]:.2f} · ETA"), TimeRemainingColumn(),
        console=status)
    work = asyncio.create_task(runner.run())
    try:
        with progress:
            task = progress.add_task(runner.plan.batch_id, total=None,
                                     **_fields(runner.totals))
            while not work.done():
                await asyncio.wait({work}, timeout=0.25)
                t = runner.totals
                progress.update(task, total=t.runs_total or None,
                                completed=t.runs_skipped + t.runs_done + t.runs_failed,
                                **_fields(t))
        return await work
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


async def _run_and_report(runner, llms: LLMPool, classifier: StanceClassifier, threshold: int
                          ) -> tuple[BatchResult, BatchReport | None]:
    """One event loop for the batch, the labelling and closing the models (HTTP clients are
    bound to the loop that opened them)."""
    try:
        result = await _drive(runner)
        t = result.totals
        status.print(f"{t.runs_done} runs done, {t.runs_skipped} already done, {t.runs_failed} "
                     f"failed · {t.messages:,} messages · {t.tokens:,} tokens · ${t.cost_usd:.4f}")
        for failure in result.failures[:5]:
            status.print(f"[yellow]failed:[/yellow] {failure}")
        if result.stopped:
            status.print(f"[yellow]{result.stopped}[/yellow] — resume with "
                         f"[bold]--batch-id {runner.plan.batch_id}[/bold]")
        try:
            built = await build_report(runner.db, runner.plan.batch_id, classifier, threshold)
        except LookupError:
            built = None
            status.print("no finished runs yet: nothing to report")
        return result, built
    finally:
        await llms.aclose()


def _opt(*names: str, help: str) -> typer.models.OptionInfo:  # noqa: A002 - typer's own name
    return typer.Option(*names, help=help)


Variants = Annotated[list[str], _opt("--variant", help="NAME=FILE.md or NAME=TEXT; repeatable")]
DbPath = Annotated[str | None, _opt("--db", help="SQLite file [env TOWNHALL_DB; default "
                                                 "./townhall.db]")]
BatchId = Annotated[str | None, _opt("--batch-id", help="resume (or name) a batch: finished runs "
                                                       "are skipped")]
Money = Annotated[float | None, _opt(help="stop the batch once this many dollars are spent")]


def batch_command(
    variant: Variants,
    runs: Annotated[int, _opt(help="runs (seeds) per variant")] = 20,
    pack: Annotated[str, _opt("--pack", help="bundled pack name or a folder")] = "board",
    scenario: Annotated[str | None, _opt(help="discussion | meeting | feed (default: the "
                                              "pack's)")] = None,
    minutes_per_item: Annotated[float, _opt(help="meeting: simulated minutes per item")] = 10.0,
    hours: Annotated[float, _opt(help="feed: simulated hours to watch")] = 12.0,
    population: Annotated[int | None, _opt(help="feed: grow the pack to N members")] = None,
    model: Annotated[str, _opt(help=f"model for the room: {SPEC_HELP}")] = "history",
    db: DbPath = None,
    batch_id: BatchId = None,
    seed: Annotated[int, _opt(help="first seed; run i of a variant uses seed+i")] = 0,
    concurrency: Annotated[int, _opt(help="model calls in flight, whole batch")] = 8,
    parallel: Annotated[int, _opt(help="rooms running at once")] = 8,
    max_cost: Money = None,
    max_messages: Annotated[int | None, _opt(help="end each run after this many messages")] = None,
    max_seconds: Annotated[float | None, _opt(help="end each run after this wall time")] = None,
    backlash: Annotated[int, _opt(help="fewest personas replying against it that make a run a "
                                       "backlash (and a quarter of those who respond)")] = 3,
    classify: Annotated[str, _opt(help="reply stance by: auto | model | appraisal | "
                                       "lexicon")] = "auto",
    report: Annotated[Path | None, _opt("--report", help="write the HTML report here")] = None,
    as_json: Annotated[bool, _opt("--json", help="print the report as JSON on stdout")] = False,
    ray: Annotated[str | None, _opt("--ray", help="Ray cluster: ADDRESS, auto or local")] = None,
    ray_workers: Annotated[int | None, _opt(help="Ray workers (default: the cluster CPUs)")] = None,
    batch_api: Annotated[bool, _opt("--batch-api", help="provider batch API (half price)")] = False,
    batch_window: Annotated[float, _opt(help="--batch-api: seconds to gather calls")] = 2.0,
    no_cache: Annotated[bool, _opt("--no-cache", help="never answer from the response cache")
                        ] = False,
    name: Annotated[str, _opt("--as", help="the name the stimulus is posted under")] = "You",
) -> None:
    """Run each variant many times (seeds) and report the distribution of responses."""
    with user_errors():
        if runs < 0:
            raise BatchError("--runs must be 0 or more")
        if batch_window <= 0:
            raise BatchError("--batch-window must be more than 0 seconds")
        if backlash < 1:
            raise BatchError("--backlash must be 1 or more")
        if report is not None and not report.parent.is_dir():
            raise BatchError(f"--report {report}: no folder {report.parent} — fix: create it first")
        variants = parse_variants(variant)
        loaded = load_pack(pack)
        database = resolve_db_path(db)
        llms = model_pool(model, db, cache=not no_cache)
        classifier = make_classifier(classify, llms, concurrency)
        if batch_api and not has_batch_api(behind_cache(llms.get(model))):
            raise BatchError(f"--batch-api: the model '{model}' has no batch API (a backend with "
                             "one, such as Anthropic's Message Batches, is needed) — fix: drop "
                             "--batch-api")
        if batch_api:  # the provider queues a batch: the in-flight limit would only shrink it
            concurrency = max(concurrency, parallel * len(loaded.personas))
        plan = BatchPlan(batch_id or new_batch_id(), loaded.name, scenario or
                         loaded.room.default_scenario, model, variants, runs, seed,
                         run_settings(seed, 0.0, concurrency, max_messages, None, None, None,
                                       max_seconds), name, batch_api, batch_window,
                         ScenarioOptions(minutes_per_item, hours, population))
        check_scenario(plan, loaded, llms.for_persona, Transcript(database))
        if ray:
            from bot.batch.ray_cluster import RayRunner
            runner = RayRunner(plan, loaded, database, address=ray, workers=ray_workers,
                               parallel=parallel, concurrency=concurrency, max_cost=max_cost)
        else:
            runner = LocalRunner(plan, loaded, llms, database, parallel=parallel,
                                 concurrency=concurrency, max_cost=max_cost)
        status.print(f"batch [bold]{plan.batch_id}[/bold] · {len(variants)} variant"
                     f"{'s' * (len(variants) > 1)} × {runs} runs "
                     f"· {loaded.name} · {plan.scenario} · {model}")
        result, built = asyncio.run(_run_and_report(runner, llms, classifier, backlash))
        if built is not None:
            for v in built.variants:
                status.print(f"[bold]{v.name}[/bold]: {v.verdict}")
            if report:
                report.write_text(to_html(built), encoding="utf-8")
                status.print(f"wrote {report}")
            if as_json:
                sys.stdout.write(to_json(built) + "\n")
    if result.stopped:
        raise typer.Exit(3)
