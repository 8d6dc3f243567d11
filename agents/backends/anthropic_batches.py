"""Anthropic's Message Batches API: many Messages requests as one batch, at half the price.

The wire-level half of `--batch-api` for Anthropic: submit the requests' params (exactly what
`messages.create` would be given), poll until the batch has ended, read the results and hand
back, in request order, each request's Message or the error it ended with. A backend builds the
params and reads the Messages as it does for single calls, and bills them at BATCH_PRICE_FACTOR.
Batches usually end within minutes but may take up to 24 hours; a batch whose caller gives up
(a stopped room, Ctrl-C, the deadline) is cancelled so it stops costing money.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Sequence
from typing import Any

import anthropic
from anthropic.types import Message

from agents.llm import LLMError

BATCH_PRICE_FACTOR = 0.5  # batch requests are billed at half the standard price
MAX_REQUESTS = 100_000  # the API's own limit per batch


async def run_message_batch(client: anthropic.AsyncAnthropic, params: Sequence[dict[str, Any]],
                            *, poll_seconds: float = 10.0, deadline: float = 24 * 3600.0,
                            name: str = "anthropic") -> list[Message | LLMError]:
    if len(params) > MAX_REQUESTS:
        raise LLMError(f"{name}: {len(params)} requests in one batch; the limit is {MAX_REQUESTS}")
    ids = [f"r{i}" for i in range(len(params))]
    try:
        batch = await client.messages.batches.create(
            requests=[{"custom_id": i, "params": p} for i, p in zip(ids, params, strict=True)])
    except anthropic.AnthropicError as exc:
        raise LLMError(f"{name}: the batch was not accepted: {exc}"[:500]) from None
    give_up = time.monotonic() + deadline
    try:
        while batch.processing_status != "ended":
            if time.monotonic() >= give_up:
                raise LLMError(f"{name}: batch {batch.id} did not end within {deadline:g}s")
            await asyncio.sleep(poll_seconds)
            batch = await client.messages.batches.retrieve(batch.id)
        results = {item.custom_id: item.result
                   async for item in await client.messages.batches.results(batch.id)}
    except BaseException as exc:
        if batch.processing_status != "ended":  # nobody will read it: stop paying for it
            await asyncio.shield(_cancel(client, batch.id))
        if isinstance(exc, anthropic.AnthropicError):
            raise LLMError(f"{name}: batch {batch.id}: {exc}"[:500]) from None
        raise
    return [_answer(results.get(i), name) for i in ids]


async def _cancel(client: anthropic.AsyncAnthropic, batch_id: str) -> None:
    with contextlib.suppress(anthropic.AnthropicError):  # already ended or gone: nothing to stop
        await client.messages.batches.cancel(batch_id)


def _answer(result: Any, name: str) -> Message | LLMError:
    if result is None:
        return LLMError(f"{name}: the batch returned no result for this request")
    if result.type == "succeeded":
        return result.message
    if result.type == "errored":
        error = getattr(result.error, "error", None)
        detail = f"{getattr(error, 'type', 'error')}: {getattr(error, 'message', '')}"
        return LLMError(f"{name}: batch request failed: {detail}"[:500])
    return LLMError(f"{name}: batch request {result.type}")  # canceled or expired
