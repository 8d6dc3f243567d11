"""Local fake servers that speak the Anthropic Messages API and the OpenAI chat-completions API.

They exist so tests and benchmarks drive the REAL `anthropic` and `openai` SDKs over HTTP. Each
records what it was sent and answers from a plan (a queue of scripted responses: errors with
their real status codes and bodies, sleeps, malformed tool calls, refusals), else with a default
answer. The Anthropic fake also plays the prompt cache (PromptCache: Anthropic's documented rules)
and reports it in `cache_read_input_tokens` / `cache_creation_input_tokens`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.support.fake_http import FakeHTTPServer


def approx_tokens(text: str) -> int:
    return max(1, len(text) // 4)


@dataclass
class Scripted:
    """One planned answer: a status with a JSON body and headers, after an optional delay."""

    status: int = 200
    body: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    raw: str | None = None  # a body sent as it is, as JSON: a server's broken answer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]

    @classmethod
    def of(cls, request: web.Request, body: dict[str, Any]) -> Received:
        return cls(request.path, {k.lower(): v for k, v in request.headers.items()}, body)


class FakeServer(FakeHTTPServer):
    """A model API: records what it was sent, answers from its plan, else a default answer."""

    def __init__(self, latency: float = 0.0) -> None:
        super().__init__()
        self.latency = latency
        self.plan: deque[Scripted] = deque()
        self.received: list[Received] = []

    @property
    def base_url(self) -> str:
        return self.base

    def routes(self) -> list[web.RouteDef]:
        raise NotImplementedError

    def app(self) -> web.Application:
        app = web.Application()
        app.add_routes(self.routes())
        return app

    async def _answer(self, request: web.Request, default) -> web.Response:
        body = await request.json()
        self.received.append(Received.of(request, body))
        scripted = self.plan.popleft() if self.plan else None
        delay = scripted.delay if scripted else self.latency
        if delay:
            await asyncio.sleep(delay)
        if scripted is not None and scripted.raw is not None:
            return web.Response(text=scripted.raw, status=scripted.status,
                                content_type="application/json", headers=scripted.headers)
        if scripted is None or scripted.body is None:
            status, payload, headers = 200, default(body), {}
            if scripted is not None:
                status, headers = scripted.status, scripted.headers
        else:
            status, payload, headers = scripted.status, scripted.body, scripted.headers
        return web.json_response(payload, status=status, headers=headers)


def default_answer(tool: str, last_user_text: str) -> dict[str, Any]:
    """Varied but deterministic: the same conversation gets the same answer, in the shape of the
    tool asked for (a decision, a vote, a feed action)."""
    digest = int(hashlib.sha256(last_user_text.encode()).hexdigest()[:8], 16)
    if tool == "vote":
        return {"vote": ("for", "against", "abstain")[digest % 3],
                "reason": f"Point {digest % 997} decides it for me."}
    if tool == "feedchoice":
        return {"action": ("like", "repost", "ignore")[digest % 3]}
    return default_decision(last_user_text)


def default_decision(last_user_text: str) -> dict[str, Any]:
    """Varied but deterministic: the same conversation gets the same decision."""
    digest = int(hashlib.sha256(last_user_text.encode()).hexdigest()[:8], 16)
    roll = digest % 10
    if roll < 4:
        return {"action": "reply", "text": f"Point {digest % 997}: show me the numbers."}
    if roll < 7:
        return {"action": "react", "emoji": "🤔"}
    return {"action": "ignore"}


# -- Anthropic -------------------------------------------------------------------------------

def anthropic_error(status: int, kind: str, message: str, **headers: str) -> Scripted:
    return Scripted(status, {"type": "error", "error": {"type": kind, "message": message},
                             "request_id": "req_fake"}, headers)


def anthropic_message(content: list[dict], stop_reason: str = "end_turn",
                      usage: dict[str, int] | None = None, model: str = "claude-test") -> dict:
    return {"id": "msg_fake", "type": "message", "role": "assistant", "model": model,
            "content": content, "stop_reason": stop_reason, "stop_sequence": None,
            "usage": usage or {"input_tokens": 10, "cache_creation_input_tokens": 0,
                               "cache_read_input_tokens": 0, "output_tokens": 5}}


# The smallest prefix Anthropic caches, by model family (docs: prompt caching, "cache limitations").
MIN_CACHEABLE_TOKENS = {"claude-haiku-4-5": 4096, "claude-opus-4-5": 4096, "claude-opus-4-6": 4096,
                        "claude-3-5-haiku": 2048, "claude-3-haiku": 2048}
DEFAULT_MIN_CACHEABLE_TOKENS = 1024  # Sonnet 4.x, Opus 4.0-4.1
LOOKBACK_BLOCKS = 20  # how far back from a breakpoint Anthropic looks for a cached prefix


def min_cacheable_tokens(model: str) -> int:
    return next((n for family, n in MIN_CACHEABLE_TOKENS.items() if model.startswith(family)),
                DEFAULT_MIN_CACHEABLE_TOKENS)


def prompt_blocks(body: dict) -> list[tuple[str, bool]]:
    """A Messages API request as Anthropic's prompt cache sees it: its blocks in tools → system →
    messages order, each with whether it carries a `cache_control` breakpoint."""
    blocks: list[tuple[str, bool]] = [(json.dumps(t, sort_keys=True), "cache_control" in t)
                                      for t in body.get("tools", [])]
    system = body.get("system", "")
    system_blocks = system if isinstance(system, list) else [{"text": system}]
    blocks += [(b.get("text", ""), "cache_control" in b) for b in system_blocks]
    for m in body.get("messages", []):
        content = m["content"]
        if isinstance(content, str):
            blocks.append((content, False))
        else:
            blocks += [(b.get("text", json.dumps(b)), "cache_control" in b) for b in content]
    return blocks


@dataclass(frozen=True)
class CacheUse:
    """Input tokens of one request: read from the cache, written to it, and all of them."""

    read: int
    written: int
    total: int


class PromptCache:
    """Anthropic's prompt cache, as documented: each breakpoint writes the prefix up to it (if that
    prefix reaches the model's minimum); a request reads the longest prefix written before that
    ends at one of its own block boundaries, at most 20 blocks back from one of its breakpoints.
    Entries are exact-content prefixes, so one persona never reads another's. (No 5-minute expiry:
    a fast run refreshes every entry it reads.)"""

    def __init__(self, count_tokens: Callable[[str], int], min_tokens: int) -> None:
        self.count_tokens = count_tokens
        self.min_tokens = min_tokens
        self._written: set[bytes] = set()

    def serve(self, blocks: list[tuple[str, bool]]) -> CacheUse:
        keys, ends, digest, tokens = [], [], hashlib.sha256(), 0
        for text, _ in blocks:
            digest.update(hashlib.sha256(text.encode()).digest())
            keys.append(digest.copy().digest())
            tokens += self.count_tokens(text)
            ends.append(tokens)
        marks = [i for i, (_, marked) in enumerate(blocks) if marked]
        read = 0
        for mark in marks:
            hit = next((i for i in range(mark, max(-1, mark - LOOKBACK_BLOCKS), -1)
                        if keys[i] in self._written), None)
            if hit is not None:
                read = max(read, ends[hit])
        written = 0
        for mark in marks:
            if ends[mark] >= self.min_tokens and keys[mark] not in self._written:
                self._written.add(keys[mark])
                written = max(written, ends[mark] - read)
        return CacheUse(read, written, tokens)


class FakeAnthropic(FakeServer):
    def __init__(self, latency: float = 0.0, min_cacheable_tokens: int | None = None) -> None:
        """min_cacheable_tokens: None = each request's model's real minimum."""
        super().__init__(latency)
        self.min_cacheable_tokens = min_cacheable_tokens
        self._caches: dict[str, PromptCache] = {}

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/v1/messages", self._messages)]

    async def _messages(self, request: web.Request) -> web.Response:
        return await self._answer(request, self._default)

    def _cache_for(self, model: str) -> PromptCache:
        """Each model has its own cache, as at Anthropic."""
        if model not in self._caches:
            minimum = self.min_cacheable_tokens
            minimum = min_cacheable_tokens(model) if minimum is None else minimum
            self._caches[model] = PromptCache(approx_tokens, minimum)
        return self._caches[model]

    def _default(self, body: dict) -> dict:
        model = body.get("model", "claude-test")
        use = self._cache_for(model).serve(prompt_blocks(body))
        last = body["messages"][-1]["content"]
        last_text = last if isinstance(last, str) else "".join(b.get("text", "") for b in last)
        if body.get("tools"):
            tool = body["tools"][0]["name"]
            content = [{"type": "tool_use", "id": "toolu_fake", "name": tool,
                        "input": default_answer(tool, last_text)}]
            stop = "tool_use"
        else:
            content = [{"type": "text", "text": "I would want to see the numbers first."}]
            stop = "end_turn"
        usage = {"input_tokens": use.total - use.read - use.written,
                 "cache_creation_input_tokens": use.written,
                 "cache_read_input_tokens": use.read, "output_tokens": 20}
        return anthropic_message(content, stop, usage, model)


# -- OpenAI-compatible -----------------------------------------------------------------------

def openai_error(status: int, kind: str, message: str, **headers: str) -> Scripted:
    return Scripted(status, {"error": {"message": message, "type": kind, "param": None,
                                       "code": None}}, headers)


def openai_completion(content: str | None, refusal: str | None = None,
                      finish_reason: str = "stop", model: str = "test-model",
                      usage: dict | None = None) -> dict:
    return {"id": "chatcmpl-fake", "object": "chat.completion", "created": 1_700_000_000,
            "model": model,
            "choices": [{"index": 0, "finish_reason": finish_reason, "logprobs": None,
                         "message": {"role": "assistant", "content": content,
                                     "refusal": refusal}}],
            "usage": usage or {"prompt_tokens": 50, "completion_tokens": 10, "total_tokens": 60,
                               "prompt_tokens_details": {"cached_tokens": 0}}}


class FakeOpenAI(FakeServer):
    def __init__(self, latency: float = 0.0, supports_json_schema: bool = True) -> None:
        super().__init__(latency)
        self.supports_json_schema = supports_json_schema

    def routes(self) -> list[web.RouteDef]:
        return [web.post("/v1/chat/completions", self._chat)]

    async def _chat(self, request: web.Request) -> web.Response:
        if not self.supports_json_schema:
            body = await request.json()
            kind = (body.get("response_format") or {}).get("type")
            if kind == "json_schema":
                self.received.append(Received.of(request, body))
                # What llama.cpp-era servers say to a response_format they do not know.
                return web.json_response(
                    {"error": {"message": "response_format type json_schema is not supported",
                               "type": "invalid_request_error", "param": "response_format",
                               "code": None}}, status=400)
        return await self._answer(request, self._default)

    def _default(self, body: dict) -> dict:
        prompt = "".join(m["content"] for m in body["messages"])
        if body.get("response_format"):
            content = json.dumps(default_decision(body["messages"][-1]["content"]))
        else:
            content = "I would want to see the numbers first."
        return openai_completion(content, model=body.get("model", "test-model"),
                                 usage={"prompt_tokens": approx_tokens(prompt),
                                        "completion_tokens": 20,
                                        "total_tokens": approx_tokens(prompt) + 20,
                                        "prompt_tokens_details": {"cached_tokens": 0}})
