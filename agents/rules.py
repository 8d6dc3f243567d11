"""Rule-based choice of reply / react / ignore, for backends too small (or not models at all) to choose.

Deterministic per (seed, persona, message), so the choice does not depend on scheduling order.
"""

from __future__ import annotations

import hashlib
import random
import re

from agents.context import DecisionContext
from agents.decisions import Decision
from agents.persona import Persona
from agents.tone import stance


def rng_for(seed: int, persona_id: str, message_id: int, salt: str = "") -> random.Random:
    digest = hashlib.blake2b(f"{seed}:{persona_id}:{message_id}:{salt}".encode(), digest_size=8)
    return random.Random(int.from_bytes(digest.digest(), "big"))


_WORD = re.compile(r"[a-z][a-z0-9'$%]{3,}")


def words(text: str) -> frozenset[str]:
    return frozenset(_WORD.findall(text.lower()))


def interests(persona: Persona) -> frozenset[str]:
    """What a persona cares about: the words of its stances and of its own posts."""
    return words(" ".join([*persona.stances, *persona.stances.values(),
                           *(ex.text for ex in persona.examples)]))


def pick_emoji(persona: Persona, text: str, rng: random.Random) -> str:
    emoji = persona.activity.emoji
    mood = stance(text)
    if len(emoji) >= 2 and mood != 0:
        # Convention for persona files: the first emoji is their agreeing one, the last their doubtful one.
        return emoji[0] if mood > 0 else emoji[-1]
    return rng.choice(emoji)


def choose(persona: Persona, context: DecisionContext, placeholder_text: str = "…") -> Decision:
    """Pick the action; a reply gets `placeholder_text`, which the caller replaces with real text."""
    rng = rng_for(context.seed, persona.id, context.trigger.id, "rules")
    if context.mentioned or context.replied_to_me:
        return Decision(action="reply", text=placeholder_text, reason="addressed directly")
    react_p = persona.activity.reaction_propensity
    reply_share = 0.75 if context.trigger.author_kind == "human" else 0.45
    roll = rng.random()
    if roll < react_p:
        return Decision(action="react", emoji=pick_emoji(persona, context.trigger.text, rng),
                        reason="a reaction says enough")
    if roll < react_p + (1 - react_p) * reply_share:
        return Decision(action="reply", text=placeholder_text, reason="has something to add")
    return Decision(action="ignore", reason="nothing to add")
