"""Turn a `--model SPEC` string into a backend. One place knows every spec."""

from __future__ import annotations

from collections.abc import Callable

from agents.llm.base import LLM
from agents.llm.fake import FakeLLM, load_script
from agents.llm.history import HistoryLLM


class ModelSpecError(ValueError):
    pass


def _fake(arg: str) -> LLM:
    if not arg:
        return FakeLLM()
    if arg.startswith("latency="):
        return FakeLLM(latency=float(arg.removeprefix("latency=")))
    return FakeLLM(load_script(arg))


_FACTORIES: dict[str, Callable[[str], LLM]] = {
    "history": lambda arg: HistoryLLM(),
    "fake": _fake,
}

SPEC_HELP = "history | fake[:SCRIPT.jsonl|latency=SECONDS]"


def make_llm(spec: str) -> LLM:
    kind, _, arg = spec.partition(":")
    factory = _FACTORIES.get(kind)
    if factory is None:
        raise ModelSpecError(f"unknown model '{spec}' — fix: use one of: {SPEC_HELP}")
    return factory(arg)
