"""Small builders shared by the model-backend tests."""

from __future__ import annotations

from agents.agent import Agent
from agents.context import DecisionContext, VisibleMessage
from agents.decisions import DECISION
from agents.llm import LLMRequest
from agents.packs import Pack

PITCH = "I propose we spend $8M on a Super Bowl ad next February to reach small businesses."


def pitch_context(pack: Pack, text: str = PITCH, mentioned: bool = False) -> DecisionContext:
    trigger = VisibleMessage(1, "human:you", "You", "human", text)
    return DecisionContext(pack.room.name, pack.room.topic, trigger, (trigger,),
                           mentioned=mentioned, seed=3)


def agent_for(pack: Pack, persona_id: str, llm) -> Agent:
    return Agent(pack.persona(persona_id), llm, pack.room.name, pack.room.topic,
                 list(pack.personas))


def decision_request(pack: Pack, llm) -> LLMRequest:
    """What Tom's agent sends to decide about the pitch."""
    return agent_for(pack, "tom", llm).request(pitch_context(pack), "Decide.", DECISION)
