"""What the HTTP backends (Anthropic, OpenAI-compatible) share: limits read from the environment.

The SDKs retry 408/409/429/5xx (529 included) and timeouts themselves, with exponential backoff
and jitter, and honour `retry-after` / `retry-after-ms`. They honour it without an upper bound, so
one `retry-after: 3600` would stall a persona for an hour: a total deadline per request caps that.
The concurrency limit is per backend, and the pool shares one backend per model spec across every
persona, so it bounds all calls to that model in the process.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from agents.llm import LLMError
from agents.redact import redact

T = TypeVar("T")


def _env_number(name: str, default: float, cast: Callable[[str], float] = float) -> float:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = cast(raw)
    except ValueError:
        raise LLMError(f"{name}={raw!r} is not a number — fix: set it to e.g. {default:g}"
                       ) from None
    if value <= 0 and name != "TOWNHALL_LLM_RETRIES":
        raise LLMError(f"{name}={raw!r} must be positive — fix: set it to e.g. {default:g}")
    return value


@dataclass(frozen=True)
class RemoteLimits:
    concurrency: int = 8         # calls in flight to one model at once
    timeout: float = 60.0        # seconds per HTTP attempt
    max_retries: int = 4         # SDK retries after the first attempt
    deadline: float = 300.0      # seconds for a whole call, retries and retry-after waits included
    batch_poll: float = 10.0     # seconds between looks at a provider batch (--batch-api)

    @classmethod
    def from_env(cls) -> RemoteLimits:
        return cls(
            concurrency=int(_env_number("TOWNHALL_LLM_CONCURRENCY", cls.concurrency, int)),
            timeout=_env_number("TOWNHALL_LLM_TIMEOUT", cls.timeout),
            max_retries=int(_env_number("TOWNHALL_LLM_RETRIES", cls.max_retries, int)),
            deadline=_env_number("TOWNHALL_LLM_DEADLINE", cls.deadline),
            batch_poll=_env_number("TOWNHALL_LLM_BATCH_POLL", cls.batch_poll),
        )


def describe_api_error(backend: str, exc: Exception) -> str:
    """One line for the transcript: the status and the server's own words, never headers or keys
    (a server may repeat the key it was sent in its own words: those are redacted)."""
    status = getattr(exc, "status_code", None)
    if status is None:
        return redact(f"{backend}: {type(exc).__name__}: {exc}")[:500]
    body = getattr(exc, "body", None)
    error = body.get("error", body) if isinstance(body, dict) else None
    if isinstance(error, dict):
        kind, message = error.get("type") or type(exc).__name__, error.get("message") or ""
    else:
        kind, message = type(exc).__name__, str(body or "")[:200]
    return redact(f"{backend}: HTTP {status} {kind}: {message}")[:500]


class CallGate:
    """The concurrency limit and the total deadline around one SDK call (its retries included)."""

    def __init__(self, limits: RemoteLimits) -> None:
        self.limits = limits
        self._slots = asyncio.Semaphore(limits.concurrency)

    async def run(self, call: Callable[[], Awaitable[T]], what: str) -> tuple[T, float]:
        """Returns the call's result and its latency in ms (time waiting for a slot excluded)."""
        async with self._slots:
            started = time.perf_counter()
            try:
                async with asyncio.timeout(self.limits.deadline):
                    result = await call()
            except TimeoutError:
                raise LLMError(f"{what}: no answer within {self.limits.deadline:g}s (retries "
                               "included) — fix: raise TOWNHALL_LLM_DEADLINE if the server is slow"
                               ) from None
            except json.JSONDecodeError as exc:  # a 200 whose body is cut off or not JSON
                raise LLMError(f"{what}: the server's answer is not valid JSON ({exc.msg} at "
                               f"character {exc.pos}) — fix: check the server and its --model URL"
                               ) from None
            return result, (time.perf_counter() - started) * 1000
