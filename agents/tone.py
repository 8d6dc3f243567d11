"""The one judge of tone: how positive or negative a short piece of social text is.

Everything that needs a tone asks here: the emoji a persona picks, how a vote leans, the objections
in a meeting's minutes, the sentiment of a feed's replies, `compare` and the batch report. So the
same reply reads the same way in the minutes and in the report.

VADER (a lexicon tuned for social media: emoji, caps, "not good", "!!!") needs no model and scores a
reply in microseconds. Its lexicon is extended with the words that carry a stance in a pitch or a
boardroom and that it lacks. Scores are in [-1, 1]; `stance` maps them onto -1 / 0 / +1 with the
thresholds VADER's authors recommend.
"""

from __future__ import annotations

import re
from functools import lru_cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

NEUTRAL_BAND = 0.05
# Contempt VADER reads as neutral: telling people to go away, that they don't matter.
_CONTEMPT = re.compile(
    r"\b(shop (somewhere|elsewhere) else|go (somewhere|elsewhere) else|(we|i) (don'?t|do not) need "
    r"(you|your)|take it or leave it|not our problem|deal with it|cry about it|nobody asked|"
    r"too (stupid|dumb|lazy)|get over it)\b", re.IGNORECASE)
CONTEMPT_SHIFT = 0.6
# Names VADER would read as praise ("super", "best"): the tone of a pitch is not in them.
_NAMES = re.compile(r"\b(super bowl|best buy|good morning america|super ?market)\b", re.IGNORECASE)
# Valence on VADER's scale (-4 … +4) for words it does not know.
_STANCE_WORDS = {
    "against": -1.0,
    "concern": -1.0,
    "concerns": -1.0,
    "expensive": -1.2,
    "overpriced": -1.8,
    "unproven": -1.2,
    "liability": -1.2,
    "overspend": -1.5,
    "upside": 1.2,
    "kill": -0.8,  # "a kill criterion" in a budget is prudence, not violence
    # Insults in the plural, which VADER's lexicon lacks.
    "idiots": -2.5,
    "fools": -2.0,
    "clowns": -1.8,
    "garbage": -1.8,
    "trash": -1.8,
    "whiners": -1.8,
    "freeloaders": -2.0,
    "parasites": -2.5,
}


@lru_cache(maxsize=1)
def _analyzer() -> SentimentIntensityAnalyzer:
    analyzer = SentimentIntensityAnalyzer()
    analyzer.lexicon.update(_STANCE_WORDS)
    return analyzer


@lru_cache(maxsize=16384)  # the same reply is judged by the minutes, the report and compare
def score(text: str) -> float:
    value = float(_analyzer().polarity_scores(_NAMES.sub("it", text))["compound"])
    if _CONTEMPT.search(text):
        value = max(-1.0, min(value, 0.0) - CONTEMPT_SHIFT)
    return value


# Negative words say the text is hostile only when they are aimed at the reader or name-call:
# "your complaints are pathetic" is; "we will fix the bugs that crash the app" is good news in
# bad words, and "prices rise with no notice" is bad news, not an insult.
_AT_PEOPLE = re.compile(r"\b(you|your|yours|you'?re|y'?all|yourselves|idiots|fools|clowns|whiners|"
                        r"freeloaders|parasites|losers|morons)\b", re.IGNORECASE)
UNAIMED = 0.3  # what negative words count for when they are not aimed at anyone


def as_received(text: str) -> float:
    """The tone as a reader takes it: warmth counts whole; negative words in full only when
    aimed at people (or said with contempt), else a third."""
    value = score(text)
    if value >= 0 or _CONTEMPT.search(text) or _AT_PEOPLE.search(text):
        return value
    return UNAIMED * value


def stance(text: str) -> int:
    """-1 negative, 0 neutral, +1 positive."""
    value = score(text)
    return (value >= NEUTRAL_BAND) - (value <= -NEUTRAL_BAND)
