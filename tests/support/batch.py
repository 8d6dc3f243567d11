"""A tiny room whose every outcome is known in advance, for checking batch numbers by hand.

Three personas that never speak unprompted (talkativeness 0) but always consider the human's post
(a human_boost so large that even a post that touches nothing of theirs draws them in), and a
scripted model: so each run has exactly three turns, one per persona, and what each persona does
depends only on the variant and the seed.
"""

from __future__ import annotations

import re
from pathlib import Path

from agents.backends.fake import FakeLLM
from agents.gate import GateSettings
from agents.llm import LLMRequest
from bot.batch.plan import BatchPlan, Variant
from bot.engine.settings import RunSettings

PRICE_UP = "Prices go up 40% next month."
FREE_STAYS = "The free tier stays as it is."
ANA_NEGATIVE = "This is a terrible price hike, a total scam."
BEN_NEGATIVE = "Terrible idea, the price is awful."
ANA_POSITIVE = "Great news, I love it."

_PERSONA = """---
id: {id}
name: {name}
role: customer
activity:
  talkativeness: 0.0
  reaction_propensity: 0.5
  reply_delay: 5
  emoji: ["👍", "👎"]
---
A customer.
"""


def write_pack(root: Path) -> Path:
    pack = root / "tiny"
    pack.mkdir(exist_ok=True)
    (pack / "room.yaml").write_text("name: Tiny room\ntopic: pricing\n", encoding="utf-8")
    for pid, name in (("ana", "Ana Ito"), ("ben", "Ben Okoro"), ("cy", "Cy Park")):
        (pack / f"{pid}.md").write_text(_PERSONA.format(id=pid, name=name), encoding="utf-8")
    return pack


def script(request: LLMRequest) -> dict:
    """Variant a (price up): Ana always objects, Ben objects on even seeds (else 👍), Cy 👎.
    Variant b (free stays): Ana is pleased, Ben ignores, Cy 👍."""
    if request.answer_name == "stances":  # the model labelling replies: only a "scam" is negative
        ids = re.findall(r'<reply id="(\d+)">(.*?)</reply>', request.messages[-1].content)
        return {"labels": [{"id": int(i), "stance": "negative" if "scam" in text else "neutral"}
                           for i, text in ids]}
    persona, context = request.persona.id, request.context
    if context.trigger.author_kind != "human":
        return {"action": "ignore"}
    if PRICE_UP in context.trigger.text:
        if persona == "ana":
            return {"action": "reply", "text": ANA_NEGATIVE}
        if persona == "ben":
            return ({"action": "reply", "text": BEN_NEGATIVE} if request.seed % 2 == 0
                    else {"action": "react", "emoji": "👍"})
        return {"action": "react", "emoji": "👎"}
    if persona == "ana":
        return {"action": "reply", "text": ANA_POSITIVE}
    if persona == "ben":
        return {"action": "ignore"}
    return {"action": "react", "emoji": "👍"}


def fake_model() -> FakeLLM:
    return FakeLLM(script, name="fake")


def plan(batch_id: str, runs: int = 4) -> BatchPlan:
    settings = RunSettings(seed=0, speed=0, gate=GateSettings(human_boost=4.0))
    return BatchPlan(batch_id, "tiny", "discussion", "fake",
                     (Variant("a", PRICE_UP), Variant("b", FREE_STAYS)), runs, 0, settings)
