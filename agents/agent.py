"""One persona's decision about one message: ask the model (or the rules), validate, never crash."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from agents import rules
from agents.context import DecisionContext
from agents.decision import DECISION_SCHEMA, IGNORE, Decision
from agents.llm.base import LLM, ChatTurn, Completion, LLMError, LLMRequest
from agents.persona import Persona
from agents.prompts import decision_prompt, persona_prefix, reply_prompt
from agents.sanitize import clean_reply, first_sentences

_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)
Purpose = Literal["decide", "write", "vote"]
Shape = TypeVar("Shape", bound=BaseModel)


@dataclass(frozen=True)
class LLMCallRecord:
    model: str
    purpose: Purpose
    input_tokens: int = 0
    cached_input_tokens: int = 0
    cache_creation_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    latency_ms: float = 0.0
    from_cache: bool = False
    error: str | None = None

    @classmethod
    def from_completion(cls, completion: Completion, purpose: Purpose) -> LLMCallRecord:
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
    payload: Any = None  # a scenario's structured result beside the decision (a vote, a quote)


class MalformedOutput(ValueError):
    pass


def parse_structured(completion: Completion, model: type[Shape]) -> Shape:
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
        return model.model_validate(data)
    except ValidationError as exc:
        raise MalformedOutput(f"model output does not fit the {model.__name__.lower()}: "
                              f"{exc.errors()[0]['msg']}") from None


def parse_decision(completion: Completion) -> Decision:
    return parse_structured(completion, Decision)


class Agent:
    def __init__(self, persona: Persona, llm: LLM, room_name: str, room_topic: str,
                 names: frozenset[str]) -> None:
        self.persona = persona
        self.llm = llm
        self.names = names  # sanitize.room_names(), built once by the room: no scan per reply
        self._interests: frozenset[str] | None = None
        self.prefix = persona_prefix(persona, room_name, room_topic)

    @property
    def interests(self) -> frozenset[str]:
        """The words of the persona's stances and posts; what catches its eye in a feed."""
        if self._interests is None:
            self._interests = rules.interests(self.persona)
        return self._interests

    def _request(self, context: DecisionContext, prompt: str | ChatTurn, schema: dict | None,
                 schema_name: str = "decision") -> LLMRequest:
        turn = prompt if isinstance(prompt, ChatTurn) else ChatTurn("user", prompt)
        return LLMRequest(system_prefix=self.prefix, messages=(turn,),
                          schema=schema, schema_name=schema_name, seed=context.seed,
                          persona=self.persona, context=context)

    async def decide(self, context: DecisionContext) -> Outcome:
        if self.llm.decides:
            return await self._decide_with_model(context)
        return await self._decide_with_rules(context)

    async def _call(self, request: LLMRequest, purpose: Purpose,
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

    async def structured(self, context: DecisionContext, prompt: str | ChatTurn, schema: dict,
                         shape: type[Shape], purpose: Purpose, calls: list[LLMCallRecord]
                         ) -> tuple[Shape | None, str | None]:
        """Ask for JSON fitting `schema`; one retry on malformed output. (result, problem)."""
        request = self._request(context, prompt, schema, shape.__name__.lower())
        problem = ""
        for _attempt in range(2):
            completion = await self._call(request, purpose, calls)
            if completion is None:
                return None, calls[-1].error
            try:
                return parse_structured(completion, shape), None
            except MalformedOutput as exc:
                problem = str(exc)
        return None, problem

    async def _decide_with_model(self, context: DecisionContext) -> Outcome:
        calls: list[LLMCallRecord] = []
        decision, problem = await self.structured(context, decision_prompt(context),
                                                  DECISION_SCHEMA, Decision, "decide", calls)
        if decision is None:
            return Outcome(IGNORE, "fallback", calls, problem)
        return self._finish(decision, "model", calls)

    async def write(self, context: DecisionContext, prompt: str | ChatTurn | None = None,
                    reason: str = "called on") -> Outcome:
        """A reply already decided (the chair gave the floor, a poster posts): only the text."""
        calls: list[LLMCallRecord] = []
        prompt = prompt or reply_prompt(context)
        completion = await self._call(self._request(context, prompt, None), "write", calls)
        if completion is None:
            return Outcome(IGNORE, "fallback", calls, calls[-1].error)
        source = "model" if self.llm.decides else "rules"
        return self._finish(Decision(action="reply", text=completion.text or "…", reason=reason),
                            source, calls)

    async def _decide_with_rules(self, context: DecisionContext) -> Outcome:
        decision = rules.choose(self.persona, context)
        if decision.action != "reply":
            return Outcome(decision, "rules")
        calls: list[LLMCallRecord] = []
        completion = await self._call(self._request(context, reply_prompt(context), None), "write", calls)
        if completion is None:
            return Outcome(IGNORE, "fallback", calls, calls[-1].error)
        return self._finish(decision.model_copy(update={"text": completion.text}), "rules", calls)

    def finish_text(self, text: str) -> str:
        """What the persona actually posts: only its own lines, cut short for small models."""
        text = clean_reply(text, self.persona, self.names)
        limit = self.llm.max_sentences
        return first_sentences(text, limit) if limit else text

    def _finish(self, decision: Decision, source: Literal["model", "rules"],
                calls: list[LLMCallRecord]) -> Outcome:
        if decision.action != "reply":
            return Outcome(decision, source, calls)
        text = self.finish_text(decision.text or "")
        if not text:
            return Outcome(IGNORE, "fallback", calls, "reply was empty after cleaning")
        return Outcome(decision.model_copy(update={"text": text}), source, calls)
