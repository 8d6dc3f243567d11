"""Keys and tokens never survive into an error line, whatever shape the server echoes them in."""

from __future__ import annotations

import pytest

from agents.redact import REDACTED, redact

SHAPES = [
    "sk-ant-api03-abcDEF123_456-ghiJKL789",
    "sk-proj-0123456789abcdefABCDEF",
    "sk-0123456789abcdefghijklmn",
    "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOp",
    "xoxp-1234-5678-abcdefgh",
    "xapp-1-A0123456789-0123456789-abcdef0123456789",
    "MTA5ODc2NTQzMjEwOTg3NjU0Mw.GhIjKl.abcdefghijklmnopqrstuvwxyz0123",
]


@pytest.mark.parametrize("secret", SHAPES)
def test_key_shapes_are_redacted(secret: str) -> None:
    text = f"HTTP 401 authentication_error: invalid key {secret}, try again"
    assert redact(text, env={}) == f"HTTP 401 authentication_error: invalid key {REDACTED}, try again"


def test_configured_secrets_are_redacted_whatever_their_shape() -> None:
    env = {"ANTHROPIC_API_KEY": "custom-proxy-key-42", "SLACK_BOT_TOKEN": "hunter2hunter2",
           "DISCORD_PERSONA_TOKENS": "helen=aaaabbbbcccc,marcus=ddddeeeeffff", "HOME": "/root"}
    text = "bad custom-proxy-key-42 / hunter2hunter2 / aaaabbbbcccc / ddddeeeeffff in /root"
    assert redact(text, env) == f"bad {REDACTED} / {REDACTED} / {REDACTED} / {REDACTED} in /root"


def test_bearer_and_ordinary_text() -> None:
    assert redact("Authorization: Bearer abc.def-ghi_jkl", env={}) == f"Authorization: Bearer {REDACTED}"
    ordinary = "HTTP 500 api_error: Internal server error (task-123, sk-8, risk-averse)"
    assert redact(ordinary, env={}) == ordinary


def test_secrets_a_caller_holds_are_redacted_too() -> None:
    assert redact("bot token abc123def456 rejected", env={}, also=["abc123def456", ""]) == \
        f"bot token {REDACTED} rejected"
