"""Group objections into themes by shared keywords, each with example quotes.

Greedy keyword clustering: the word found in the most not-yet-grouped objections becomes a theme,
until no word is shared by two objections. A theme is labelled with a phrase its objections
share (two to four words around the keyword, none of them a stop word), or failing that the
longest such phrase in its sharpest objection, or the keyword alone.
A word is weighted by how much more often objections use it than replies in general (its lift,
capped), so "ad" — said by fans and critics alike — loses to "expensive". Deterministic and
explainable: a theme is exactly the objections that use its keyword.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

MAX_THEMES = 6
MAX_QUOTES = 3
MAX_LIFT = 2.0

_WORD = re.compile(r"[a-z][a-z'$%-]{2,}")
_STOP = frozenset("""
a about above after again against all also am an and any are aren't as at be because been before
being below between both but by can can't cannot could couldn't did didn't do does doesn't doing
don't down during each even few for from further get gets got had hadn't has hasn't have haven't
having he her here hers herself him himself his how i i'd i'll i'm i've if in into is isn't it
it's its itself just let's like make me more most much must my myself no nor not now of off on
once only or other ought our ours ourselves out over own really same say says she should
shouldn't so some such than that that's the their theirs them themselves then there there's
these they they're this those through thing things think to too under until up us very was
wasn't way we we're were weren't what what's when where which while who whom why will with won't
would wouldn't yes yet you you'd you'll you're your yours yourself one two well still going want
see sure know take
""".split())  # noqa: SIM905 - a word list reads best as text


@dataclass(frozen=True)
class Quote:
    text: str
    persona: str
    run_id: str
    score: float  # more negative first when picking examples


@dataclass
class Theme:
    label: str
    keywords: list[str]
    count: int
    quotes: list[Quote] = field(default_factory=list)


def _stem(word: str) -> str:
    word = word.strip("'-")
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def keywords(text: str, ignore: frozenset[str] = frozenset()) -> set[str]:
    return {_stem(w) for w in _WORD.findall(text.lower())
            if w not in _STOP and _stem(w) not in ignore and len(_stem(w)) > 2}


def _lift(quotes: list[set[str]], background: list[str], ignore: frozenset[str]
          ) -> dict[str, float]:
    """How much likelier a word is in an objection than in any reply (capped at 2)."""
    if not background:
        return {}
    seen = Counter(w for text in background for w in keywords(text, ignore))
    used = Counter(w for words in quotes for w in words)
    return {w: min(MAX_LIFT, (n / len(quotes)) / (seen[w] / len(background)))
            for w, n in used.items() if seen[w]}


def group(quotes: list[Quote], ignore: frozenset[str] = frozenset(),
          background: list[str] | None = None) -> list[Theme]:
    """`background`: every reply to the stimulus (objections included), to weigh words by. A
    persona saying the same thing in many runs is one objection: a theme is what at least two
    different objections share. Its count is every reply it holds, repeats included."""
    by_text: dict[tuple[str, str], list[Quote]] = {}
    for q in sorted(quotes, key=lambda q: q.score, reverse=True):
        by_text.setdefault((q.persona, q.text), []).append(q)
    distinct = [said[0] for said in by_text.values()]
    said_times = [len(said) for said in by_text.values()]
    words = [keywords(q.text, ignore) for q in distinct]
    lift = _lift(words, background or [], ignore)
    left = set(range(len(distinct)))
    themes: list[Theme] = []
    while left and len(themes) < MAX_THEMES:
        counts = Counter(w for i in left for w in words[i])
        if not counts:
            break
        top, hits = min(counts.items(), key=lambda kv: (-kv[1] * lift.get(kv[0], 1.0), kv[0]))
        if hits < 2:
            break
        members = sorted(i for i in left if top in words[i])
        partners = Counter(w for i in members for w in words[i] if w != top)
        second = [w for w, n in sorted(partners.items(), key=lambda kv: (-kv[1], kv[0]))[:2]
                  if n >= 2]
        chosen = sorted(members, key=lambda i: (distinct[i].score, len(distinct[i].text)))
        seen: set[str] = set()
        examples = []
        for i in chosen:
            if distinct[i].text not in seen and len(examples) < MAX_QUOTES:
                seen.add(distinct[i].text)
                examples.append(distinct[i])
        label = phrase([distinct[i].text for i in chosen], top)
        themes.append(Theme(label, [top, *second], sum(said_times[i] for i in members), examples))
        left -= set(members)
    return themes


_TOKEN = re.compile(r"[A-Za-z0-9$%][A-Za-z0-9$%'’-]*")


def _grams(text: str, keyword: str, longest: int = 4) -> set[tuple[str, ...]]:
    words = _TOKEN.findall(text)
    found = set()
    for n in range(2, longest + 1):
        for i in range(len(words) - n + 1):
            gram = tuple(words[i:i + n])
            lowered = [w.lower() for w in gram]
            if any(w in _STOP for w in lowered) or len(set(lowered)) < n:
                continue
            if any(_stem(w) == keyword for w in lowered):
                found.add(gram)
    return found


def phrase(texts: list[str], keyword: str) -> str:
    """The label of a theme: the phrase most of its objections share, or the keyword's place in
    the first (sharpest) one."""
    counts = Counter(" ".join(g).lower() for text in texts for g in _grams(text, keyword))
    if counts:
        best, hits = max(counts.items(), key=lambda kv: (kv[1], len(kv[0].split()), kv[0]))
        if hits >= 2:
            return best
    first = sorted(_grams(texts[0], keyword), key=lambda g: (-len(g), g)) if texts else []
    return " ".join(first[0]).lower() if first else keyword
