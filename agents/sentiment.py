"""Sentiment of short social text from a lexicon (VADER), for when no model classifies it.

VADER is tuned for social media (emoji, caps, "not good", "!!!"), needs no model, and scores a
reply in microseconds. Scores are in [-1, 1]; `stance` maps them onto -1 / 0 / +1 with the
thresholds VADER's authors recommend.
"""

from __future__ import annotations

from functools import lru_cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

NEUTRAL_BAND = 0.05


@lru_cache(maxsize=1)
def _analyzer() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


def score(text: str) -> float:
    return float(_analyzer().polarity_scores(text)["compound"])


def stance(text: str) -> int:
    value = score(text)
    return (value >= NEUTRAL_BAND) - (value <= -NEUTRAL_BAND)
