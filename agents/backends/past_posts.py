"""`history`: no model at all. A persona answers with the one of its own past posts that best
fits: on the message's topic, and saying what the persona thinks of it; once it has said all of
them lately, it has nothing to add.

Each past post's own lean is read once with the persona's own appraisal (a post that voices one
of their concerns argues against, one that voices a value argues for); the lean wanted is the
persona's stance from the turn's appraisal. A free dry run, and the baseline a real model has to
beat. The embedded model (agents.backends.local_llama) uses the same ranking for its examples.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from agents.appraisal import STANCE_BAND, own_lean
from agents.context import DecisionContext
from agents.embedding import shared_encoder
from agents.llm import Completion, LLMError, LLMRequest
from agents.persona import Persona

STANCE_WEIGHT = 0.35  # a post that argues their side beats a slightly more on-topic one
NEARBY_WEIGHT = 0.3  # the last few messages count too, a little

@dataclass(frozen=True)
class _Posts:
    texts: tuple[str, ...]
    vectors: np.ndarray
    leans: np.ndarray


_posts: dict[tuple[str, tuple[str, ...]], _Posts] = {}


def _own_posts(persona: Persona) -> _Posts:
    """The persona's past posts, embedded and with their leans, once per persona file (a grown
    population's members share their archetype's)."""
    texts = tuple(ex.text for ex in persona.examples)
    key = (persona.stats.get("archetype", persona.id), texts)
    if key not in _posts:
        vectors = shared_encoder().encode(list(texts))
        _posts[key] = _Posts(texts, vectors, np.array([own_lean(persona, t) for t in texts]))
    return _posts[key]


def fitting_posts(persona: Persona, context: DecisionContext) -> list[str]:
    """The persona's past posts, best first, leaving out what it said lately: the most on topic
    (the message, and less its last few neighbours) that says the persona's side of it."""
    own = _own_posts(persona)
    said = set(context.my_recent_texts)
    fresh = np.array([t not in said for t in own.texts], dtype=bool)
    if not fresh.any():
        return []
    encoder = shared_encoder()
    topic = own.vectors @ encoder.encode([context.trigger.text])[0]
    nearby = [m.text for m in context.window[-4:] if m.id != context.trigger.id]
    if nearby:
        topic = topic + NEARBY_WEIGHT * (own.vectors @ encoder.encode(nearby).T).max(axis=1)
    lean = context.appraisal.lean if context.appraisal else 0.0
    side = (np.clip(np.sign(lean) * own.leans * 2.0, -1.0, 1.0) if abs(lean) >= STANCE_BAND
            else -np.abs(own.leans))  # no view of their own: a measured post, not a strong one
    score = np.where(fresh, topic + STANCE_WEIGHT * side, -np.inf)
    order = sorted(np.flatnonzero(fresh).tolist(), key=lambda i: (-score[i], i))  # ties: file order
    return [own.texts[i] for i in order]


class PastPostsLLM:
    name = "history"
    decides = False
    max_sentences = None  # its own posts, verbatim

    async def complete(self, request: LLMRequest) -> Completion:
        persona, context = request.persona, request.context
        if persona is None or context is None:
            raise LLMError("the history backend needs the persona and its context")
        if not persona.examples:  # a persona with no posts of its own speaks its stances
            stances = [f"{topic}: {stance}" for topic, stance in persona.stances.items()]
            if not stances:
                raise LLMError(f"{persona.id} has no example posts or stances to answer with")
            return Completion(text=stances[0], model=self.name)
        best = fitting_posts(persona, context)
        # Everything it has to say, it has said lately: it says nothing (the turn is an ignore).
        return Completion(text=best[0] if best else "", model=self.name)

    async def aclose(self) -> None:
        return None
