"""Persona agents: persona model and packs, the cheap gate, the decision, prompts, model backends."""

from agents.packs import Pack, PackError, Room, load_pack
from agents.persona import Persona

__all__ = ["Pack", "PackError", "Persona", "Room", "load_pack"]
