"""Turn a `--model SPEC` string into a backend. One place knows every spec."""

from __future__ import annotations

from collections.abc import Callable

from agents.backends.fake import FakeLLM, load_script
from agents.backends.past_posts import PastPostsLLM
from agents.llm import LLM, LLMError


class ModelSpecError(ValueError):
    pass


def _fake(arg: str) -> LLM:
    if not arg:
        return FakeLLM()
    if arg.startswith("latency="):
        return FakeLLM(latency=float(arg.removeprefix("latency=")))
    return FakeLLM(load_script(arg))


def _anthropic(arg: str) -> LLM:
    from agents.backends.anthropic_api import AnthropicLLM  # SDKs load only when they are used

    return AnthropicLLM(arg)


def _openai(arg: str) -> LLM:
    from agents.backends.openai_compat import OpenAICompatLLM

    model, at, base_url = arg.rpartition("@")
    if not at or not base_url.startswith(("http://", "https://")):
        model, base_url = arg, ""
    return OpenAICompatLLM(model, base_url or None)


def _local(arg: str) -> LLM:
    from agents.backends.local_llama import LocalLLM

    return LocalLLM(arg or None)


_FACTORIES: dict[str, Callable[[str], LLM]] = {
    "local": _local,
    "anthropic": _anthropic,
    "openai": _openai,
    "history": lambda arg: PastPostsLLM(),
    "fake": _fake,
}
# Models worth a response cache; `history` and `fake` are free and instant already.
_CACHEABLE = frozenset({"local", "anthropic", "openai"})

SPEC_HELP = ("local[:FILE.gguf] | anthropic:MODEL | openai:MODEL@BASE_URL | history | "
             "fake[:SCRIPT.jsonl|latency=SECONDS]")


def is_cacheable(spec: str) -> bool:
    return spec.partition(":")[0] in _CACHEABLE


def make_llm(spec: str) -> LLM:
    kind, _, arg = spec.partition(":")
    factory = _FACTORIES.get(kind)
    if factory is None:
        raise ModelSpecError(f"unknown model '{spec}' — fix: use one of: {SPEC_HELP}")
    try:
        return factory(arg)
    except LLMError as exc:
        raise ModelSpecError(str(exc)) from None
