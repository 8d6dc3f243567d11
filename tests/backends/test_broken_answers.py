"""A server's broken or indiscreet answer is a failed call, recorded, with no secret in it."""

from __future__ import annotations

import sqlite3

import pytest

from agents.backends.anthropic_api import AnthropicLLM
from agents.backends.openai_compat import OpenAICompatLLM
from agents.backends.remote import RemoteLimits
from bot.engine.settings import RunSettings
from tests.engine.test_room_run import run_room
from tests.support.fake_llm_servers import (
    FakeAnthropic,
    FakeOpenAI,
    Scripted,
    anthropic_error,
    openai_error,
)
from tests.support.llm import agent_for, pitch_context

ANTHROPIC_KEY = "sk-ant-api03-Zx9_SECRET_0123456789abcdefghij"
OPENAI_KEY = "sk-proj-SECRET0123456789abcdefghijklmn"
FAST = RemoteLimits(concurrency=4, timeout=2.0, max_retries=1, deadline=20.0)


@pytest.fixture(params=["claude", "gpt"])
async def backend(request, monkeypatch):
    """A fake server of each API and a real backend pointed at it, with a key that looks real."""
    claude = request.param == "claude"
    async with (FakeAnthropic(min_cacheable_tokens=0) if claude else FakeOpenAI()) as fake:
        monkeypatch.setenv("ANTHROPIC_API_KEY" if claude else "OPENAI_API_KEY",
                           ANTHROPIC_KEY if claude else OPENAI_KEY)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.base_url)
        yield fake, (AnthropicLLM("claude-haiku-4-5", FAST) if claude
                     else OpenAICompatLLM("gpt-test", f"{fake.base_url}/v1", FAST))


@pytest.mark.parametrize(("body", "problem"), [('{"id": "msg_1", "content": [', "not valid JSON"),
                                               ("{}", ""), ("[1]", ""), ("null", "")])
async def test_a_200_with_a_broken_body_is_a_failed_call(backend, board, body, problem) -> None:
    server, llm = backend
    server.plan.extend([Scripted(raw=body)] * 4)
    outcome = await agent_for(board, "priya", llm).decide(pitch_context(board))
    await llm.aclose()
    assert outcome.source == "fallback"
    assert outcome.calls and outcome.calls[0].error
    assert problem in outcome.calls[0].error


async def test_a_key_echoed_by_the_server_is_not_kept(backend, board) -> None:
    server, llm = backend
    key = ANTHROPIC_KEY if isinstance(llm, AnthropicLLM) else OPENAI_KEY
    echo = f"invalid x-api-key: {key} (also tried sk-ant-admin01-abcdefghijklmnop1234)"
    error = (anthropic_error(401, "authentication_error", echo) if isinstance(llm, AnthropicLLM)
             else openai_error(401, "invalid_api_key", echo))
    server.plan.extend([error] * 4)
    outcome = await agent_for(board, "priya", llm).decide(pitch_context(board))
    await llm.aclose()
    assert "HTTP 401" in outcome.calls[0].error
    for text in (outcome.error, outcome.calls[0].error):
        assert key not in text and "SECRET" not in text and "sk-ant-admin01" not in text
        assert "[redacted]" in text


@pytest.mark.parametrize("backend", ["gpt"], indirect=True)
@pytest.mark.parametrize("answer", ["broken", "echo"])
async def test_a_run_against_such_a_server_stops_and_keeps_no_key(backend, board, db_path, answer):
    server, llm = backend
    echo = openai_error(401, "invalid_api_key", f"Incorrect API key provided: {OPENAI_KEY}")
    server.plan.extend([Scripted(raw="{") if answer == "broken" else echo] * 100)
    settings = RunSettings(seed=1, speed=0, gate=RunSettings().gate.__class__(human_boost=50.0))
    _, reason = await run_room(board, db_path, llm, settings)
    await llm.aclose()
    assert reason.startswith("the model keeps failing (5 calls in a row")
    con = sqlite3.connect(db_path)
    assert con.execute("SELECT COUNT(*) FROM llm_calls WHERE error IS NOT NULL").fetchone()[0] >= 5
    dump = "\n".join(con.iterdump())
    assert OPENAI_KEY not in dump and "SECRET" not in dump
