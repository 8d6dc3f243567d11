"""One backend instance per model spec, shared by every persona that uses it, closed once.

Given a cache store, every real model is wrapped in the response cache (agents.backends.cache);
the pool closes the store with the backends.
"""

from __future__ import annotations

from agents.backends.cache import CachedLLM, CacheStore
from agents.backends.registry import is_cacheable, make_llm
from agents.llm import LLM
from agents.persona import Persona


class LLMPool:
    def __init__(self, default_spec: str, preset: dict[str, LLM] | None = None,
                 cache: CacheStore | None = None) -> None:
        self.default_spec = default_spec
        self._backends: dict[str, LLM] = dict(preset or {})
        self.cache = cache
        self.get(default_spec)  # fail fast on a bad --model, before the run starts

    def get(self, spec: str) -> LLM:
        if spec not in self._backends:
            backend = make_llm(spec)
            if self.cache is not None and is_cacheable(spec):
                backend = CachedLLM(backend, self.cache)
            self._backends[spec] = backend
        return self._backends[spec]

    def for_persona(self, persona: Persona) -> LLM:
        return self.get(persona.model or self.default_spec)

    async def warm(self) -> None:
        """Get every backend that loads something heavy (the embedded model) ready now."""
        for backend in self._backends.values():
            inner = getattr(backend, "inner", backend)  # under the response cache
            warm = getattr(inner, "warm", None)
            if warm is not None:
                await warm()

    async def aclose(self) -> None:
        for backend in self._backends.values():
            await backend.aclose()
        if self.cache is not None:
            await self.cache.aclose()
