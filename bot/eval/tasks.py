"""The tasks, each scored the same way for the model under test and for the baselines.

Candidates are drawn once per item (seeded) and shared by every system, so a baseline and a model
are compared on exactly the same questions. A system is a scorer: given the item and its
candidates, one score per candidate; the right one's rank (ties broken at random) is the result.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import emoji as emoji_lib
import numpy as np

from agents import tone
from bot.eval.items import EvalSet, Item
from bot.eval.metrics import copies, jsd, rank_of, ranking, roc_auc, words

WHO_K = 5
REPLY_K = 10
POOL = 10  # posts per rival a reply id distractor is chosen from
SENTIMENT_BINS = np.linspace(-1.0, 1.0, 6)  # five bands, very negative … very positive


@dataclass(frozen=True)
class Candidates:
    who: tuple[tuple[str, ...], ...]  # per item: persona ids, the author among them
    replies: tuple[tuple[tuple[str, str], ...], ...]  # per item: (persona, real text), author's in


def draw_candidates(eval_set: EvalSet, seed: int,
                    closeness: Callable[[str, list[str]], np.ndarray]) -> Candidates:
    """`closeness(text, others)`: how alike in meaning, one score per other text. Each rival's
    distractor is the post of theirs (from a fixed sample of POOL) that answered the message most
    like this item's stimulus, so being on topic alone does not find the real reply."""
    rng = np.random.default_rng(seed)
    trained = [p.id for p in eval_set.pack.personas if p.examples]
    pools = {pid: [posts[i] for i in rng.choice(len(posts), min(POOL, len(posts)), replace=False)]
             for pid, posts in eval_set.held.items() if posts}
    who, replies = [], []
    for item in eval_set.items:
        others = [pid for pid in trained if pid != item.persona]
        pick = rng.choice(len(others), min(WHO_K - 1, len(others)), replace=False)
        who.append(tuple(rng.permutation([item.persona, *(others[i] for i in pick)]).tolist()))
        rivals = [pid for pid in pools if pid != item.persona]
        pick = rng.choice(len(rivals), min(REPLY_K - 1, len(rivals)), replace=False)
        texts = [(rivals[i], _nearest(pools[rivals[i]], item.stimulus.said.text, closeness))
                 for i in pick]
        order = rng.permutation(len(texts) + 1)
        pool = [(item.persona, item.real), *texts]
        replies.append(tuple(pool[i] for i in order))
    return Candidates(tuple(who), tuple(replies))


def _nearest(pool: list[tuple[str, str]], stimulus: str,
             closeness: Callable[[str, list[str]], np.ndarray]) -> str:
    """The pool's post that answered the message most like `stimulus` (the first, if none of
    them answered anything known)."""
    known = [n for n, (_, answered) in enumerate(pool) if answered]
    if not known:
        return pool[0][0]
    near = closeness(stimulus, [pool[n][1] for n in known])
    return pool[known[int(np.argmax(near))]][0]


Scorer = Callable[[int, Sequence], np.ndarray]  # (item index, candidates) → a score each


def who_said_it(eval_set: EvalSet, cands: Candidates, score: Scorer, seed: int) -> dict:
    rng = np.random.default_rng(seed + 1)
    ranks = [rank_of(score(n, c), c.index(item.persona), rng)
             for n, (item, c) in enumerate(zip(eval_set.items, cands.who, strict=True))]
    return ranking(ranks, WHO_K, seed, with_mrr=False)


def reply_id(eval_set: EvalSet, cands: Candidates, score: Scorer, seed: int) -> dict:
    rng = np.random.default_rng(seed + 2)
    ranks = [rank_of(score(n, c), [pid for pid, _ in c].index(item.persona), rng)
             for n, (item, c) in enumerate(zip(eval_set.items, cands.replies, strict=True))]
    return ranking(ranks, REPLY_K, seed, with_mrr=True)


def participation(eval_set: EvalSet, chances: Callable[[object], np.ndarray]) -> dict:
    """Per stimulus of the items, per persona but its author: the score against whether they
    really replied or reacted, pooled into one ROC AUC."""
    ids = [p.id for p in eval_set.pack.personas]
    scores, labels = [], []
    for stimulus in {item.stimulus.id: item.stimulus for item in eval_set.items}.values():
        row = chances(stimulus)
        for n, pid in enumerate(ids):
            if pid != stimulus.said.author:
                scores.append(float(row[n]))
                labels.append(pid in stimulus.responders)
    auc = roc_auc(scores, labels)
    return {"auc": round(auc, 4) if auc is not None else None, "n": len(scores),
            "positives": sum(labels), "chance": 0.5}


# -- style and copying ---------------------------------------------------------------------------

_PUNCT = re.compile(r"[!?]|\.\.\.|…")


def _features(text: str) -> dict[str, float]:
    letters = [c for c in text if c.isalpha()]
    start = next((c for c in text if c.isalpha()), "")
    return {
        "length": math.log1p(len(text)),  # log characters: 10 vs 20 is as far as 100 vs 200
        "emoji": float(emoji_lib.emoji_count(text)),
        "punctuation": float(len(_PUNCT.findall(text))),
        "capitals": sum(c.isupper() for c in letters) / len(letters) if letters else 0.0,
        "lowercase_start": 1.0 if start.islower() else 0.0,
    }


def style(items: Sequence[Item], generated: Sequence[str]) -> dict:
    """Per feature, the mean over personas of |their generated mean − their real mean|; and the
    whole group's: sentiment real vs generated (JSD), sentiment and length variance ratios."""
    pairs = [(item, text) for item, text in zip(items, generated, strict=True) if text]
    if not pairs:
        return {"n": 0}
    by_persona: dict[str, list[tuple[dict, dict]]] = {}
    for item, text in pairs:
        by_persona.setdefault(item.persona, []).append((_features(item.real), _features(text)))
    out: dict[str, float | int | None] = {}
    for name in ("length", "emoji", "punctuation", "capitals", "lowercase_start"):
        gaps = [abs(np.mean([g[name] for _, g in rows]) - np.mean([r[name] for r, _ in rows]))
                for rows in by_persona.values()]
        out[name] = round(float(np.mean(gaps)), 4)
    real = np.array([tone.score(item.real) for item, _ in pairs])
    made = np.array([tone.score(text) for _, text in pairs])
    counts = [np.histogram(v, SENTIMENT_BINS)[0] for v in (real, made)]
    out["sentiment_jsd"] = round(jsd(*(c + 1e-9 for c in counts)), 4)
    out["sentiment_real"], out["sentiment_generated"] = (c.tolist() for c in counts)
    out["sentiment_variance_ratio"] = _ratio(made.var(), real.var())
    lengths = [np.array([math.log1p(len(t)) for t in texts])
               for texts in ([i.real for i, _ in pairs], [t for _, t in pairs])]
    out["length_variance_ratio"] = _ratio(lengths[1].var(), lengths[0].var())
    out["n"] = len(pairs)
    return out


def _ratio(made: float, real: float) -> float | None:
    """Generated spread ÷ real spread: below 1, the personas sound more alike than the people."""
    return round(float(made / real), 4) if real > 0 else None


def copy_rate(eval_set: EvalSet, generated: Sequence[str]) -> float:
    """Share of the replies given that copy a training post (any persona's)."""
    posts = [words(ex.text) for p in eval_set.pack.personas for ex in p.examples]
    given = [text for text in generated if text]
    return round(sum(copies(text, posts) for text in given) / len(given), 4) if given else 0.0
