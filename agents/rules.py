"""Reply / react / ignore chosen by rules, for backends too small (or not models at all) to choose:
read from how the persona takes the message (agents.appraisal), so what was said decides.

The more a message touches what a persona cares about, and the more strongly they feel about it,
the likelier a reply (a human's post more so); a milder touch gets a reaction, whose emoji says
which way they lean; the rest is scrolled past. Deterministic per (seed, persona, message), so
the choice does not depend on scheduling.
"""

from __future__ import annotations

import hashlib
import random

from agents.appraisal import NEUTRAL, STANCE_BAND, Appraisal
from agents.context import DecisionContext
from agents.decisions import Decision
from agents.persona import Persona

MAX_REPLY_CHANCE = 0.95
UNHEARD_URGE = 0.2


def rng_for(seed: int, persona_id: str, message_id: int, salt: str = "") -> random.Random:
    digest = hashlib.blake2b(f"{seed}:{persona_id}:{message_id}:{salt}".encode(), digest_size=8)
    return random.Random(int.from_bytes(digest.digest(), "big"))


def pick_emoji(persona: Persona, valence: float, rng: random.Random) -> str:
    """Convention for persona files: the first emoji agrees, the last doubts, any other is
    a shrug."""
    emoji = persona.activity.emoji
    if len(emoji) >= 2 and abs(valence) >= STANCE_BAND:
        return emoji[0] if valence > 0 else emoji[-1]
    middle = emoji[1:-1] or emoji
    return rng.choice(middle)


def why(seen: Appraisal) -> str:
    """A few words for the decision log: which way they lean, and on what."""
    lean = {"for": "backs it", "against": "objects", "neutral": "no strong view"}[seen.stance]
    return f"{lean}: {seen.reason}" if seen.reason else lean


def choose(persona: Persona, context: DecisionContext, placeholder_text: str = "…") -> Decision:
    """Pick the action; a reply gets `placeholder_text`, which the caller replaces with real text."""
    rng = rng_for(context.seed, persona.id, context.trigger.id, "rules")
    seen = context.appraisal or NEUTRAL
    if context.mentioned or context.replied_to_me:
        return Decision(action="reply", text=placeholder_text, reason=f"addressed; {why(seen)}")
    urge = seen.relevance * abs(seen.valence)
    if not any(m.author_id == persona.id for m in context.window):
        # They have not spoken lately and they have a view on the matter: they want it heard,
        # whether or not this particular message is the one that provoked them.
        urge = max(urge, seen.relevance * abs(seen.lean) + UNHEARD_URGE * (abs(seen.lean) >= STANCE_BAND))
    human = 0.15 if context.trigger.author_kind == "human" else 0.0
    reply = min(MAX_REPLY_CHANCE, 0.05 + 1.2 * urge + 0.45 * seen.relevance + human)
    react = (1 - reply) * min(0.9, persona.activity.reaction_propensity * (0.4 + 1.6 * seen.relevance))
    roll = rng.random()
    if roll < reply:
        return Decision(action="reply", text=placeholder_text, reason=why(seen))
    if roll < reply + react:
        return Decision(action="react", emoji=pick_emoji(persona, seen.valence, rng),
                        reason=why(seen))
    return Decision(action="ignore", reason="nothing to add" if seen.relevance >= 0.3
                    else "not their concern")
