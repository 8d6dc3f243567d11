"""One backend instance per model spec, shared by every persona that uses it, closed once."""

from __future__ import annotations

from agents.llm.base import LLM
from agents.llm.registry import make_llm
from agents.persona import Persona


class LLMPool:
    def __init__(self, default_spec: str, preset: dict[str, LLM] | None = None) -> None:
        self.default_spec = default_spec
        self._backends: dict[str, LLM] = dict(preset or {})
        self.get(default_spec)  # fail fast on a bad --model, before the run starts

    def get(self, spec: str) -> LLM:
        if spec not in self._backends:
            self._backends[spec] = make_llm(spec)
        return self._backends[spec]

    def for_persona(self, persona: Persona) -> LLM:
        return self.get(persona.model or self.default_spec)

    async def aclose(self) -> None:
        for backend in self._backends.values():
            await backend.aclose()
