"""The OpenAI-compatible backend, through the real `openai` SDK, against a local fake server."""

from __future__ import annotations

import time

import pytest

from agents.backends.openai_compat import NO_KEY, OpenAICompatLLM
from agents.backends.registry import ModelSpecError, make_llm
from agents.backends.remote import RemoteLimits
from agents.decisions import DECISION
from agents.llm import LLMError
from agents.prompts import decision_prompt, persona_prefix
from tests.support.fake_llm_servers import FakeOpenAI, Scripted, openai_completion, openai_error
from tests.support.llm import agent_for, decision_request, pitch_context

FAST = RemoteLimits(concurrency=4, timeout=2.0, max_retries=2, deadline=20.0)


@pytest.fixture
async def server(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    async with FakeOpenAI() as fake:
        yield fake


def local_server(server: FakeOpenAI, limits: RemoteLimits = FAST) -> OpenAICompatLLM:
    return OpenAICompatLLM("qwen2.5:7b", f"{server.base_url}/v1", limits)


async def test_json_schema_decision_and_request_layout(server, board):
    llm = local_server(server)
    outcome = await agent_for(board, "helen", llm).decide(pitch_context(board))
    await llm.aclose()
    body = server.received[0].body
    assert server.received[0].headers["authorization"] == f"Bearer {NO_KEY}"
    assert body["messages"][0] == {"role": "system", "content": persona_prefix(
        board.persona("helen"), board.room.name, board.room.topic)}
    # The same text an Anthropic request cuts into blocks, as one string: the room's messages
    # first, the changing instruction last, so a server's prefix cache (vLLM, llama.cpp) reuses it.
    assert body["messages"][1] == {"role": "user",
                                   "content": decision_prompt(pitch_context(board)).content}
    assert body["messages"][1]["content"].index("Super Bowl") < \
        body["messages"][1]["content"].index("The newest message")
    assert body["response_format"] == {"type": "json_schema", "json_schema": {
        "name": "decision", "schema": DECISION.json_schema, "strict": False}}
    assert outcome.source == "model" and outcome.error is None
    assert outcome.calls[0].usage.input_tokens > 0 and outcome.calls[0].cost_usd == 0  # unknown model


async def test_server_without_json_schema_gets_json_object_and_remembers(monkeypatch, board):
    async with FakeOpenAI(supports_json_schema=False) as server:
        llm = local_server(server)
        for _ in range(2):
            outcome = await agent_for(board, "helen", llm).decide(pitch_context(board))
            assert outcome.source == "model"
        await llm.aclose()
    kinds = [(r.body.get("response_format") or {}).get("type") for r in server.received]
    assert kinds == ["json_schema", "json_object", "json_object"]


async def test_tolerant_parse_of_chatty_json(server, board):
    chatty = 'Sure! Here is my decision:\n```json\n{"action": "react", "emoji": "🤝"}\n```'
    server.plan.append(Scripted(body=openai_completion(chatty)))
    llm = local_server(server)
    outcome = await agent_for(board, "helen", llm).decide(pitch_context(board))
    await llm.aclose()
    assert outcome.decision.action == "react" and outcome.decision.emoji == "🤝"


async def test_invalid_json_is_retried_once_then_ignored(server, board):
    server.plan.extend([Scripted(body=openai_completion('{"action": "reply", "text": "unfinished'))]
                       * 2)
    llm = local_server(server)
    outcome = await agent_for(board, "helen", llm).decide(pitch_context(board))
    await llm.aclose()
    assert len(server.received) == 2
    assert outcome.source == "fallback" and "JSON" in outcome.error


async def test_refusal_skips_the_turn(server, board):
    server.plan.append(Scripted(body=openai_completion(None, refusal="I can't help with that.")))
    llm = local_server(server)
    outcome = await agent_for(board, "helen", llm).decide(pitch_context(board))
    await llm.aclose()
    assert outcome.decision.action == "ignore" and "refused" in outcome.error


async def test_429_honours_retry_after_then_500s_fail(server, board):
    server.plan.append(openai_error(429, "rate_limit_exceeded", "Rate limit reached",
                                    **{"retry-after": "1"}))
    llm = local_server(server)
    request = decision_request(board, llm)
    started = time.monotonic()
    await llm.complete(request)
    assert time.monotonic() - started >= 1.0 and len(server.received) == 2
    server.plan.extend([openai_error(500, "server_error", "The server had an error",
                                     **{"retry-after-ms": "10"})] * 3)
    with pytest.raises(LLMError, match="HTTP 500 server_error: The server had an error"):
        await llm.complete(request)
    await llm.aclose()
    assert len(server.received) == 5


async def test_timeout_fails_after_retries(server, board):
    server.plan.extend([Scripted(delay=1.5)] * 2)
    llm = local_server(server, RemoteLimits(concurrency=2, timeout=0.3, max_retries=1, deadline=20))
    request = decision_request(board, llm)
    with pytest.raises(LLMError, match="Timeout"):
        await llm.complete(request)
    await llm.aclose()


def test_specs(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    llm = make_llm("openai:qwen2.5:7b@http://127.0.0.1:11434/v1")
    assert (llm.model, llm.base_url) == ("qwen2.5:7b", "http://127.0.0.1:11434/v1")
    with pytest.raises(ModelSpecError, match="OPENAI_API_KEY"):
        make_llm("openai:gpt-4o-mini")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    assert make_llm("openai:gpt-4o-mini").base_url is None
