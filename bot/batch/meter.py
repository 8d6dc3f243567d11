"""One budget for the whole batch: a shared limit on model calls in flight, and the running totals.

Every run of a batch talks to the model through a MeteredLLM, so concurrency stays within the
provider's limit however many runs go at once, and `--max-cost` sees every dollar spent.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from agents.llm import LLM, CallRecord, Completion, LLMRequest, WrappedLLM
from bot.engine.budgets import RunTotals


@dataclass
class BatchTotals(RunTotals):
    """The batch's runs so far, and what all of them together have said and spent."""

    runs_total: int = 0
    runs_skipped: int = 0  # finished before this invocation (resume)
    runs_done: int = 0
    runs_failed: int = 0


class BatchMeter:
    def __init__(self, concurrency: int, max_cost: float | None,
                 on_over_budget: Callable[[str], None]) -> None:
        self.semaphore = asyncio.Semaphore(max(1, concurrency))
        self.max_cost = max_cost
        self.totals = BatchTotals()
        self._on_over_budget = on_over_budget

    def add_call(self, call: CallRecord) -> None:
        self.totals.add_call(call)
        if self.max_cost is not None and self.totals.cost_usd >= self.max_cost:
            self._on_over_budget(f"batch stopped: max-cost ${self.max_cost:g} reached")


class MeteredLLM(WrappedLLM):
    """The LLM protocol, passed through under the batch's semaphore and counted."""

    def __init__(self, inner: LLM, meter: BatchMeter) -> None:
        super().__init__(inner)
        self.meter = meter

    async def complete(self, request: LLMRequest) -> Completion:
        async with self.meter.semaphore:
            completion = await self.inner.complete(request)
        self.meter.add_call(CallRecord.of(completion, "batch"))
        return completion

    async def aclose(self) -> None:
        """The pool that made the inner backend closes it, once."""
