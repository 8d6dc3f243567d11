"""Run a batch's (variant, seed) jobs concurrently in this process, into one SQLite transcript.

Each job is a headless run (it ends when its room falls quiet or on a per-run budget). All runs
share one transcript writer and one model-call semaphore (see meter.py). Stopping the batch (Ctrl-C,
SIGTERM, `--max-cost`) stops the runs in flight cleanly and marks them 'interrupted', so a resume
runs them again; a run that has finished is never run twice.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from agents.backends.cache import CachedLLM
from agents.backends.pool import LLMPool
from agents.backends.provider_batches import ProviderBatchLLM
from agents.llm import LLM
from agents.packs import Pack
from agents.persona import Persona
from bot.batch.ledger import jobs_to_run
from bot.batch.meter import BatchMeter, BatchTotals, MeteredLLM
from bot.batch.plan import BatchError, BatchPlan, Job
from bot.engine.orchestrator import Orchestrator
from bot.runs.plan import plan_run
from bot.transcript import Transcript
from bot.transcript.events import MessageEvent, ReactionEvent, RoomEvent

BATCH_STOP = "batch stopped"


def engine_for(plan: BatchPlan, job: Job, pack: Pack, llm_for: Callable[[Persona], LLM],
               transcript: Transcript) -> Orchestrator:
    """A headless run of one (variant, seed), seated the way `townhall run` seats it, at full
    speed, ending when its room falls quiet or on a budget. A feed's population is grown from the
    seed, so variant a and b of the same seed meet the same people."""
    o = plan.scenario_options
    try:
        seated = plan_run(pack, scenario=plan.scenario, pitch=job.text, agenda=None,
                          minutes_per_item=o.minutes_per_item, population=o.population,
                          hours=o.hours, speed=0.0, seed=job.seed)
    except ValueError as exc:
        raise BatchError(str(exc)) from None
    settings = replace(plan.settings, seed=job.seed, speed=0.0, stop_when_quiet=True)
    return Orchestrator(pack, llm_for, transcript, settings, policy=seated.policy,
                        model_name=plan.model, platform="batch", title=job.text,
                        personas=seated.personas, batch_id=plan.batch_id, variant=job.variant)


def check_scenario(plan: BatchPlan, pack: Pack, llm_for: Callable[[Persona], LLM],
                   transcript: Transcript) -> None:
    """Refuse what would fail every run before any starts: seat the first run, unstarted (a
    scenario checks the pack when it is bound, e.g. a meeting needs a chair)."""
    first = Job(plan.variants[0].name, plan.first_seed, plan.variants[0].text)
    try:
        engine_for(plan, first, pack, llm_for, transcript)
    except ValueError as exc:
        raise BatchError(str(exc)) from None


@dataclass
class BatchResult:
    batch_id: str
    totals: BatchTotals
    stopped: str | None = None  # why the batch ended before every job was done
    failures: list[str] = field(default_factory=list)


def behind_cache(backend: LLM) -> LLM:
    """The model itself, under the response cache the pool may have wrapped it in."""
    return backend.inner if isinstance(backend, CachedLLM) else backend


class JobRunner:
    """Runs single jobs on a transcript, metered; shared by the local and Ray runners."""

    def __init__(self, plan: BatchPlan, pack: Pack, llms: LLMPool, meter: BatchMeter) -> None:
        self.plan, self.pack, self.meter = plan, pack, meter
        self._llms = llms
        self._metered: dict[int, MeteredLLM] = {}
        self._batching: list[ProviderBatchLLM] = []
        self._running: set[Orchestrator] = set()
        self.stop_reason: str | None = None

    def llm_for(self, persona: Persona) -> LLM:
        backend = self._llms.for_persona(persona)
        key = id(backend)
        if key not in self._metered:
            if self.plan.batch_api:
                backend = self._through_batches(backend)
            self._metered[key] = MeteredLLM(backend, self.meter)
        return self._metered[key]

    def _through_batches(self, backend: LLM) -> LLM:
        """Cache hits stay free and instant; only the misses go into provider batches."""
        batching = ProviderBatchLLM(behind_cache(backend), window=self.plan.batch_window)
        self._batching.append(batching)
        return CachedLLM(batching, backend.cache) if isinstance(backend, CachedLLM) else batching

    async def aclose(self) -> None:
        """Send what a batch API still holds; the pool closes the backends themselves."""
        for batching in self._batching:
            await batching.aclose()

    def stop(self, reason: str) -> None:
        """Start no new job; end the runs in flight at their next step."""
        if self.stop_reason is None:
            prefixed = reason.startswith(BATCH_STOP)
            self.stop_reason = reason if prefixed else f"{BATCH_STOP}: {reason}"
        for engine in list(self._running):
            engine.request_stop(self.stop_reason)

    def _count(self, event: RoomEvent) -> None:
        if isinstance(event, MessageEvent) and event.author_kind == "persona":
            self.meter.totals.messages += 1
        elif isinstance(event, ReactionEvent):
            self.meter.totals.reactions += 1

    async def run_job(self, job: Job, transcript: Transcript) -> tuple[str, str, str]:
        """Returns (run id, 'finished' | 'interrupted' | 'failed', why it failed)."""
        engine = engine_for(self.plan, job, self.pack, self.llm_for, transcript)
        engine.subscribe(self._count)
        self._running.add(engine)
        started = False
        try:
            await engine.start()
            started = True
            if self.stop_reason is None:
                await engine.post_human(self.plan.human_name, job.text)
            else:
                engine.request_stop(self.stop_reason)
            reason = await engine.run()
        except Exception as exc:  # one run's failure is the batch's tally, never its end
            self.meter.totals.runs_failed += 1
            why = f"{type(exc).__name__}: {exc}"[:300]
            if started and not engine.finished.is_set():  # run() marks its own failures
                await engine.fail(why)
            return engine.run_id, "failed", why
        finally:
            self._running.discard(engine)
        if reason.startswith(BATCH_STOP):
            await transcript.finish_run(engine.run_id, "interrupted", reason)
            return engine.run_id, "interrupted", ""
        self.meter.totals.runs_done += 1
        return engine.run_id, "finished", ""


class LocalRunner:
    def __init__(self, plan: BatchPlan, pack: Pack, llms: LLMPool, db: Path, *, parallel: int = 8,
                 concurrency: int = 8, max_cost: float | None = None) -> None:
        self.plan, self.db = plan, db
        self.parallel = max(1, parallel)
        self.meter = BatchMeter(concurrency, max_cost, self.stop)
        self.jobs = JobRunner(plan, pack, llms, self.meter)
        self.failures: list[str] = []

    @property
    def totals(self) -> BatchTotals:
        return self.meter.totals

    def stop(self, reason: str) -> None:
        self.jobs.stop(reason)

    async def run(self) -> BatchResult:
        async with Transcript(self.db) as transcript:
            pending = await jobs_to_run(transcript.conn, self.plan, self.totals)
            workers = [asyncio.create_task(self._work(pending, transcript))
                       for _ in range(min(self.parallel, len(pending)))]
            try:
                await asyncio.gather(*workers)
            finally:
                for worker in workers:
                    worker.cancel()
                await asyncio.gather(*workers, return_exceptions=True)
                await self.jobs.aclose()
        return BatchResult(self.plan.batch_id, self.totals, self.jobs.stop_reason, self.failures)

    async def _work(self, pending: deque[Job], transcript: Transcript) -> None:
        while pending and self.jobs.stop_reason is None:
            job = pending.popleft()
            run_id, status, error = await self.jobs.run_job(job, transcript)
            if status == "failed":
                self.failures.append(f"{job.variant} seed {job.seed}: run {run_id}: {error}")
