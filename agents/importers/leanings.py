"""What a person cares about, from their own posts, with no model: the interests, values and
concerns the appraisal (agents.appraisal) reads, in the person's own words.

- concerns: what they complain about: the clauses of their posts that read most negative
  (agents.tone), among those that say what about (two content words or more);
- values: what they praise: the most positive such clauses;
- interests: what they keep coming back to: the clauses most like the rest of what they write
  (mean cosine to their other clauses, all-MiniLM-L6-v2), whatever the tone.

A question neither praises nor complains; it can still be an interest.

Each list is picked greedily for variety (a clause too close to one already picked is skipped),
so five complaints about the same dashboard make one concern. A long clause is cut to
its first CUT_TO words: the appraisal matches short phrases best. With a model, the importer asks it
for these lists instead (agents.importers.profile).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import emoji
import numpy as np

from agents import tone
from agents.embedding import sentences, shared_encoder
from agents.importers.history import Post
from agents.importers.style import STOPWORDS, content_words

MAX_CANDIDATES = 400  # clauses considered per person: an even spread over their history
MAX_WORDS, CUT_TO = 16, 12  # a longer clause is cut to its first CUT_TO words
MIN_WORDS, MIN_CONTENT_WORDS = 3, 2  # "bold move" says too little to match anything by
FEELING = 0.3  # |tone| from which a clause is a complaint or praise, not a remark
TOO_CLOSE = 0.6  # cosine above which two clauses say the same thing
PICKS = {"interests": 5, "values": 4, "concerns": 4}
_ASKING = frozenset("who what which why how when where can could should is are do does did has have "
                    "will would".split())
_NOISE = re.compile(r"https?://\S+|\[(?:link|email|phone|ip|token)\]|(?<![\w@])@\w+|<[^>]+>")


@dataclass(frozen=True)
class Leanings:
    interests: list[str]
    values: list[str]
    concerns: list[str]


@dataclass(frozen=True)
class _Clause:
    text: str  # cut to MAX_WORDS, lower case
    feeling: float  # the tone of the whole clause, before the cut
    question: bool  # a question asks; it neither praises nor complains


def _clauses(posts: list[Post]) -> list[_Clause]:
    found: dict[str, _Clause] = {}
    for post in posts:
        if post.kind == "repost":
            continue
        pieces = sentences(_NOISE.sub(" ", emoji.replace_emoji(post.text, " ")))
        # The smallest pieces: a sentence that was also cut into clauses is left for its clauses.
        for piece in pieces:
            if any(other != piece and other in piece for other in pieces):
                continue
            words = piece.strip(" .!?…-").lower().split()
            if len(words) < MIN_WORDS or len(content_words(piece)) < MIN_CONTENT_WORDS:
                continue
            if len(words) > MAX_WORDS:  # cut, and not on a dangling "which is not"
                words = words[:CUT_TO]
                while words and words[-1] in STOPWORDS:
                    words.pop()
                if not words:  # its content words all come after the cut
                    continue
            text = " ".join(words)
            asks = piece.rstrip().endswith("?") or words[0] in _ASKING
            found.setdefault(text, _Clause(text, tone.score(piece), asks))
    clauses = list(found.values())
    if len(clauses) > MAX_CANDIDATES:
        step = len(clauses) / MAX_CANDIDATES
        clauses = [clauses[int(i * step)] for i in range(MAX_CANDIDATES)]
    return clauses


def _varied(order: list[int], vectors: np.ndarray, count: int) -> list[int]:
    chosen: list[int] = []
    for i in order:
        if len(chosen) == count:
            break
        if not chosen or float((vectors[chosen] @ vectors[i]).max()) < TOO_CLOSE:
            chosen.append(i)
    return chosen


def derive_leanings(posts: list[Post]) -> Leanings:
    clauses = _clauses(posts)
    if not clauses:
        return Leanings([], [], [])
    vectors = shared_encoder().encode([c.text for c in clauses])
    feeling = np.array([0.0 if c.question else c.feeling for c in clauses])
    # Typical: close to the rest of what they write (a lone clause has nothing to be close to).
    typical = ((vectors @ vectors.T).sum(axis=1) - 1.0) / max(1, len(clauses) - 1)
    by_typical = sorted(range(len(clauses)), key=lambda i: (-typical[i], i))
    worst = sorted((i for i in range(len(clauses)) if feeling[i] <= -FEELING),
                   key=lambda i: (feeling[i] - 0.5 * typical[i], i))
    best = sorted((i for i in range(len(clauses)) if feeling[i] >= FEELING),
                  key=lambda i: (-feeling[i] - 0.5 * typical[i], i))
    pick = {name: [clauses[i].text for i in _varied(order, vectors, PICKS[name])]
            for name, order in (("interests", by_typical), ("values", best), ("concerns", worst))}
    return Leanings(**pick)
