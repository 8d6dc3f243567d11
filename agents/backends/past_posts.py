"""`history`: no model at all. A persona answers with the most relevant of its own past posts.

A free dry run, and the baseline a real model has to beat.
"""

from __future__ import annotations

import re

from agents.context import DecisionContext
from agents.llm import Completion, LLMError, LLMRequest

_WORD = re.compile(r"[a-z0-9$%']{3,}")
_STOP = frozenset(
    "the and for that this with you your are was were have has not but our they their what when "
    "will would should could about from just than then them into its it's all any can more some "
    "very who how why".split()
)


def _words(text: str) -> frozenset[str]:
    return frozenset(w for w in _WORD.findall(text.lower()) if w not in _STOP)


def by_relevance(candidates: list[str], context: DecisionContext) -> list[str]:
    """Most relevant to the message (and, less, to the last few before it) first; on a tie, the
    order of the persona file (its most typical posts first)."""
    wanted = _words(context.trigger.text)
    nearby = _words(" ".join(m.text for m in context.window[-4:]))
    order = {text: i for i, text in reversed(list(enumerate(candidates)))}
    return sorted(candidates, key=lambda t: (-(2 * len(_words(t) & wanted)
                                               + len(_words(t) & nearby)), order[t]))


class PastPostsLLM:
    name = "history"
    decides = False
    max_sentences = None  # its own posts, verbatim

    async def complete(self, request: LLMRequest) -> Completion:
        persona, context = request.persona, request.context
        if persona is None or context is None:
            raise LLMError("the history backend needs the persona and its context")
        said = set(context.my_recent_texts)
        candidates = [ex.text for ex in persona.examples if ex.text not in said]
        if not candidates:
            candidates = [f"{topic}: {stance}" for topic, stance in persona.stances.items()]
        if not candidates:
            raise LLMError(f"{persona.id} has no example posts or stances to answer with")
        return Completion(text=by_relevance(candidates, context)[0], model=self.name)

    async def aclose(self) -> None:
        return None
