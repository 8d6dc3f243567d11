"""Model backends behind one protocol."""

from agents.llm.base import LLM, ChatTurn, Completion, LLMError, LLMRequest, Usage

__all__ = ["LLM", "ChatTurn", "Completion", "LLMError", "LLMRequest", "Usage"]
