"""Representative example posts chosen for diversity, not the first N.

Greedy max-min dissimilarity over word sets: start from the most typical post, then keep adding the
post least like anything already chosen, so the examples cover the range of what a person writes.
"""

from __future__ import annotations

from statistics import median

from agents.importers.history import Post
from agents.importers.style import content_words

MAX_CANDIDATES = 3000  # bounds the work (candidates × picks) for people with huge histories
MIN_WORDS = 3
MAX_CHARS = 600  # chat-length posts teach the voice; pasted logs, code and essays do not


def _distance(a: frozenset[str], b: frozenset[str]) -> float:
    union = len(a | b)
    return 1.0 - len(a & b) / union if union else 0.0


def pick_examples(posts: list[Post], count: int = 12) -> list[Post]:
    seen: set[str] = set()
    unique = []
    for post in posts:
        key = " ".join(post.text.lower().split())
        if post.kind != "repost" and key and key not in seen:
            seen.add(key)
            unique.append(post)
    chatty = [p for p in unique if len(p.text) <= MAX_CHARS and not p.text.startswith("```")]
    wordy = [p for p in chatty if len(content_words(p.text)) >= MIN_WORDS]
    pool = wordy if len(wordy) >= count else (chatty or unique)
    if len(pool) > MAX_CANDIDATES:  # an even spread over time keeps old and new voices
        step = len(pool) / MAX_CANDIDATES
        pool = [pool[int(i * step)] for i in range(MAX_CANDIDATES)]
    if len(pool) <= count:
        return pool
    sets = [frozenset(content_words(p.text)) for p in pool]
    typical_length = median(len(p.text) for p in pool)
    first = min(range(len(pool)), key=lambda i: (abs(len(pool[i].text) - typical_length), i))
    chosen = [first]
    nearest = [_distance(sets[i], sets[first]) for i in range(len(pool))]
    while len(chosen) < count:
        best = max(
            (i for i in range(len(pool)) if i not in chosen),
            key=lambda i: (nearest[i], len(sets[i]), -i),
        )
        chosen.append(best)
        nearest = [min(nearest[i], _distance(sets[i], sets[best])) for i in range(len(pool))]
    return [pool[i] for i in chosen]
