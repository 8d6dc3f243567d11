"""Provider batch APIs (e.g. Anthropic's Message Batches, half price) behind the plain LLM protocol.

A backend that can send many requests as one batch implements `complete_many`. ProviderBatchLLM then
answers ordinary `complete` calls by gathering every call made within a short window (across all
rooms of a townhall batch), sending them as one provider batch, and handing each caller its own
answer. Only calls that are in flight at the same time can share a batch: the first reaction of
every persona in every run does; a reply to a reply has to wait for the batch before it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from agents.llm import LLM, Completion, LLMError, LLMRequest, WrappedLLM


@runtime_checkable
class BatchCapable(Protocol):
    async def complete_many(self, requests: Sequence[LLMRequest]) -> list[Completion | LLMError]:
        """One answer (or the error for that request) per request, in order."""
        ...


def has_batch_api(backend: LLM) -> bool:
    return isinstance(backend, BatchCapable)


class ProviderBatchLLM(WrappedLLM):
    def __init__(self, backend: LLM, *, window: float = 2.0, max_batch: int = 10_000) -> None:
        if not has_batch_api(backend):
            raise LLMError(f"the model '{backend.name}' has no batch API")
        super().__init__(backend)
        self.window = window
        self.max_batch = max_batch
        self._waiting: list[tuple[LLMRequest, asyncio.Future[Completion]]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._sending: set[asyncio.Task] = set()

    async def complete(self, request: LLMRequest) -> Completion:
        answer: asyncio.Future[Completion] = asyncio.get_running_loop().create_future()
        self._waiting.append((request, answer))
        if len(self._waiting) >= self.max_batch:
            self._send()
        elif self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(self.window, self._send)
        return await answer

    def _send(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        batch, self._waiting = self._waiting, []
        if batch:
            task = asyncio.create_task(self._deliver(batch))
            self._sending.add(task)
            task.add_done_callback(self._sending.discard)

    async def _deliver(self, batch: list[tuple[LLMRequest, asyncio.Future[Completion]]]) -> None:
        live = [(r, f) for r, f in batch if not f.cancelled()]  # a stopped room no longer waits
        if not live:
            return
        try:
            results = await self.inner.complete_many([r for r, _ in live])
            if len(results) != len(live):
                raise LLMError(f"the batch API answered {len(results)} of {len(live)} requests")
        except Exception as exc:  # the whole batch failed: every caller gets the error
            error = exc if isinstance(exc, LLMError) else LLMError(f"{type(exc).__name__}: {exc}")
            results = [error] * len(live)
        for (_, future), result in zip(live, results, strict=True):
            if future.done():
                continue
            if isinstance(result, Exception):
                future.set_exception(result)
            else:
                future.set_result(result)

    async def aclose(self) -> None:
        self._send()
        await asyncio.gather(*self._sending, return_exceptions=True)
