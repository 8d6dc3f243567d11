"""The response cache: identical requests to the same model are answered from a store, for $0.

The store is SQL and lives with the transcript (bot.transcript.response_cache); this module only
knows the protocol it offers. A hit costs nothing and uses no tokens, so it comes back with zero
usage and `from_cache`. Only answers the asker would accept are kept (agents.structured): a retry
after a malformed answer must reach the model again, not the same bad answer.
"""

from __future__ import annotations

from typing import Protocol

from agents.llm import LLM, Completion, LLMRequest, WrappedLLM
from agents.structured import is_usable


class CacheStore(Protocol):
    async def get(self, key: str) -> Completion | None: ...

    async def put(self, key: str, completion: Completion) -> None: ...

    async def aclose(self) -> None: ...


class CachedLLM(WrappedLLM):
    """Wraps any backend (the LLM protocol) with the response cache."""

    def __init__(self, inner: LLM, cache: CacheStore) -> None:
        super().__init__(inner)
        self.cache = cache

    async def complete(self, request: LLMRequest) -> Completion:
        key = request.cache_key(self.inner.name)
        hit = await self.cache.get(key)
        if hit is not None:
            return hit
        completion = await self.inner.complete(request)
        if is_usable(request, completion):
            await self.cache.put(key, completion)
        return completion
