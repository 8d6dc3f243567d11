"""The one protocol every model backend implements, and the request/response shapes it uses.

A request is split into a stable, cacheable prefix (the persona card: role, style, examples) and the
conversation after it. The conversation is itself cut into blocks at message boundaries, its stable
blocks first (the room's messages, append-only between window jumps) and the changing instruction
last, so providers with prompt caching also read the earlier conversation from cache.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel

from agents.context import DecisionContext
from agents.persona import Persona


class LLMError(Exception):
    """A call that failed for good (after the backend's own retries); the persona skips its turn."""


@dataclass(frozen=True)
class ChatTurn:
    role: Literal["user", "assistant"]
    content: str
    # The same content cut at message boundaries ("".join(blocks) == content; empty: one block), and
    # how many leading blocks stay the same on this persona's next call: a backend with prompt
    # caching puts a breakpoint after them.
    blocks: tuple[str, ...] = ()
    stable_blocks: int = 0

    def __post_init__(self) -> None:
        if self.blocks and "".join(self.blocks) != self.content:
            raise ValueError("ChatTurn.blocks must join to its content")
        if not 0 <= self.stable_blocks <= len(self.blocks):
            raise ValueError("ChatTurn.stable_blocks must count some of its blocks")

    @classmethod
    def of_blocks(cls, role: Literal["user", "assistant"], blocks: tuple[str, ...],
                  stable_blocks: int) -> ChatTurn:
        return cls(role, "".join(blocks), blocks, stable_blocks)


@dataclass(frozen=True)
class AnswerSchema:
    """A structured answer asked of a model: its name (the tool or response-format name), the JSON
    schema sent with the request (written by hand, built once: its descriptions are part of the
    prompt), and the pydantic model every answer is validated against before anything uses it."""

    name: str
    model: type[BaseModel]
    json_schema: dict[str, Any]


@dataclass(frozen=True)
class LLMRequest:
    system_prefix: str
    messages: tuple[ChatTurn, ...]
    answer: AnswerSchema | None = None  # None: plain text is asked for
    max_tokens: int = 300
    temperature: float = 0.8
    seed: int = 0
    # Structured views of the same request for backends that are not language models (history,
    # fake). They are derived from the rendered text's sources, so they stay out of the cache key.
    persona: Persona | None = field(default=None, compare=False)
    context: DecisionContext | None = field(default=None, compare=False)

    @property
    def answer_name(self) -> str | None:
        """The structured answer asked for ("decision", "vote" …), or None for plain text."""
        return self.answer.name if self.answer else None

    def cache_key(self, model: str) -> str:
        payload = json.dumps(
            {
                "model": model,
                "system": self.system_prefix,
                # Where the blocks and the breakpoint fall is sent too (a plain turn keeps its key).
                "messages": [(t.role, t.content, *((t.blocks, t.stable_blocks) if t.blocks else ()))
                             for t in self.messages],
                "schema": self.answer.json_schema if self.answer else None,
                "max_tokens": self.max_tokens,
                "temperature": self.temperature,
                "seed": self.seed,
            },
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(payload.encode()).hexdigest()


@dataclass(frozen=True)
class Usage:
    """Token counts of one call. `input_tokens` is ALL input, including the cached and the
    cache-written parts (Anthropic reports those three separately; we add them up)."""

    input_tokens: int = 0
    cached_input_tokens: int = 0
    cache_creation_tokens: int = 0
    output_tokens: int = 0

    @property
    def tokens(self) -> int:
        """What budgets count: all input and all output."""
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True)
class Completion:
    text: str
    model: str
    usage: Usage = Usage()
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    data: dict[str, Any] | None = None  # structured output, when a schema was asked for and given
    from_cache: bool = False


@dataclass(frozen=True)
class CallRecord:
    """One model call as the transcript keeps it: what it was for, what it used and cost, and why
    it failed if it did. A cache hit is a call too, at no cost."""

    model: str
    purpose: str  # decide, write, vote, label, profile
    usage: Usage = Usage()
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    from_cache: bool = False
    error: str | None = None

    @classmethod
    def of(cls, completion: Completion, purpose: str) -> CallRecord:
        return cls(completion.model, purpose, completion.usage, completion.cost_usd,
                   completion.latency_ms, completion.from_cache)


@runtime_checkable
class LLM(Protocol):
    """A model backend.

    `decides` says whether the backend can be trusted to choose reply / react / ignore through
    structured output; when it is False, the rules choose and the backend only writes the text.
    `max_sentences` cuts replies short for small models that ramble (None = leave as written).
    """

    name: str
    decides: bool
    max_sentences: int | None

    async def complete(self, request: LLMRequest) -> Completion: ...

    async def aclose(self) -> None: ...


class WrappedLLM:
    """A backend in front of another (the response cache, a batch's meter, a provider's batch
    API): it speaks under the same name, with the same abilities, and closes what it wraps."""

    def __init__(self, inner: LLM) -> None:
        self.inner = inner
        self.name = inner.name
        self.decides = inner.decides
        self.max_sentences = inner.max_sentences

    async def aclose(self) -> None:
        await self.inner.aclose()
