"""The statistics `townhall eval` reports: accuracy with a bootstrap interval, MRR, ROC AUC,
Jensen-Shannon divergence, and the token overlap that says a reply copies a post."""

from __future__ import annotations

import re

import numpy as np

RESAMPLES = 2000
COPY_OVERLAP = 0.8
SHORT = 4  # words: a reply this short copies a post only if it is the post
_WORD = re.compile(r"[\w']+")


def ci95(values: list[float], seed: int) -> list[float]:
    """Percentile bootstrap of the mean (seeded: the same items give the same interval)."""
    if not values:
        return [0.0, 0.0]
    data = np.asarray(values, dtype=float)
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, len(data), (RESAMPLES, len(data)))].mean(axis=1)
    return [round(float(np.percentile(means, 2.5)), 4), round(float(np.percentile(means, 97.5)), 4)]


def ranking(ranks: list[int], k: int, seed: int, *, with_mrr: bool) -> dict:
    """Ranks (1 = the right answer came first) of k candidates → accuracy, chance, MRR, CI."""
    hits = [1.0 if r == 1 else 0.0 for r in ranks]
    out = {"k": k, "accuracy": round(float(np.mean(hits)), 4) if hits else 0.0,
           "chance": round(1 / k, 4), "n": len(ranks), "ci95": ci95(hits, seed)}
    if with_mrr:
        out["mrr"] = round(float(np.mean([1 / r for r in ranks])), 4) if ranks else 0.0
        out["mrr_chance"] = round(float(np.mean([1 / r for r in range(1, k + 1)])), 4)
    return out


def rank_of(scores: np.ndarray, right: int, rng: np.random.Generator) -> int:
    """Where candidate `right` lands when sorted by score; ties are broken at random, so a scorer
    that cannot tell candidates apart ranks the right one at chance."""
    better = int((scores > scores[right]).sum())
    tied = int((scores == scores[right]).sum()) - 1
    return better + 1 + int(rng.integers(0, tied + 1))


def roc_auc(scores: list[float], labels: list[bool]) -> float | None:
    """Mann-Whitney AUC with ties counted half; None without both classes."""
    s, y = np.asarray(scores, dtype=float), np.asarray(labels, dtype=bool)
    pos, neg = s[y], s[~y]
    if not len(pos) or not len(neg):
        return None
    order = np.argsort(np.concatenate([pos, neg]), kind="mergesort")
    ranks = np.empty(len(order))
    values = np.concatenate([pos, neg])[order]
    ranks[order] = np.arange(1, len(order) + 1)
    for v in np.unique(values):  # average the ranks of ties
        same = order[values == v]
        ranks[same] = ranks[same].mean()
    return float((ranks[: len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def jsd(p: np.ndarray, q: np.ndarray) -> float:
    """Jensen-Shannon divergence in bits (0 = the same distribution, 1 = nothing shared)."""
    p, q = p / p.sum(), q / q.sum()
    m = (p + q) / 2

    def kl(a: np.ndarray, b: np.ndarray) -> float:
        keep = a > 0
        return float((a[keep] * np.log2(a[keep] / b[keep])).sum())

    return (kl(p, m) + kl(q, m)) / 2


def words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def copies(reply: str, posts: list[set[str]]) -> bool:
    """Does the reply copy one of these posts: ≥ 80% of its words in one post (a short reply: the
    same words)?"""
    own = words(reply)
    if not own:
        return False
    if len(own) < SHORT:
        return any(own == post for post in posts)
    return any(len(own & post) >= COPY_OVERLAP * len(own) for post in posts)
