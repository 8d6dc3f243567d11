"""One persona's decision about one message: ask the model (or the rules), validate, never crash."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Literal

from pydantic import ValidationError

from agents import rules
from agents.context import DecisionContext
from agents.decision import DECISION_SCHEMA, IGNORE, Decision
from agents.llm.base import LLM, ChatTurn, Completion, LLMError, LLMRequest
from agents.persona import Persona
from agents.prompts import decision_prompt, persona_prefix, reply_prompt
from agents.sanitize import clean_reply, first_sentences

_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)


@dataclass(frozen=True)
class LLMCallRecord:
    model: str
    purpose: Literal["decide", "write"]
    input_tokens: int = 0
    cached_input_tokens: int = 0
    cache_creation_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    from_cache: bool = False
    error: str | None = None

    @classmethod
    def from_completion(cls, completion: Completion, purpose: Literal["decide", "write"]) -> LLMCallRecord:
        u = completion.usage
        return cls(completion.model, purpose, u.input_tokens, u.cached_input_tokens,
                   u.cache_creation_tokens, u.output_tokens, completion.cost_usd,
                   completion.latency_ms, completion.from_cache)


@dataclass
class Outcome:
    decision: Decision
    source: Literal["model", "rules", "fallback"]
    calls: list[LLMCallRecord] = field(default_factory=list)
    error: str | None = None


class MalformedOutput(ValueError):
    pass


def parse_decision(completion: Completion) -> Decision:
    """Structured data if the backend gave it, else the first JSON object in the text."""
    data = completion.data
    if data is None:
        found = _JSON_OBJECT.search(completion.text or "")
        if not found:
            raise MalformedOutput(f"no JSON object in model output: {completion.text[:120]!r}")
        try:
            data = json.loads(found.group(0))
        except json.JSONDecodeError as exc:
            raise MalformedOutput(f"invalid JSON in model output: {exc.msg}") from None
    try:
        return Decision.model_validate(data)
    except ValidationError as exc:
        raise MalformedOutput(f"model output does not fit the decision: {exc.errors()[0]['msg']}") from None


class Agent:
    def __init__(self, persona: Persona, llm: LLM, room_name: str, room_topic: str,
                 room_names: frozenset[str]) -> None:
        self.persona = persona
        self.llm = llm
        self.room_names = room_names
        self.prefix = persona_prefix(persona, room_name, room_topic)

    def _request(self, context: DecisionContext, prompt: str, schema: dict | None) -> LLMRequest:
        return LLMRequest(system_prefix=self.prefix, messages=(ChatTurn("user", prompt),),
                          schema=schema, seed=context.seed, persona=self.persona, context=context)

    async def decide(self, context: DecisionContext) -> Outcome:
        if self.llm.decides:
            return await self._decide_with_model(context)
        return await self._decide_with_rules(context)

    async def _call(self, request: LLMRequest, purpose: Literal["decide", "write"],
                    calls: list[LLMCallRecord]) -> Completion | None:
        started = time.perf_counter()
        try:
            completion = await self.llm.complete(request)
        except LLMError as exc:
            calls.append(LLMCallRecord(self.llm.name, purpose, error=str(exc)[:500],
                                       latency_ms=(time.perf_counter() - started) * 1000))
            return None
        calls.append(LLMCallRecord.from_completion(completion, purpose))
        return completion

    async def _decide_with_model(self, context: DecisionContext) -> Outcome:
        calls: list[LLMCallRecord] = []
        request = self._request(context, decision_prompt(context), DECISION_SCHEMA)
        problem = ""
        for _attempt in range(2):  # one retry on malformed output, then a logged ignore
            completion = await self._call(request, "decide", calls)
            if completion is None:
                return Outcome(IGNORE, "fallback", calls, calls[-1].error)
            try:
                decision = parse_decision(completion)
            except MalformedOutput as exc:
                problem = str(exc)
                continue
            return self._finish(decision, "model", calls)
        return Outcome(IGNORE, "fallback", calls, problem)

    async def _decide_with_rules(self, context: DecisionContext) -> Outcome:
        decision = rules.choose(self.persona, context)
        if decision.action != "reply":
            return Outcome(decision, "rules")
        calls: list[LLMCallRecord] = []
        completion = await self._call(self._request(context, reply_prompt(context), None), "write", calls)
        if completion is None:
            return Outcome(IGNORE, "fallback", calls, calls[-1].error)
        return self._finish(decision.model_copy(update={"text": completion.text}), "rules", calls)

    def _finish(self, decision: Decision, source: Literal["model", "rules"],
                calls: list[LLMCallRecord]) -> Outcome:
        if decision.action != "reply":
            return Outcome(decision, source, calls)
        text = clean_reply(decision.text or "", self.persona, self.room_names)
        if self.llm.max_sentences:
            text = first_sentences(text, self.llm.max_sentences)
        if not text:
            return Outcome(IGNORE, "fallback", calls, "reply was empty after cleaning")
        return Outcome(decision.model_copy(update={"text": text}), source, calls)
