"""What the room accepts from a human, checked before anything is written: every platform refuses
the same posts and reactions with the same words."""

from __future__ import annotations

import re
import unicodedata

MAX_HUMAN_MESSAGE_CHARS = 4000
MAX_EMOJI_CHARS = 16


class HumanInputError(ValueError):
    """A human post the room refuses (too long, empty, bad reply target); nothing is written."""


def human_id(name: str) -> str:
    return "human:" + re.sub(r"[^\w.-]+", "-", name.strip().lower())[:40]


def checked_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise HumanInputError("the message is empty")
    if len(text) > MAX_HUMAN_MESSAGE_CHARS:
        raise HumanInputError(f"the message is {len(text)} characters; the limit is "
                              f"{MAX_HUMAN_MESSAGE_CHARS}")
    return text


def checked_emoji(emoji: str) -> str:
    """Short, a pictograph (or keycap) in it, and no letters, spaces or control characters."""
    emoji = emoji.strip()
    kinds = [unicodedata.category(c) for c in emoji]
    if not (0 < len(emoji) <= MAX_EMOJI_CHARS and ("So" in kinds or "\u20e3" in emoji)
            and not any(k[0] in "LZ" or k == "Cc" for k in kinds)):
        raise HumanInputError("a reaction is one emoji, like 👍")
    return emoji
