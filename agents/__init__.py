"""Persona agents: persona model and packs, the cheap gate, the decision, prompts, model backends."""

from agents.persona import Persona
from agents.packs import Pack, PackError, Room, load_pack

__all__ = ["Pack", "PackError", "Persona", "Room", "load_pack"]
