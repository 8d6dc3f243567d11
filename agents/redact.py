"""Secrets out of text before it is stored or printed: a server may echo the key it was sent
(a 401 body that repeats it), and an error line goes to `llm_calls`, `stop_reason` and the screen."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping

REDACTED = "[redacted]"
_SECRET_NAMES = re.compile(r"(?:KEY|TOKENS?|SECRET|PASSWORD)$")
_KEY_SHAPES = re.compile(
    r"\bsk-[A-Za-z0-9_-]{12,}"  # Anthropic (sk-ant-…) and OpenAI (sk-…, sk-proj-…) keys
    r"|\bxox[abposr]-[A-Za-z0-9-]{8,}|\bxapp-[A-Za-z0-9-]{8,}"  # Slack bot, user and app tokens
    r"|\b[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}"  # Discord bot tokens
    r"|(?<=Bearer )[A-Za-z0-9._~+/=-]{8,}",
    re.IGNORECASE,
)


def _configured(env: Mapping[str, str]) -> list[str]:
    """The values of every *_KEY / *_TOKEN / *_SECRET setting, longest first."""
    values = {
        part
        for name, value in env.items()
        if _SECRET_NAMES.search(name.upper())
        for part in re.split(r"[\s,=:\"{}]+", value)
        if len(part) >= 8
    }
    return sorted(values, key=len, reverse=True)


def redact(text: str, env: Mapping[str, str] | None = None, also: Iterable[str] = ()) -> str:
    """`text` with configured secrets (the environment's, and `also`) and anything shaped like a
    key replaced by [redacted]."""
    extra = [s for s in also if s]
    for secret in sorted(extra, key=len, reverse=True) + _configured(os.environ if env is None else env):
        text = text.replace(secret, REDACTED)
    return _KEY_SHAPES.sub(REDACTED, text)
