"""The batch's state as the transcript records it: which (variant, seed) runs are complete.

A run counts once it is 'finished'. Runs a batch stopped early (budget, Ctrl-C) are re-marked
'interrupted', and runs of a killed process are marked 'interrupted' when the file is next opened,
so on resume both are simply run again; the old attempt stays in the log, never counted twice.
"""

from __future__ import annotations

from collections import deque

import aiosqlite

from bot.batch.meter import BatchTotals
from bot.batch.plan import BatchError, BatchPlan, Job
from bot.transcript.batches import batch_inputs, finished_jobs


async def check_resumable(conn: aiosqlite.Connection, plan: BatchPlan) -> int:
    """Refuse to mix a batch with different inputs under one id; return its earlier run count."""
    rows = await batch_inputs(conn, plan.batch_id)
    texts = {v.name: v.text for v in plan.variants}
    for r in rows:
        for field in ("pack", "scenario", "model"):
            given = getattr(plan, field)
            if r[field] != given:
                raise BatchError(f"batch {plan.batch_id} ran with --{field} {r[field]}, not "
                                 f"{given} — fix: pass --{field} {r[field]} to resume it, or "
                                 "drop --batch-id")
        if r["variant"] in texts and (r["title"] or "") != texts[r["variant"]]:
            raise BatchError(f"--variant {r['variant']}: its text differs from the one batch "
                             f"{plan.batch_id} ran with — fix: give the same text, or a new name")
    return len(rows)


async def jobs_to_run(conn: aiosqlite.Connection, plan: BatchPlan, totals: BatchTotals) -> deque[Job]:
    """What a (re)started batch still has to run, after checking it is the same batch; counts both."""
    await check_resumable(conn, plan)
    done = await finished_jobs(conn, plan.batch_id)
    jobs = plan.jobs()
    pending = deque(j for j in jobs if (j.variant, j.seed) not in done)
    totals.runs_total = len(jobs)
    totals.runs_skipped = len(jobs) - len(pending)
    return pending
