"""How a persona appraises what was said, without a language model: does it touch what they care
about (relevance), do they like it (valence), and why (the concern or value it hits, in the
persona's own words from its file, or the tone it was said in).

Every backend shares it: it drives who notices a message (the gate), the emoji, the stance of a
rule-chosen reply, which past post the `history` backend answers with, what the embedded model is
told, and votes; with a real model it is recorded next to the model's own decision.

How: a persona's interests, values and concerns (and its stance topics) are embedded once
(agents.embedding); a message is embedded once, sentence by sentence; each phrase's best cosine
with any sentence becomes a hit in [0, 1]. Relevance is the strongest hit of any kind; valence is
the strongest value hit minus the strongest concern hit, plus the message's tone (agents.tone):
insults put anyone off, warmth wins a little goodwill.

Embeddings see what a text is about, not which way it goes: "cutting the marketing budget" and
"tripling the marketing budget" are close. So a phrase and a sentence that both say which way
something moves (more of it, less of it, or "never" doing it), from short word lists, and say
opposite ways, meet the other way round: a concern met in the opposite direction counts as a
value, and a value as a concern. Personas with the same phrases (a grown
population and its archetype) are appraised together: one matrix product per message, whatever
the size of the room.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np

from agents import tone
from agents.embedding import SentenceEncoder, sentences, shared_encoder
from agents.persona import Persona
from agents.population import INTENSITIES

# A phrase "hits" a message from this cosine on, fully at HIT_FULL (all-MiniLM-L6-v2: unrelated
# sentences score 0-0.3, a sentence about the very thing 0.5-0.8). Tuned on tests/unit/test_appraisal.py.
HIT_FROM, HIT_FULL = 0.3, 0.6
TONE_WEIGHT = 0.55  # how much the tone moves valence when the content touches nothing of theirs
TONE_DEAD_ZONE = 0.25
STANCE_BAND = 0.12  # |valence| below this is no clear stance
OPPOSITE_WEIGHT = 0.8  # a concern met in the opposite direction is a value, a little weaker
ROOM_WEIGHT = 0.6  # the room's topic makes a message relevant to all, at most this much
_MORE = re.compile(r"\b(spend\w*|increas\w*|rais\w*|hike\w*|tripl\w*|doubl\w*|expand\w*|"
                   r"invest\w*|boost\w*|add\w*|grow\w*|hir(e|es|ing)|ris(e|es|ing)|"
                   r"(go|goes|going|went) up|put(ting)? [^.]{1,20}? into|pour\w*|fund\w*)\b",
                   re.IGNORECASE)
# Making something better goes against a concern about it, whichever way the concern is put:
# "fixing onboarding" answers "a clunky 12-step onboarding".
_BETTER = re.compile(r"\b(fix\w*|improv\w*|upgrad\w*|streamlin\w*|simplif\w*|repair\w*|"
                     r"speed(ing)? up|solv\w*)\b", re.IGNORECASE)
_LESS = re.compile(r"\b(cut\w*|reduc\w*|lower\w*|slash\w*|trim\w*|freez\w*|shrink\w*|halv\w*|"
                   r"half[- ]price|discount\w*|on sale|downsiz\w*|lay(ing)? off|layoffs?|"
                   r"scal(e|ing) back|pull(ing)? back|cancel\w*|scrap\w*|drop(ping)?|flat|"
                   r"pause\w*|fewer|less|gone|remov\w*|eliminat\w*|abolish\w*|waiv\w*|"
                   r"(go|goes|going|went) down)\b", re.IGNORECASE)
# Refusing to do something at all ("we will never sell your data").
_REFUSE = re.compile(r"\b(never|will not|won'?t|no longer|refuse to|not going to|no plans? to|"
                     r"stop(ping)?)\b", re.IGNORECASE)
# A text that leaves something out ("…, with no legal review"). agents.embedding also cuts a
# sentence before "without", so the rest of it is still read for what it does say.
_WITHOUT = r"with no|without|with zero"
_LEAVES_OUT = re.compile(rf"^\s*no\b|\b({_WITHOUT})\b", re.IGNORECASE)
# A persona's phrase that is itself about something left out ("launching without legal review",
# "skipping security audits"): a text that leaves it out or stops it goes along with it.
_NAMES_ABSENCE = re.compile(r"\b(without|with no|no|skip\w*|lack\w*|neglect\w*|ignor\w*)\b",
                            re.IGNORECASE)
# The action a text leaves out ("without telling customers" → telling): leaving out one action
# does not answer a concern about another ("raising prices on existing customers").
_LEFT_OUT_ACTION = re.compile(rf"\b(?:{_WITHOUT})\s+(\w+ing)\b", re.IGNORECASE)
_ACTION = re.compile(r"\b\w+ing\b")
FLIP_MARGIN = 0.08  # a match the other way round must be this much closer to count
_KINDS = ("interest", "value", "concern")
_INTENSITY = re.compile("^(" + "|".join(re.escape(i) for i in INTENSITIES) + ")")
Stance = Literal["for", "against", "neutral"]
Why = Literal["value", "concern", "tone", "interest"]


@dataclass(frozen=True, slots=True)
class Appraisal:
    relevance: float  # 0 … 1: how much it touches what they care about
    valence: float  # -1 … +1: how much they like this message
    reason: str | None = None  # the value or concern it hits most, or how it was said
    why: Why | None = None
    # Where they stand on the matter under discussion (-1 … +1): for a reply in a thread, their
    # own take on what started it, which may differ from how they take the reply itself.
    position: float | None = None

    @property
    def lean(self) -> float:
        """Their position on the matter if they have one here, else how they take the message."""
        return self.valence if self.position is None else self.position

    @property
    def stance(self) -> Stance:
        """What they would argue: their position on the matter."""
        if self.lean >= STANCE_BAND:
            return "for"
        return "against" if self.lean <= -STANCE_BAND else "neutral"

    @property
    def strength(self) -> float:
        """How strongly they feel about it, 0 … 1: the urge to say something."""
        return self.relevance * abs(self.valence)


NEUTRAL = Appraisal(0.0, 0.0)


@dataclass(frozen=True)
class RoomAppraisal:
    """One message as the whole room appraises it, kept per profile (personas with the same
    phrases) so a 10,000-member room costs a few numbers per message; `relevance` and `valence`
    spread it over the personas, in persona order."""

    profile_relevance: np.ndarray
    profile_valence: np.ndarray
    profile_reason: np.ndarray  # index into Appraiser.phrases, or -1 (the tone, or nothing)
    profile_why: np.ndarray  # index into _WHY
    profile_reversed: np.ndarray  # the reason is a phrase met the other way round: "not …"
    tone: float
    profile_of: np.ndarray
    jitter: np.ndarray

    # Spread over the personas once: a message's appraisal is read at every turn it draws.
    @cached_property
    def relevance(self) -> np.ndarray:
        return self.profile_relevance[self.profile_of]

    @cached_property
    def valence(self) -> np.ndarray:
        return np.clip(self.profile_valence[self.profile_of] + self.jitter, -1.0, 1.0)

    def relevance_of(self, persona: int) -> float:
        return float(self.profile_relevance[self.profile_of[persona]])

    def valence_of(self, persona: int) -> float:
        raw = self.profile_valence[self.profile_of[persona]] + self.jitter[persona]
        return float(min(1.0, max(-1.0, raw)))


_WHY: tuple[Why | None, ...] = (None, "interest", "value", "concern", "tone")
_NEGATIVE_TONE, _POSITIVE_TONE = "the hostile tone", "the goodwill in it"


def _phrases_of(persona: Persona) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """(interests, values, concerns); stance topics and what the persona says about them count as
    interests: they name what the persona has views on. How strongly a grown member holds its
    archetype's stance ("strongly: …") does not change what the stance is about, so members of
    one archetype share one set of phrases (and are appraised together)."""
    stances = tuple(f"{topic}: {_INTENSITY.sub('', view)}" for topic, view in persona.stances.items())
    return (tuple(persona.interests) + stances, tuple(persona.values), tuple(persona.concerns))


def direction(text: str) -> int:
    """Which way a text says something moves: +1 more of it, -1 less of it, 0 it does not say."""
    # "Trimming marketing spend", "spend less": less wins when a text has both.
    return -1 if _LESS.search(text) else int(bool(_MORE.search(text)))


def _opposite(phrase_ways: np.ndarray, phrase_absence: np.ndarray, concerns: np.ndarray,
              texts: list[str]) -> np.ndarray:
    """(phrases × texts): does the text go the other way from the phrase? When the text says
    which way and the phrase another ("cutting the budget" against "investing more in it", "the
    fees are gone" against "monthly fees"), or when the text refuses or
    leaves out what the phrase is about ("we will never sell your data" against "selling
    customer data"; "without a legal review" against "legal review before launch", but along
    with "launching without legal review")."""
    ways = np.array([direction(t) for t in texts], dtype=np.int8)
    refused = np.array([bool(_REFUSE.search(t)) for t in texts])
    leaves_out = np.array([bool(_LEAVES_OUT.search(t)) for t in texts])
    # A phrase that names a thing ("monthly fees") is about having it: "the fees are gone" goes
    # against it. A text that names a thing without a direction goes neither way.
    both_say = np.where(phrase_ways == 0, 1, phrase_ways)[:, None] * ways[None, :] == -1
    # Refusing something is going the other way from doing it (or more of it).
    refused_way = np.where(ways == 0, -1, -ways)  # not doing it, or not that way
    refusing = refused_way[None, :] * np.where(phrase_ways == 0, 1, phrase_ways)[:, None] == -1
    refusing &= ~phrase_absence[:, None]
    leaving_out = leaves_out[None, :] & ~phrase_absence[:, None]
    bettering = np.array([bool(_BETTER.search(t)) for t in texts])[None, :] & concerns[:, None]
    return np.where(refused[None, :], refusing, both_say | leaving_out) | bettering


def _other_action(concerns: np.ndarray, phrase_actions: Sequence[frozenset[str]],
                  texts: list[str]) -> np.ndarray:
    """(phrases × texts): the text leaves out one action ("without telling customers") and the
    phrase is a concern about another ("raising prices on existing customers"): the text says
    nothing about it either way, however many words they share."""
    unrelated = np.zeros((len(phrase_actions), len(texts)), dtype=bool)
    for column, text in enumerate(texts):
        action = _LEFT_OUT_ACTION.search(text)
        if action:
            other = np.array([action.group(1).lower() not in a for a in phrase_actions], dtype=bool)
            unrelated[:, column] = concerns & other
    return unrelated


def _jitter(seed: int, persona_id: str) -> float:
    """A small, fixed lean per person and run: two members of one archetype are not clones."""
    digest = hashlib.blake2b(f"{seed}:{persona_id}:lean".encode(), digest_size=4).digest()
    return (int.from_bytes(digest, "big") / 0xFFFFFFFF - 0.5) * 0.08


def _felt(mood: float) -> float:
    """The tone as felt: a lexicon's small leanings ("never share", "approved") are no tone at
    all; an insult or real warmth is."""
    return float(np.sign(mood) * max(0.0, abs(mood) - TONE_DEAD_ZONE) / (1.0 - TONE_DEAD_ZONE))


def _hit(cosine: np.ndarray) -> np.ndarray:
    return np.clip((cosine - HIT_FROM) / (HIT_FULL - HIT_FROM), 0.0, 1.0).astype(np.float32)


class Appraiser:
    def __init__(self, personas: Sequence[Persona], *, seed: int = 0, room_topic: str = "",
                 encoder: SentenceEncoder | None = None) -> None:
        self.personas = personas
        self._encoder = encoder
        # What the room is for is everyone's business there, a little: a pitch to a board about
        # spending concerns every director, whatever their own phrases say.
        self.room_topic = sentences(room_topic) if room_topic.strip() else []
        self.seconds = 0.0  # time spent appraising (bench/bench_feed.py reports its share)
        profiles: dict[tuple, int] = {}
        self.profile_of = np.array([profiles.setdefault(_phrases_of(p), len(profiles))
                                    for p in personas], dtype=np.int64)
        self.jitter = np.array([_jitter(seed, p.id) for p in personas], dtype=np.float32)
        self.phrases: list[str] = []
        index: dict[str, int] = {}
        # Per kind, a (profiles × longest list) table of phrase indices, -1 padded.
        self._tables: list[np.ndarray] = []
        for kind in range(len(_KINDS)):
            rows = [[index.setdefault(text, len(index)) for text in phrases[kind]]
                    for phrases in profiles]
            width = max((len(r) for r in rows), default=0) or 1
            table = np.full((len(rows), width), -1, dtype=np.int64)
            for i, row in enumerate(rows):
                table[i, :len(row)] = row
            self._tables.append(table)
        self.phrases = list(index)
        self._directions = np.array([direction(p) for p in self.phrases], dtype=np.int8)
        self._absence = np.array([bool(_NAMES_ABSENCE.search(p)) for p in self.phrases], dtype=bool)
        self._concerns = np.zeros(len(self.phrases), dtype=bool)
        self._concerns[self._tables[2][self._tables[2] >= 0]] = True
        self._actions = [frozenset(_ACTION.findall(p.lower())) for p in self.phrases]
        self._vectors: np.ndarray | None = None
        self._by_text: dict[str, RoomAppraisal] = {}

    @property
    def encoder(self) -> SentenceEncoder:
        if self._encoder is None:
            self._encoder = shared_encoder()
        return self._encoder

    def warm(self) -> None:
        """Load the model and embed, in a few batched passes, every persona's phrases and the
        pieces of every post of theirs (what the `history` backend will say): now, before the
        first message, not while the room waits for its first answer."""
        self._phrase_vectors()
        posts = {ex.text for p in self._distinct_personas() for ex in p.examples}
        self.encoder.encode([*self.room_topic, *{piece for t in posts for piece in sentences(t)}])

    def _distinct_personas(self) -> list[Persona]:
        """One persona per archetype: a grown population's members share their posts."""
        seen: dict[object, Persona] = {}
        for persona in self.personas:
            seen.setdefault(persona.stats.get("archetype", persona.id), persona)
        return list(seen.values())

    def _phrase_vectors(self) -> np.ndarray:
        if self._vectors is None:
            self._vectors = (self.encoder.encode(self.phrases) if self.phrases
                             else np.zeros((0, 1), np.float32))
        return self._vectors

    def _room_hit(self, said: np.ndarray) -> float:
        if not self.room_topic:
            return 0.0
        similar = float((self.encoder.encode(self.room_topic) @ said.T).max())
        return ROOM_WEIGHT * float(_hit(np.array([similar]))[0])

    def room(self, text: str) -> RoomAppraisal:
        """The whole room's appraisal of a message (cached by text)."""
        known = self._by_text.get(text)
        if known is not None:
            return known
        started = time.perf_counter()
        found = self._appraise(text)
        if len(self._by_text) > 20_000:  # a long feed: keep memory bounded
            self._by_text.clear()
        self._by_text[text] = found
        self.seconds += time.perf_counter() - started
        return found

    def _appraise(self, text: str) -> RoomAppraisal:
        mood = _felt(tone.as_received(text))
        hits = np.zeros(len(self.phrases), np.float32)
        flipped = np.zeros(len(self.phrases), np.float32)  # met in the opposite direction
        parts = sentences(text)
        room = 0.0
        if self.phrases or self.room_topic:
            said = self.encoder.encode(parts)
            room = self._room_hit(said)
        if self.phrases:
            similar = self._phrase_vectors() @ said.T
            similar[_other_action(self._concerns, self._actions, parts)] = -1.0
            other_way = _opposite(self._directions, self._absence, self._concerns, parts)
            hits = _hit(np.where(other_way, -1.0, similar).max(axis=1))
            flipped = OPPOSITE_WEIGHT * _hit(
                np.where(other_way, similar, -1.0).max(axis=1) - FLIP_MARGIN)
        interest, interest_phrase, _ = self._strongest(0, hits)
        value, value_phrase, value_flipped = self._strongest(1, hits, self._tables[2], flipped)
        concern, concern_phrase, concern_flipped = self._strongest(2, hits, self._tables[1],
                                                                   flipped)
        content = value - concern
        touched = np.maximum.reduce([interest, value, concern, np.full_like(interest, room)])
        # An insult is aimed at everyone who reads it and puts anyone off; warmth draws a little
        # attention, and wins goodwill in proportion to how much it concerns them at all.
        relevance = np.maximum(touched, 0.9 * max(0.0, -mood) + 0.3 * max(0.0, mood))
        reach = 1.0 if mood < 0 else np.maximum(touched, 0.25)
        by_tone = TONE_WEIGHT * mood * reach * (1.0 - 0.5 * np.maximum(value, concern))
        valence = content + by_tone
        reason = np.where(content < 0, concern_phrase, value_phrase)
        reversed_ = np.where(content < 0, concern_flipped, value_flipped)
        why = np.where(content < 0, 3, 2)
        # Nothing of theirs at stake, or the tone says more: how it was said, or only a topic.
        by_tone = (np.abs(content) < 0.15) | (np.abs(by_tone) > np.abs(content))
        reason = np.where(by_tone, np.where(interest > 0, interest_phrase, -1), reason)
        reversed_ &= ~by_tone
        why = np.where(by_tone, np.where(abs(mood) >= 0.3, 4, np.where(interest > 0, 1, 0)), why)
        return RoomAppraisal(relevance.astype(np.float32), valence.astype(np.float32), reason, why,
                             reversed_, mood, self.profile_of, self.jitter)

    def _strongest(self, kind: int, hits: np.ndarray, opposite: np.ndarray | None = None,
                   flipped: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Per profile: the strongest hit of this kind (or of the opposite kind met the other
        way round), the phrase it came from (-1: none), and whether it was met the other way."""
        tables = [(self._tables[kind], hits)]
        if opposite is not None:
            tables.append((opposite, flipped))
        best = np.zeros(len(self._tables[kind]), np.float32)
        phrase = np.full(len(best), -1, dtype=np.int64)
        other_way = np.zeros(len(best), dtype=bool)
        for way, (table, scores) in enumerate(tables):
            scored = np.where(table >= 0, scores[np.maximum(table, 0)] if scores.size else 0.0, 0.0)
            column = scored.argmax(axis=1)
            top = scored[np.arange(len(table)), column]
            better = top > best
            best = np.where(better, top, best)
            phrase = np.where(better, table[np.arange(len(table)), column], phrase)
            other_way = np.where(better, way == 1, other_way)
        return best, phrase, other_way

    def of(self, persona: int, text: str) -> Appraisal:
        """One persona's appraisal of a message."""
        room = self.room(text)
        return self.explain(room, persona)

    def explain(self, room: RoomAppraisal, persona: int) -> Appraisal:
        profile = room.profile_of[persona]
        why = _WHY[int(room.profile_why[profile])]
        phrase = int(room.profile_reason[profile])
        if why == "tone":
            reason = _NEGATIVE_TONE if room.tone < 0 else _POSITIVE_TONE
        else:
            reason = self.phrases[phrase] if phrase >= 0 else None
            if reason and room.profile_reversed[profile]:
                reason = f"not {reason}"  # "backs it: not launching without legal review"
        return Appraisal(float(room.profile_relevance[profile]), room.valence_of(persona), reason,
                         why)


_own: dict[tuple, Appraiser] = {}  # per set of phrases: a grown archetype's members share one


def own_lean(persona: Persona, text: str) -> float:
    """How the persona's own words lean (-1 … +1), read with its own appraisal: a line that
    voices one of its concerns argues against, one that voices a value argues for."""
    phrases = _phrases_of(persona)
    own = _own.get(phrases)
    if own is None:
        own = _own[phrases] = Appraiser([persona])
    return own.explain(own.room(text), 0).valence - float(own.jitter[0])
