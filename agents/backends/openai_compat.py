"""`openai:MODEL[@BASE_URL]` — any OpenAI-compatible chat-completions server, via the official SDK.

vLLM, Ollama, llama.cpp's server, LM Studio and hosted APIs. The persona prefix is the system
message, first, so servers with automatic prefix caching (OpenAI, vLLM) reuse it. Structured output
asks for `response_format: json_schema`; a server that rejects it is asked for `json_object`, then
for plain text, and remembers what worked. The agent's tolerant parser (agents.structured)
reads whatever comes back, so this backend returns text and never parses decisions itself.
"""

from __future__ import annotations

import os
from typing import Any

import openai

from agents.backends.prices import cost_usd
from agents.backends.remote import CallGate, RemoteLimits, describe_api_error
from agents.llm import Completion, LLMError, LLMRequest, Usage

_FORMATS = ("json_schema", "json_object", None)
NO_KEY = "no-key"  # local servers ignore the key, but the SDK insists on one


class OpenAICompatLLM:
    decides = True
    max_sentences = None  # capable models write replies of the length the prompt asks

    def __init__(self, model: str, base_url: str | None = None,
                 limits: RemoteLimits | None = None) -> None:
        if not model:
            raise LLMError("openai: no model named — fix: --model openai:MODEL@http://HOST:PORT/v1 "
                           "(e.g. openai:qwen2.5:7b@http://127.0.0.1:11434/v1 for Ollama)")
        self.model = model
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL") or None
        key = os.environ.get("OPENAI_API_KEY")
        if not key and self.base_url is None:
            raise LLMError("openai: no OPENAI_API_KEY and no server URL — fix: set OPENAI_API_KEY "
                           "for api.openai.com, or name a local server: openai:MODEL@http://HOST:PORT/v1")
        self.name = f"openai:{model}" + (f"@{base_url}" if base_url else "")
        self.limits = limits or RemoteLimits.from_env()
        self.client = openai.AsyncOpenAI(api_key=key or NO_KEY, base_url=self.base_url,
                                         max_retries=self.limits.max_retries,
                                         timeout=self.limits.timeout)
        self._gate = CallGate(self.limits)
        self._format = 0  # index into _FORMATS: how much structure this server accepts

    def _params(self, request: LLMRequest, fmt: str | None) -> dict[str, Any]:
        params: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": "system", "content": request.system_prefix}]
                        + [{"role": t.role, "content": t.content} for t in request.messages],
            "max_tokens": request.max_tokens,
            "temperature": request.temperature,
            "seed": request.seed,
        }
        if request.answer is not None and fmt == "json_schema":
            params["response_format"] = {"type": "json_schema", "json_schema": {
                "name": request.answer.name, "schema": request.answer.json_schema, "strict": False}}
        elif request.answer is not None and fmt == "json_object":
            params["response_format"] = {"type": "json_object"}
        return params

    async def _create(self, request: LLMRequest):
        while True:
            fmt = _FORMATS[self._format]
            try:
                return await self.client.chat.completions.create(**self._params(request, fmt))
            except (openai.BadRequestError, openai.UnprocessableEntityError):
                if request.answer is None or fmt is None:
                    raise
                self._format += 1  # the server does not know this response_format: ask for less

    async def complete(self, request: LLMRequest) -> Completion:
        try:
            response, latency = await self._gate.run(lambda: self._create(request), self.name)
        except openai.OpenAIError as exc:
            raise LLMError(describe_api_error(self.name, exc)) from None
        if not response.choices:
            raise LLMError(f"{self.name}: the server answered with no choices")
        choice = response.choices[0]
        refusal = getattr(choice.message, "refusal", None)
        if refusal or choice.finish_reason == "content_filter":
            raise LLMError(f"{self.name}: the model refused to answer: {(refusal or '')[:200]}")
        u = response.usage
        details = getattr(u, "prompt_tokens_details", None) if u else None
        usage = Usage(input_tokens=u.prompt_tokens if u else 0,
                      cached_input_tokens=(getattr(details, "cached_tokens", 0) or 0),
                      output_tokens=u.completion_tokens if u else 0)
        return Completion(text=choice.message.content or "", model=self.name, usage=usage,
                          cost_usd=cost_usd(self.model, usage), latency_ms=latency)

    async def aclose(self) -> None:
        await self.client.close()
