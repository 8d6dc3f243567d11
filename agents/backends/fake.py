"""A scripted fake model for tests and benchmarks: instant (or fixed-latency), free, deterministic."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Callable
from pathlib import Path

from agents.llm import Completion, LLMError, LLMRequest, Usage

Script = Callable[[LLMRequest], str | dict]


def default_script(request: LLMRequest) -> dict | str:
    """Answer whatever was asked (a decision, a vote, a feed action, plain text) by a hash of who
    is answering which message: varied, but the same for the same persona and message."""
    trigger = request.context.trigger if request.context else None
    answer = request.answer_name or "decision"
    # Keyed on who is answering what, not on the prompt's wording, so a change to the prompt
    # layout does not reshuffle every test's room.
    about_what = f"{trigger.id}:{trigger.text}" if trigger else request.messages[-1].content
    digest = int(hashlib.blake2b(f"{answer}:{about_what}".encode(), digest_size=4,
                                 key=(request.persona.id if request.persona else "").encode()[:64]
                                 ).hexdigest(), 16)
    name = request.persona.first_name if request.persona else "I"
    about = trigger.author_name if trigger else "that"
    text = f"{name} here: my take on what {about} said ({digest % 997})."
    if request.answer is None:  # asked to write, not to choose
        return text
    if answer == "vote":
        return {"vote": ("for", "against", "abstain")[digest % 3],
                "reason": f"{name}'s reason {digest % 97}"}
    roll = digest % 10
    if request.context and (request.context.mentioned or request.context.replied_to_me):
        roll = 0  # like people, the fake answers when it is addressed by name or replied to
    if answer == "feedchoice":
        return ({"action": "reply", "text": text} if roll < 2 else {"action": "quote", "text": text}
                if roll < 3 else {"action": "like"} if roll < 6 else {"action": "repost"}
                if roll < 7 else {"action": "ignore"})
    if roll < 3:
        return {"action": "reply", "text": text}
    if roll < 6:
        return {"action": "react", "emoji": ["👍", "🤔", "👀", "🔥"][digest % 4]}
    return {"action": "ignore"}


class FakeLLM:
    def __init__(self, script: Script | list[str | dict] | None = None, *, latency: float = 0.0,
                 decides: bool = True, name: str = "fake", price_per_token: float = 0.0,
                 record: bool = True) -> None:
        self.name = name
        self.decides = decides
        self.max_sentences: int | None = None
        self.latency = latency
        self.price_per_token = price_per_token
        self.requests: list[LLMRequest] = []  # what tests assert on; off in benchmarks (memory)
        self._record = record
        self._script = script if script is not None else default_script
        self._position = 0

    def _next(self, request: LLMRequest) -> str | dict:
        if callable(self._script):
            return self._script(request)
        if not self._script:
            raise LLMError("the fake model's script is empty")
        answer = self._script[self._position % len(self._script)]
        self._position += 1
        return answer

    async def complete(self, request: LLMRequest) -> Completion:
        if self._record:
            self.requests.append(request)
        if self.latency:
            await asyncio.sleep(self.latency)
        answer = self._next(request)
        if isinstance(answer, Exception):
            raise answer
        # A dict answer arrives as structured output (like a tool call); a string as raw text.
        data = answer if isinstance(answer, dict) else None
        text = answer if isinstance(answer, str) else ""
        usage = Usage(input_tokens=(len(request.system_prefix) + sum(len(t.content) for t in request.messages)) // 4,
                      output_tokens=max(1, len(text or str(data)) // 4))
        cost = (usage.input_tokens + usage.output_tokens) * self.price_per_token
        return Completion(text=text, model=self.name, usage=usage, cost_usd=cost, data=data)

    async def aclose(self) -> None:
        return None


def load_script(path: str) -> list[str | dict]:
    """`fake:FILE` — one JSON answer (an object, or a string of raw text) per line, used in turn."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]
    except (OSError, json.JSONDecodeError) as exc:
        raise LLMError(f"{path}: cannot read the fake model's script ({exc}) — fix: one JSON value "
                       "per line") from None
