"""Structured answers from model output: find the JSON, validate it against the answer's model, and
ask once more when it does not fit.

Every structured answer (a decision, a vote, a feed action, a persona profile) is read here, and so
is what the response cache decides to keep: an answer that would be rejected is never cached, or its
retry would get the same bad answer back.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from agents.llm import LLM, CallRecord, Completion, LLMError, LLMRequest
from agents.redact import redact

_JSON_OBJECT = re.compile(r"\{.*\}", re.DOTALL)
Shape = TypeVar("Shape", bound=BaseModel)


class MalformedOutput(ValueError):
    """Model output that is not the structured answer it was asked for."""


def json_in(text: str) -> Any:
    """The first JSON object in model text (small models wrap it in prose)."""
    found = _JSON_OBJECT.search(text or "")
    if not found:
        raise MalformedOutput(f"no JSON object in model output: {text[:120]!r}")
    try:
        return json.loads(found.group(0))
    except json.JSONDecodeError as exc:
        raise MalformedOutput(f"invalid JSON in model output: {exc.msg}") from None


def parse_answer(completion: Completion, model: type[Shape]) -> Shape:
    """Structured data if the backend gave it, else the first JSON object in the text."""
    data = completion.data if completion.data is not None else json_in(completion.text)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise MalformedOutput(f"model output does not fit the {model.__name__.lower()}: "
                              f"{exc.errors()[0]['msg']}") from None


def is_usable(request: LLMRequest, completion: Completion) -> bool:
    """Would the asker accept this completion: valid structure if one was asked for, else text."""
    if request.answer is None:
        return bool(completion.text.strip())
    try:
        parse_answer(completion, request.answer.model)
    except MalformedOutput:
        return False
    return True


async def complete_recorded(llm: LLM, request: LLMRequest, purpose: str,
                            calls: list[CallRecord]) -> Completion | None:
    """One call, recorded in `calls` whether it succeeds or fails; None if it failed."""
    started = time.perf_counter()
    try:
        completion = await llm.complete(request)
    except Exception as exc:  # an answer a backend could not read ({} or null for a 200) failed too
        error = str(exc) if isinstance(exc, LLMError) else (
            f"{llm.name}: unreadable answer ({type(exc).__name__}: {exc})")
        calls.append(CallRecord(llm.name, purpose, error=redact(error)[:500],
                                latency_ms=(time.perf_counter() - started) * 1000))
        return None
    calls.append(CallRecord.of(completion, purpose))
    return completion


async def ask(llm: LLM, request: LLMRequest, purpose: str,
              calls: list[CallRecord]) -> tuple[Any, str | None]:
    """Ask for `request.answer`; one retry on malformed output. Returns (answer, problem): the
    validated answer (an instance of request.answer.model), or None and why there is none (the
    call's error, or what was malformed)."""
    if request.answer is None:
        raise ValueError("ask() is for structured answers: the request names none")
    problem = ""
    for _attempt in range(2):
        completion = await complete_recorded(llm, request, purpose, calls)
        if completion is None:
            return None, calls[-1].error
        try:
            return parse_answer(completion, request.answer.model), None
        except MalformedOutput as exc:
            problem = str(exc)
    return None, problem
