"""One backend instance per model spec, shared by every persona that uses it, closed once.

With a cache file, every real model is wrapped in the response cache (agents.llm.cache).
"""

from __future__ import annotations

from pathlib import Path

from agents.llm.base import LLM
from agents.llm.cache import CachedLLM, ResponseCache
from agents.llm.registry import is_cacheable, make_llm
from agents.persona import Persona


class LLMPool:
    def __init__(self, default_spec: str, preset: dict[str, LLM] | None = None,
                 cache_db: Path | None = None) -> None:
        self.default_spec = default_spec
        self._backends: dict[str, LLM] = dict(preset or {})
        self.cache = ResponseCache(cache_db) if cache_db is not None else None
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

    async def aclose(self) -> None:
        for backend in self._backends.values():
            await backend.aclose()
        if self.cache is not None:
            await self.cache.aclose()
