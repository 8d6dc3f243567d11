"""`anthropic:MODEL` — Claude through the official SDK, with prompt caching and forced tool use.

Layout of every request, in the order Anthropic caches it: the decision tool (identical for every
call), then the persona's stable prefix as the system prompt with a `cache_control` breakpoint,
then the conversation, one text block per message with a second breakpoint on the last stable
block, then the changing instruction. A later call of the same persona reads tools + card + the
messages it has already seen from the prompt cache (Anthropic matches the longest prefix written
before, at a block boundary up to 20 blocks back from a breakpoint). Anthropic only caches a
prefix of at least 1024 tokens (Sonnet/Opus 4.0-4.1; 4096 for Haiku 4.5 and Opus 4.5): a shorter
one is sent with its breakpoints but billed as plain input.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

import anthropic
from anthropic.types import Message

from agents.backends.anthropic_batches import BATCH_PRICE_FACTOR, run_message_batch
from agents.backends.prices import cost_usd
from agents.backends.remote import CallGate, RemoteLimits, describe_api_error
from agents.llm import ChatTurn, Completion, LLMError, LLMRequest, Usage

TOOL_DESCRIPTION = "Record what you do about the newest message: reply, react or ignore."


def _content(turn: ChatTurn) -> str | list[dict[str, Any]]:
    """A turn cut into blocks is sent as text blocks, a breakpoint after its stable ones."""
    if not turn.blocks:
        return turn.content
    blocks: list[dict[str, Any]] = [{"type": "text", "text": text} for text in turn.blocks]
    if turn.stable_blocks:
        blocks[turn.stable_blocks - 1]["cache_control"] = {"type": "ephemeral"}
    return blocks


class AnthropicLLM:
    decides = True
    max_sentences = None  # capable models write replies of the length the prompt asks

    def __init__(self, model: str, limits: RemoteLimits | None = None) -> None:
        if not model:
            raise LLMError("anthropic: no model named — fix: --model anthropic:claude-haiku-4-5 "
                           "(or another Claude model id)")
        self.model = model
        self.name = f"anthropic:{model}"
        self.limits = limits or RemoteLimits.from_env()
        no_key = LLMError("anthropic: no API key — fix: set ANTHROPIC_API_KEY (in the environment "
                          "or a .env file in this folder)")
        try:
            self.client = anthropic.AsyncAnthropic(
                max_retries=self.limits.max_retries, timeout=self.limits.timeout)
        except anthropic.AnthropicError:  # e.g. a credentials profile named but not found
            raise no_key from None
        if self.client.api_key is None and self.client.auth_token is None and \
                getattr(self.client, "credentials", None) is None:
            raise no_key
        self._gate = CallGate(self.limits)

    def _params(self, request: LLMRequest) -> dict[str, Any]:
        params: dict[str, Any] = {
            "model": self.model,
            "max_tokens": request.max_tokens,
            # No temperature: the Messages API this SDK (2.x) speaks takes no sampling parameters.
            "system": [{"type": "text", "text": request.system_prefix,
                        "cache_control": {"type": "ephemeral"}}],
            "messages": [{"role": t.role, "content": _content(t)} for t in request.messages],
        }
        if request.answer is not None:
            params["tools"] = [{"name": request.answer.name, "description": TOOL_DESCRIPTION,
                                "input_schema": request.answer.json_schema}]
            params["tool_choice"] = {"type": "tool", "name": request.answer.name}
        return params

    async def complete(self, request: LLMRequest) -> Completion:
        try:
            message, latency = await self._gate.run(
                lambda: self.client.messages.create(**self._params(request)), self.name)
        except anthropic.AnthropicError as exc:
            raise LLMError(describe_api_error(self.name, exc)) from None
        return self._completion(message, request, latency)

    async def complete_many(self, requests: Sequence[LLMRequest]) -> list[Completion | LLMError]:
        """All at once through the Message Batches API: half the price, minutes (up to a day)
        to answer. Used by `townhall batch --batch-api` (agents.backends.provider_batches)."""
        started = time.perf_counter()
        answers = await run_message_batch(self.client, [self._params(r) for r in requests],
                                          poll_seconds=self.limits.batch_poll, name=self.name)
        latency = (time.perf_counter() - started) * 1000
        results: list[Completion | LLMError] = []
        for answer, request in zip(answers, requests, strict=True):
            try:
                results.append(answer if isinstance(answer, LLMError) else
                               self._completion(answer, request, latency, BATCH_PRICE_FACTOR))
            except LLMError as exc:
                results.append(exc)
        return results

    def _completion(self, message: Message, request: LLMRequest, latency: float,
                    price_factor: float = 1.0) -> Completion:
        if message.stop_reason == "refusal":
            raise LLMError(f"{self.name}: the model refused to answer")
        text_parts: list[str] = []
        data: dict | None = None
        for block in message.content:
            if block.type == "tool_use" and request.answer and block.name == request.answer.name:
                # The SDK does not validate, so a malformed call may carry a string, not an object;
                # then it stays text and the agent's parser reports it (and retries once).
                if isinstance(block.input, dict):
                    data = block.input
                else:
                    text_parts.append(str(block.input))
            elif block.type == "text":
                text_parts.append(block.text)
        text = json.dumps(data, ensure_ascii=False) if data is not None else "".join(text_parts)
        u = message.usage
        written = u.cache_creation_input_tokens or 0
        read = u.cache_read_input_tokens or 0
        usage = Usage(input_tokens=u.input_tokens + written + read, cached_input_tokens=read,
                      cache_creation_tokens=written, output_tokens=u.output_tokens)
        return Completion(text=text, model=self.name, usage=usage, latency_ms=latency, data=data,
                          cost_usd=cost_usd(self.model, usage) * price_factor)

    async def aclose(self) -> None:
        await self.client.close()
