"""Who wrote this? A TF-IDF profile of each persona, fitted on its training posts only.

The classifier sees lists of posts by position, never a persona id, and every persona's id and
names are masked out of what it reads (fitting and predicting), so a reply that says "Dana here"
is attributed by how it is written, not by who it claims to be. Features: words, and character
2-4-grams with case and punctuation kept (how someone writes, not only what about).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np

_WORD = re.compile(r"[\w']+|[^\w\s]")
MASK = " "


def masker(names: Iterable[str]) -> re.Pattern | None:
    """One pattern for every name to hide (ids, full names, first names; 2+ characters)."""
    found = sorted({n for n in names if len(n) >= 2}, key=len, reverse=True)
    if not found:
        return None
    return re.compile(r"(?<!\w)@?(?:" + "|".join(map(re.escape, found)) + r")(?!\w)", re.I)


def _features(text: str) -> Counter:
    text = " ".join(text.split())  # what masking left behind is no feature
    if not text:
        return Counter()
    grams: Counter = Counter(f"w:{w}" for w in _WORD.findall(text.lower()))
    padded = f" {text} "
    for n in (2, 3, 4):
        grams.update(f"c:{padded[i:i + n]}" for i in range(len(padded) - n + 1))
    return grams


class Attributor:
    def __init__(self, posts: Sequence[Sequence[str]], hide: re.Pattern | None = None) -> None:
        """`posts[i]`: the training posts of candidate i."""
        self.hide = hide
        docs = [self._count(" \n ".join(texts)) for texts in posts]
        seen: Counter = Counter(g for doc in docs for g in doc)
        self.vocab = {g: i for i, g in enumerate(sorted(seen))}
        self.idf = np.array([math.log((1 + len(docs)) / (1 + seen[g])) + 1 for g in sorted(seen)])
        self.profiles = np.vstack([self._vector(doc) for doc in docs]) if docs else np.zeros((0, 0))

    def _count(self, text: str) -> Counter:
        return _features(self.hide.sub(MASK, text) if self.hide else text)

    def _vector(self, counts: Counter) -> np.ndarray:
        vector = np.zeros(len(self.vocab))
        for gram, count in counts.items():
            index = self.vocab.get(gram)
            if index is not None:
                vector[index] = 1 + math.log(count)
        vector *= self.idf
        norm = np.linalg.norm(vector)
        return vector / norm if norm else vector

    def scores(self, text: str) -> np.ndarray:
        """Cosine similarity of the text to each candidate's profile."""
        return self.profiles @ self._vector(self._count(text))
