"""Per-model prices, so every call's cost lands in `llm_calls` and `--max-cost` can stop a run.

US dollars per million tokens, from the providers' public price pages (checked 2025; check again
before trusting a bill). Anthropic bills cache writes (5-minute TTL) at 1.25x and cache reads at
0.1x the input price; OpenAI bills cached input at its own rate. A model is matched by the longest
known prefix of its name, so dated snapshots ("claude-sonnet-4-5-20250929") find their family.
Unknown models (a local vLLM/Ollama server, or a model newer than this table) are recorded at $0,
with one warning per model on stderr, rather than at a guessed price; add a line here for them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache

from agents.llm import Usage


@dataclass(frozen=True)
class Price:
    input: float
    output: float
    cache_read: float
    cache_write: float


def _claude(input_price: float, output_price: float) -> Price:
    return Price(input_price, output_price, input_price * 0.1, input_price * 1.25)


def _gpt(input_price: float, cached_price: float, output_price: float) -> Price:
    return Price(input_price, output_price, cached_price, input_price)


PRICES: dict[str, Price] = {
    "claude-opus-4-5": _claude(5.0, 25.0),
    "claude-opus-4-1": _claude(15.0, 75.0),
    "claude-opus-4-0": _claude(15.0, 75.0),
    "claude-opus-4-2025": _claude(15.0, 75.0),
    "claude-sonnet-4-6": _claude(3.0, 15.0),
    "claude-sonnet-4-5": _claude(3.0, 15.0),
    "claude-sonnet-4-0": _claude(3.0, 15.0),
    "claude-sonnet-4-2025": _claude(3.0, 15.0),
    "claude-3-7-sonnet": _claude(3.0, 15.0),
    "claude-3-5-sonnet": _claude(3.0, 15.0),
    "claude-haiku-4-5": _claude(1.0, 5.0),
    "claude-3-5-haiku": _claude(0.8, 4.0),
    "claude-3-haiku": _claude(0.25, 1.25),
    "gpt-4.1-nano": _gpt(0.10, 0.025, 0.40),
    "gpt-4.1-mini": _gpt(0.40, 0.10, 1.60),
    "gpt-4.1": _gpt(2.00, 0.50, 8.00),
    "gpt-4o-mini": _gpt(0.15, 0.075, 0.60),
    "gpt-4o": _gpt(2.50, 1.25, 10.00),
}
_BY_LENGTH = sorted(PRICES, key=len, reverse=True)


log = logging.getLogger(__name__)


@cache
def price_for(model: str) -> Price | None:
    name = model.lower()
    price = next((PRICES[k] for k in _BY_LENGTH if name.startswith(k)), None)
    if price is None:
        log.warning("no price known for model %s: its calls are recorded at $0 "
                    "(add it to agents/backends/prices.py)", model)
    return price


def cost_usd(model: str, usage: Usage) -> float:
    """`usage.input_tokens` counts all input, cached or not (see agents.llm.Usage)."""
    price = price_for(model)
    if price is None:
        return 0.0
    fresh = max(0, usage.input_tokens - usage.cached_input_tokens - usage.cache_creation_tokens)
    return (fresh * price.input + usage.cached_input_tokens * price.cache_read
            + usage.cache_creation_tokens * price.cache_write
            + usage.output_tokens * price.output) / 1_000_000
