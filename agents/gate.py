"""The cheap speak-gate: who even considers a new message, decided without any model call.

Vectorised over the whole room with numpy, so a message costs microseconds at 10,000 personas.
Real people mostly lurk: talkativeness is the base chance, what the message means to them (its
pull, from the appraisal: how much it touches them, whether they disagree with its author) scales
it, a mention or a reply to you raises it, recent speaking (cooldown) and a lot of speaking
(fatigue) lower it. A human's post in a big room draws no more than a crowd's worth of people,
however many it touches; in a small room everyone it touches looks.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from agents.persona import Persona


@dataclass(frozen=True)
class GateSettings:
    human_boost: float = 0.35  # humans are who the room is for: their posts get more attention
    mention_chance: float = 0.97
    reply_to_me_chance: float = 0.9
    cooldown_seconds: float = 15.0
    cooldown_factor: float = 0.2
    fatigue: float = 0.8  # each message a persona has posted multiplies its chance by this
    max_exchange: int = 4  # cap on back-and-forth between the same two personas
    notice_delay: tuple[float, float] = (0.3, 1.0)  # × reply_delay: when the persona looks
    urgency_speedup: float = 0.7  # those a message touches hard look up to this much sooner
    compose_seconds: tuple[float, float] = (0.8, 2.5)  # how long writing takes once it looks
    # A human's post is looked at by at most about crowd_base + crowd_slope × √members people.
    crowd_base: float = 4.0
    crowd_slope: float = 2.0
    # How a conversation draws people in (bot.engine.opinions): disagreement with a reply's author
    # multiplies pull by 1 + disagreement_pull; two speakers at opposite ends of the matter add
    # controversy_pull for everyone; those it touches who have not spoken yet get unheard_pull ×
    # how much; each of their own messages in the thread multiplies a persona's pull by
    # heard_damping.
    disagreement_pull: float = 1.5
    controversy_pull: float = 0.6
    unheard_pull: float = 0.6
    heard_damping: float = 0.6


class SpeakGate:
    def __init__(self, personas: Sequence[Persona], settings: GateSettings, seed: int) -> None:
        self.settings = settings
        self.rng = np.random.default_rng(seed)
        n = len(personas)
        self.talk = np.array([p.activity.talkativeness for p in personas], dtype=np.float64)
        self.delay = np.array([p.activity.reply_delay for p in personas], dtype=np.float64)
        self.last_spoke = np.full(n, -np.inf)
        self.tiredness = np.ones(n)
        self.busy = np.zeros(n, dtype=bool)  # already has a turn coming; one at a time
        self.muted = np.zeros(n, dtype=bool)  # silenced by a human: never a candidate

    def chances(self, now: float, *, author: int | None, human_author: bool,
                mentioned: Sequence[int] = (), replied_to: int | None = None,
                exchange_blocked: int | None = None, pull: np.ndarray | None = None) -> np.ndarray:
        """Per persona, the chance to consider this message (busy or not). `pull`: per persona,
        how strongly the message draws them in (1 = as talkative as they are)."""
        s = self.settings
        p = self.talk + s.human_boost if human_author else self.talk.copy()
        if pull is not None:
            p *= pull
        p *= self.tiredness
        p[(now - self.last_spoke) < s.cooldown_seconds] *= s.cooldown_factor
        if human_author:
            crowd = s.crowd_base + s.crowd_slope * math.sqrt(len(p))
            expected = float(np.minimum(p, 1.0).sum())
            if expected > crowd:
                p *= crowd / expected
        if replied_to is not None:  # an answer draws you back in, less once you have said a lot
            p[replied_to] = max(p[replied_to], s.reply_to_me_chance * self.tiredness[replied_to])
        if exchange_blocked is not None:
            p[exchange_blocked] = 0.0
        for index in mentioned:
            p[index] = s.mention_chance
        p[self.muted] = 0.0
        if author is not None:
            p[author] = 0.0
        return p

    def draw(self, chances: np.ndarray) -> np.ndarray:
        """Who considers the message: indices in persona order; a persona with a turn coming is
        never drawn again (one at a time)."""
        p = np.where(self.busy, 0.0, chances)
        chosen = np.flatnonzero(self.rng.random(p.shape[0]) < p)
        self.busy[chosen] = True
        return chosen

    def candidates(self, now: float, **why: object) -> np.ndarray:
        return self.draw(self.chances(now, **why))

    def draw_one(self, persona: int, chance: float) -> bool:
        """One persona, one chance (a message it missed while busy)."""
        if self.busy[persona] or self.muted[persona] or self.rng.random() >= chance:
            return False
        self.busy[persona] = True
        return True

    def notice_delays(self, chosen: np.ndarray, urgency: np.ndarray | None = None) -> np.ndarray:
        """Seconds until each chosen persona looks at the room (drawn together: one call per
        message); `urgency` (0 … 1 per persona) brings those a message touches hard in sooner."""
        lo, hi = self.settings.notice_delay
        delays = self.delay[chosen] * self.rng.uniform(lo, hi, chosen.shape[0])
        if urgency is not None:
            delays *= 1.0 - self.settings.urgency_speedup * urgency[chosen]
        return delays

    def notice_delay(self, persona: int) -> float:
        lo, hi = self.settings.notice_delay
        return float(self.delay[persona] * self.rng.uniform(lo, hi))

    def compose_delay(self) -> float:
        """Seconds a persona takes to act once it has looked."""
        return float(self.rng.uniform(*self.settings.compose_seconds))

    def done(self, persona: int) -> None:
        self.busy[persona] = False

    def spoke(self, persona: int, now: float) -> None:
        self.last_spoke[persona] = now
        self.tiredness[persona] *= self.settings.fatigue
