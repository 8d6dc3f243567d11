"""Spread a batch over a Ray cluster: one actor per worker, each with its own SQLite file.

Each actor runs rooms exactly as the local runner does (same JobRunner), into a scratch
transcript of its own; a finished run is shipped back through Ray's object store and merged into
the batch's one SQLite file in a single transaction. So a resume sees only whole runs, wherever
they ran. Ray is optional (`pip install 'townhall[ray]'`); it is imported only here.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections import deque
from pathlib import Path

import agents
import bot
import personas
from agents.backends.pool import LLMPool
from agents.packs import Pack
from bot.batch.ledger import jobs_to_run
from bot.batch.meter import BatchMeter, BatchTotals
from bot.batch.plan import BatchError, BatchPlan, Job
from bot.batch.runner import BATCH_STOP, BatchResult, JobRunner
from bot.transcript import Transcript
from bot.transcript.batches import RunRows, export_run, import_runs, usage_of


class BatchWorker:
    """A Ray actor (async: it runs several rooms at once on its own event loop)."""

    def __init__(self, plan: BatchPlan, pack: Pack, index: int, concurrency: int) -> None:
        scratch = Path(tempfile.gettempdir()) / "townhall-ray"
        scratch.mkdir(parents=True, exist_ok=True)
        self.db = scratch / f"{plan.batch_id}-worker{index}-{os.getpid()}.db"
        self.llms = LLMPool(plan.model)
        self.meter = BatchMeter(concurrency, None, lambda reason: None)
        self.jobs = JobRunner(plan, pack, self.llms, self.meter)
        self.transcript: Transcript | None = None
        self._opening = asyncio.Lock()

    async def run(self, jobs: list[Job]) -> list[tuple[Job, str, str, str, RunRows | None]]:
        """Run a chunk of jobs at once; finished runs come back whole, to be merged."""
        async with self._opening:
            if self.transcript is None:
                self.transcript = Transcript(self.db)
                await self.transcript.open()
        outcomes = await asyncio.gather(*(self.jobs.run_job(j, self.transcript) for j in jobs))
        await self.transcript.flush()
        return [(job, run_id, status, error,
                 await export_run(self.transcript.conn, run_id) if status == "finished" else None)
                for job, (run_id, status, error) in zip(jobs, outcomes, strict=True)]

    def stop(self, reason: str) -> None:
        self.jobs.stop(reason)

    async def close(self) -> None:
        await self.jobs.aclose()
        if self.transcript is not None:
            await self.transcript.close()
        await self.llms.aclose()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{self.db}{suffix}").unlink(missing_ok=True)


class RayRunner:
    def __init__(self, plan: BatchPlan, pack: Pack, db: Path, *, address: str,
                 workers: int | None = None, parallel: int = 8, concurrency: int = 8,
                 max_cost: float | None = None) -> None:
        self.plan, self.pack, self.db = plan, pack, db
        self.address = address
        self.workers = workers
        self.parallel = max(1, parallel)
        self.concurrency = max(1, concurrency)
        self.max_cost = max_cost
        self.totals = BatchTotals()
        self.failures: list[str] = []
        self.stop_reason: str | None = None
        self._actors: list = []
        self._merging = asyncio.Lock()  # feeders share one connection: one merge at a time

    def stop(self, reason: str) -> None:
        if self.stop_reason is None:
            prefixed = reason.startswith(BATCH_STOP)
            self.stop_reason = reason if prefixed else f"{BATCH_STOP}: {reason}"
        for actor in self._actors:
            actor.stop.remote(self.stop_reason)

    def _connect(self):
        try:
            import ray
        except ImportError:
            raise BatchError("--ray: Ray is not installed — fix: pip install 'townhall[ray]'"
                             ) from None
        if ray.is_initialized():
            return ray, False
        # Ship our own packages to the workers, so a cluster needs only the dependencies.
        runtime_env = {"py_modules": [agents, bot, personas]}
        try:
            local = self.address == "local"
            # A local cluster gets a CPU slot for every worker asked for (oversubscribing is
            # the caller's choice); a real cluster has the CPUs it has.
            cpus = max(os.cpu_count() or 1, self.workers or 0) if local else None
            ray.init(address=None if local else self.address, num_cpus=cpus,
                     runtime_env=runtime_env, include_dashboard=False, log_to_driver=False,
                     logging_level="ERROR", configure_logging=False)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise BatchError(f"--ray {self.address}: cannot connect ({exc}) — fix: start a "
                             "cluster with `ray start --head`, or use --ray local") from None
        return ray, True

    async def run(self) -> BatchResult:
        async with Transcript(self.db) as transcript:
            pending = await jobs_to_run(transcript.conn, self.plan, self.totals)
            if pending:
                ray, started = self._connect()
                try:
                    await self._run(ray, pending, transcript)
                finally:
                    if started:  # a cluster connection the caller made is theirs to close
                        ray.shutdown()
        return BatchResult(self.plan.batch_id, self.totals, self.stop_reason, self.failures)

    async def _run(self, ray, pending: deque[Job], transcript: Transcript) -> None:
        cpus = int(ray.cluster_resources().get("CPU", 1))
        count = self.workers or cpus
        if count > cpus:
            raise BatchError(f"--ray-workers {count}: the cluster has {cpus} CPUs — fix: use at "
                             f"most {cpus}, or add nodes")
        # Each worker keeps two chunks in flight (one running while the other travels and is
        # merged), each half its share of --parallel: Ray's per-call cost is paid per chunk.
        per_worker = max(1, -(-self.parallel // count))
        chunk = max(1, min(-(-per_worker // 2), len(pending) // (count * 2)))
        actor_class = ray.remote(num_cpus=1, max_concurrency=3)(BatchWorker)
        self._actors = [actor_class.remote(self.plan, self.pack, i,
                                           max(1, self.concurrency // count))
                        for i in range(count)]
        feeders = [self._feed(actor, pending, transcript, chunk)
                   for actor in self._actors for _ in range(2)]
        try:
            await asyncio.gather(*feeders)
        finally:
            await asyncio.gather(*(a.close.remote() for a in self._actors),
                                 return_exceptions=True)

    async def _feed(self, actor, pending: deque[Job], transcript: Transcript,
                    chunk: int) -> None:
        while pending and self.stop_reason is None:
            jobs = [pending.popleft() for _ in range(min(chunk, len(pending)))]
            try:
                outcomes = await actor.run.remote(jobs)
            except Exception as exc:  # a worker that died costs its runs, not the batch
                self.totals.runs_failed += len(jobs)
                self.failures += [f"{j.variant} seed {j.seed}: worker failed: "
                                  f"{type(exc).__name__}" for j in jobs]
                continue
            finished = [rows for *_, rows in outcomes if rows is not None]
            async with self._merging:
                await import_runs(transcript.conn, finished)
            for job, run_id, status, error, rows in outcomes:
                if status == "failed":
                    self.totals.runs_failed += 1
                    self.failures.append(f"{job.variant} seed {job.seed}: run {run_id}: {error}")
                if rows is not None:
                    self._count(rows)

    def _count(self, rows: RunRows) -> None:
        messages, reactions, tokens, cost = usage_of(rows)
        self.totals.runs_done += 1
        self.totals.messages += messages
        self.totals.reactions += reactions
        self.totals.tokens += tokens
        self.totals.cost_usd += cost
        if self.max_cost is not None and self.totals.cost_usd >= self.max_cost:
            self.stop(f"max-cost ${self.max_cost:g} reached")
