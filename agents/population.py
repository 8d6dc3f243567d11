"""Grow a pack to N members by sampling variations of its personas (not N copies).

Each new member takes one of the pack's personas as its archetype (round robin, so every archetype
is represented) and varies it: a new name, a subset of its traits plus one of a pool, how active
it is (most people lurk, a few post a lot: a heavy-tailed talkativeness), when it is online, and
how strongly it holds each stance. Its follows mix its archetype's follows with a few accounts
chosen with a preference for prolific posters. Deterministic by seed.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Sequence

from agents.persona import Activity, Persona

_FIRST = [
    "Alex",
    "Sam",
    "Jordan",
    "Taylor",
    "Morgan",
    "Casey",
    "Riley",
    "Jamie",
    "Avery",
    "Quinn",
    "Rowan",
    "Drew",
    "Robin",
    "Kai",
    "Noa",
    "Maya",
    "Leo",
    "Ines",
    "Omar",
    "Lena",
    "Ravi",
    "Zoe",
    "Theo",
    "Ada",
    "Hugo",
    "Mina",
    "Felix",
    "Nora",
    "Ivan",
    "Sara",
    "Yuki",
    "Amir",
    "Lucia",
    "Ben",
    "Chloe",
    "Dev",
    "Elif",
    "Jonas",
    "Priya",
    "Mateo",
]
_LAST = [
    "Smith",
    "Garcia",
    "Chen",
    "Okafor",
    "Novak",
    "Rossi",
    "Kim",
    "Haddad",
    "Silva",
    "Nguyen",
    "Berg",
    "Moreau",
    "Khan",
    "Costa",
    "Ito",
    "Walsh",
    "Ibrahim",
    "Kowalski",
    "Larsen",
    "Mendes",
    "Sato",
    "Byrne",
    "Ahmed",
    "Fischer",
    "Reyes",
    "Dubois",
    "Park",
    "Singh",
    "Varga",
    "Lopez",
]
_EXTRA_TRAITS = (
    "skeptical",
    "curious",
    "funny",
    "blunt",
    "loyal to brands they like",
    "thrifty",
    "early adopter",
    "contrarian",
    "kind",
    "impatient",
    "detail-oriented",
    "sarcastic",
    "optimistic",
    "tired of ads",
    "values-driven",
    "quick to share",
)
INTENSITIES = ("strongly: ", "mildly: ", "used to think otherwise, now: ")
_INTENSITY = ("", "", *INTENSITIES)
_DAYTIME = list(range(7, 10)) + list(range(12, 14)) + list(range(18, 23))


def _clip(value: float, low: float, high: float) -> float:
    return max(low, min(high, value))


def _hours(base: Sequence[int], rng: random.Random) -> list[int]:
    """Online hours: the archetype's, shifted a little; or a plausible day if it has none."""
    hours = list(base) or _DAYTIME
    shift = rng.choice((-2, -1, 0, 0, 1, 2))
    keep = [h for h in hours if rng.random() < 0.8] or hours[:1]
    return sorted({(h + shift) % 24 for h in keep})


def vary(archetype: Persona, number: int, rng: random.Random, taken: set[str]) -> Persona:
    name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
    while name in taken:
        name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        if len(taken) > len(_FIRST) * len(_LAST) // 2:
            name = f"{name} {number}"
    taken.add(name)
    traits = [t for t in archetype.traits if rng.random() < 0.7]
    traits.append(rng.choice(_EXTRA_TRAITS))
    a = archetype.activity
    # Most people lurk; a few post a lot: a Pareto-tailed multiplier on the archetype's
    # talkativeness.
    talk = _clip(a.talkativeness * 0.35 * rng.paretovariate(2.0), 0.01, 0.95)
    activity = Activity(
        talkativeness=round(talk, 3),
        reaction_propensity=round(
            _clip(a.reaction_propensity * rng.uniform(0.6, 1.4), 0.02, 0.95), 3
        ),
        reply_delay=round(_clip(a.reply_delay * rng.uniform(0.5, 2.0), 1, 3600), 1),
        emoji=list(a.emoji),
        active_hours=_hours(a.active_hours, rng),
    )
    stances = {
        topic: rng.choice(_INTENSITY) + stance for topic, stance in archetype.stances.items()
    }
    examples = list(archetype.examples)
    rng.shuffle(examples)  # same voice, a different favourite post first
    return archetype.model_copy(
        update={
            "id": f"{archetype.id}-{number}"[:48],
            "name": name,
            "traits": traits,
            "stances": stances,
            "activity": activity,
            "examples": examples,
            "stats": {**archetype.stats, "archetype": archetype.id},
        }
    )


def grow(
    personas: Sequence[Persona], follows: dict[str, list[str]], size: int, seed: int
) -> tuple[list[Persona], dict[str, list[str]]]:
    """The pack's own personas first, then variations up to `size`; with everyone's follows."""
    if size <= len(personas):
        return list(personas[:size]), {k: list(v) for k, v in follows.items()}
    rng = random.Random(f"population:{seed}")
    taken = {p.name for p in personas}
    members = list(personas)
    for number in range(len(personas), size):
        members.append(vary(personas[number % len(personas)], number, rng, taken))
    by_archetype: dict[str, list[str]] = {}
    for m in members:
        by_archetype.setdefault(str(m.stats.get("archetype", m.id)), []).append(m.id)
    ids = [m.id for m in members]
    cumulative = list(itertools.accumulate(m.activity.talkativeness for m in members))
    grown: dict[str, list[str]] = {}
    for m in members:
        archetype = str(m.stats.get("archetype", m.id))
        chosen: set[str] = set()
        for followed in follows.get(archetype, ()):  # the archetype's follows, as its kind
            kin = by_archetype.get(followed, [followed])
            chosen.update(rng.sample(kin, min(len(kin), 3)))
        chosen.update(rng.choices(ids, cum_weights=cumulative, k=rng.randint(3, 15)))
        chosen.discard(m.id)
        grown[m.id] = sorted(chosen)
    return members, grown
