"""One persona's turn: ask the model (or, for backends that cannot choose, the rules), validate what
comes back, and never crash: a failed or malformed answer becomes a logged "ignore"."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from agents import rules
from agents.context import DecisionContext
from agents.decisions import DECISION, IGNORE, Decision
from agents.llm import LLM, AnswerSchema, CallRecord, ChatTurn, LLMRequest
from agents.persona import Persona
from agents.prompts import decision_prompt, persona_prefix, reply_prompt
from agents.sanitize import clean_reply, first_sentences
from agents.structured import ask, complete_recorded

Source = Literal["model", "rules", "fallback"]


@dataclass
class Outcome:
    decision: Decision
    source: Source
    calls: list[CallRecord] = field(default_factory=list)
    error: str | None = None
    payload: Any = None  # a scenario's structured result beside the decision (a vote, a quote)


class Agent:
    def __init__(self, persona: Persona, llm: LLM, room_name: str, room_topic: str,
                 names: frozenset[str]) -> None:
        self.persona = persona
        self.llm = llm
        self.names = names  # sanitize.room_names(), built once by the room: no scan per reply
        self.prefix = persona_prefix(persona, room_name, room_topic)

    def request(self, context: DecisionContext, prompt: str | ChatTurn,
                answer: AnswerSchema | None = None) -> LLMRequest:
        turn = prompt if isinstance(prompt, ChatTurn) else ChatTurn("user", prompt)
        return LLMRequest(system_prefix=self.prefix, messages=(turn,), answer=answer,
                          seed=context.seed, persona=self.persona, context=context)

    async def decide(self, context: DecisionContext) -> Outcome:
        if self.llm.decides:
            return await self._decide_with_model(context)
        return await self._decide_with_rules(context)

    async def structured(self, context: DecisionContext, prompt: str | ChatTurn,
                         answer: AnswerSchema, purpose: str, calls: list[CallRecord]
                         ) -> tuple[Any, str | None]:
        """Ask for JSON fitting `answer`; one retry on malformed output. (result, problem)."""
        return await ask(self.llm, self.request(context, prompt, answer), purpose, calls)

    async def _decide_with_model(self, context: DecisionContext) -> Outcome:
        calls: list[CallRecord] = []
        decision, problem = await self.structured(context, decision_prompt(context), DECISION,
                                                  "decide", calls)
        if decision is None:
            return Outcome(IGNORE, "fallback", calls, problem)
        return self._finish(decision, "model", calls)

    async def write(self, context: DecisionContext, prompt: str | ChatTurn | None = None,
                    reason: str = "called on") -> Outcome:
        """A reply already decided (the chair gave the floor, a poster posts): only the text."""
        calls: list[CallRecord] = []
        request = self.request(context, prompt or reply_prompt(context))
        completion = await complete_recorded(self.llm, request, "write", calls)
        if completion is None:
            return Outcome(IGNORE, "fallback", calls, calls[-1].error)
        source = "model" if self.llm.decides else "rules"
        return self._finish(Decision(action="reply", text=completion.text or "…", reason=reason),
                            source, calls)

    async def _decide_with_rules(self, context: DecisionContext) -> Outcome:
        decision = rules.choose(self.persona, context)
        if decision.action != "reply":
            return Outcome(decision, "rules")
        calls: list[CallRecord] = []
        request = self.request(context, reply_prompt(context))
        completion = await complete_recorded(self.llm, request, "write", calls)
        if completion is None:
            return Outcome(IGNORE, "fallback", calls, calls[-1].error)
        return self._finish(decision.model_copy(update={"text": completion.text}), "rules", calls)

    def finish_text(self, text: str) -> str:
        """What the persona actually posts: only its own lines, cut short for small models."""
        text = clean_reply(text, self.persona, self.names)
        limit = self.llm.max_sentences
        return first_sentences(text, limit) if limit else text

    def _finish(self, decision: Decision, source: Source, calls: list[CallRecord]) -> Outcome:
        if decision.action != "reply":
            return Outcome(decision, source, calls)
        text = self.finish_text(decision.text or "")
        if not text:
            return Outcome(IGNORE, "fallback", calls, "reply was empty after cleaning")
        return Outcome(decision.model_copy(update={"text": text}), source, calls)
