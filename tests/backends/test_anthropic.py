"""The Anthropic backend, through the real `anthropic` SDK, against a local fake Messages API."""

from __future__ import annotations

import asyncio
import time

import pytest

from agents.backends.anthropic_api import AnthropicLLM
from agents.backends.registry import ModelSpecError, make_llm
from agents.backends.remote import RemoteLimits
from agents.context import DecisionContext, VisibleMessage
from agents.decisions import DECISION
from agents.llm import LLMError
from agents.prompts import decision_prompt, persona_prefix
from tests.support.fake_llm_servers import (
    CacheUse,
    FakeAnthropic,
    PromptCache,
    Scripted,
    anthropic_error,
    anthropic_message,
)
from tests.support.llm import agent_for, decision_request, pitch_context

API_KEY = "sk-ant-test-0123456789-SECRET"
FAST = RemoteLimits(concurrency=4, timeout=2.0, max_retries=2, deadline=20.0)


@pytest.fixture
async def server(monkeypatch):
    # These prompts are short: cache any prefix, to see the accounting (the real minimums are
    # tested in test_the_conversation_is_cached_up_to_its_last_stable_message).
    async with FakeAnthropic(min_cacheable_tokens=0) as fake:
        monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.base_url)
        yield fake


def claude(limits: RemoteLimits = FAST) -> AnthropicLLM:
    return AnthropicLLM("claude-haiku-4-5", limits)


async def test_decision_request_layout_and_usage(server, board):
    llm = claude()
    agent = agent_for(board, "marcus", llm)
    context = pitch_context(board)
    first = await agent.decide(context)
    second = await agent_for(board, "marcus", llm).decide(context)
    await llm.aclose()

    sent = server.received[0]
    # The key from the environment is what the SDK authenticates with (2.x sends it as a bearer).
    assert API_KEY in (sent.headers.get("x-api-key"), sent.headers.get("authorization", "")[7:])
    body = sent.body
    # The persona's stable prefix is first, alone in the system prompt, and marked for caching.
    assert body["system"] == [{"type": "text", "cache_control": {"type": "ephemeral"},
                               "text": persona_prefix(board.persona("marcus"), board.room.name,
                                                      board.room.topic)}]
    # The conversation comes after it, in the messages: one block per message, then the changing
    # instruction; the last message block carries the second breakpoint.
    assert body["messages"][0]["role"] == "user"
    header, pitch, instruction = body["messages"][0]["content"]
    assert "Super Bowl" in pitch["text"] and pitch["cache_control"] == {"type": "ephemeral"}
    assert "cache_control" not in header and "cache_control" not in instruction
    assert instruction["text"].startswith("\nThe newest message for you to consider is id 1.")
    # Structured decisions through one forced tool whose input schema is the decision schema.
    assert body["tools"] == [{"name": "decision", "description": body["tools"][0]["description"],
                              "input_schema": DECISION.json_schema}]
    assert body["tool_choice"] == {"type": "tool", "name": "decision"}
    assert body["model"] == "claude-haiku-4-5"

    # The fake caches the prefix like Anthropic does: written the first time, read the second.
    one, two = first.calls[0].usage, second.calls[0].usage
    assert one.cache_creation_tokens > 0 and one.cached_input_tokens == 0
    assert two.cached_input_tokens == one.cache_creation_tokens and two.cache_creation_tokens == 0
    assert two.input_tokens == one.input_tokens  # input counts all of it, cached or not
    # Haiku 4.5: $1/MTok input, cache writes 1.25x, reads 0.1x, $5/MTok output.
    fresh = one.input_tokens - one.cache_creation_tokens
    assert first.calls[0].cost_usd == pytest.approx((fresh * 1 + one.cache_creation_tokens * 1.25
                                          + one.output_tokens * 5) / 1e6)
    assert second.calls[0].cost_usd < first.calls[0].cost_usd
    assert first.source == "model" and first.decision.action in {"reply", "react", "ignore"}


async def test_text_only_request_has_no_tools(server, board):
    llm = claude()
    completion = await llm.complete(agent_for(board, "helen", llm).request(
        pitch_context(board), "Write a reply.", None))
    await llm.aclose()
    assert "tools" not in server.received[0].body and "tool_choice" not in server.received[0].body
    assert completion.text == "I would want to see the numbers first." and completion.data is None


async def test_429_honours_retry_after(server, board):
    server.plan.append(anthropic_error(429, "rate_limit_error", "Number of requests has exceeded "
                                       "your per-minute rate limit", **{"retry-after": "1"}))
    llm = claude()
    started = time.monotonic()
    outcome = await agent_for(board, "marcus", llm).decide(pitch_context(board))
    elapsed = time.monotonic() - started
    await llm.aclose()
    assert len(server.received) == 2
    assert elapsed >= 1.0  # waited as long as the server asked
    assert outcome.source == "model" and outcome.error is None


async def test_529_overloaded_is_retried_with_backoff(server, board):
    server.plan.append(anthropic_error(529, "overloaded_error", "Overloaded"))
    llm = claude()
    started = time.monotonic()
    completion = await llm.complete(decision_request(board, llm))
    await llm.aclose()
    assert len(server.received) == 2
    assert time.monotonic() - started >= 0.3  # the SDK backs off 0.5 s minus up to 25% jitter
    assert completion.data is not None


async def test_500_every_time_fails_after_the_retries_and_the_turn_is_skipped(server, board):
    for _ in range(3):
        server.plan.append(anthropic_error(500, "api_error", "Internal server error",
                                           **{"retry-after-ms": "10"}))
    llm = claude()
    outcome = await agent_for(board, "priya", llm).decide(pitch_context(board))
    await llm.aclose()
    assert len(server.received) == 3  # the first attempt and max_retries=2
    assert outcome.decision.action == "ignore" and outcome.source == "fallback"
    assert "HTTP 500 api_error: Internal server error" in outcome.error
    assert outcome.calls[0].error == outcome.error


async def test_timeout_is_retried_then_fails(server, board):
    server.plan.extend([Scripted(delay=1.5), Scripted(delay=1.5)])
    llm = claude(RemoteLimits(concurrency=2, timeout=0.3, max_retries=1, deadline=20))
    with pytest.raises(LLMError, match="APITimeoutError"):
        await llm.complete(decision_request(board, llm))
    await llm.aclose()
    assert len(server.received) == 2


async def test_a_long_retry_after_is_capped_by_the_deadline(server, board):
    server.plan.append(anthropic_error(429, "rate_limit_error", "slow down",
                                       **{"retry-after": "3600"}))
    llm = claude(RemoteLimits(concurrency=2, timeout=2, max_retries=2, deadline=0.5))
    started = time.monotonic()
    with pytest.raises(LLMError, match="no answer within 0.5s"):
        await llm.complete(decision_request(board, llm))
    await llm.aclose()
    assert time.monotonic() - started < 3


async def test_tool_call_with_invalid_json_is_retried_once(server, board):
    broken = {"type": "tool_use", "id": "toolu_1", "name": "decision",
              "input": '{"action": "reply", "text": "half a thou'}
    good = {"type": "tool_use", "id": "toolu_2", "name": "decision",
            "input": {"action": "reply", "text": "Make it $3M and do it properly."}}
    server.plan.extend([Scripted(body=anthropic_message([broken], "tool_use")),
                        Scripted(body=anthropic_message([good], "tool_use"))])
    llm = claude()
    outcome = await agent_for(board, "marcus", llm).decide(pitch_context(board))
    await llm.aclose()
    assert len(server.received) == 2 and len(outcome.calls) == 2
    assert outcome.source == "model" and outcome.decision.text == "Make it $3M and do it properly."


async def test_tool_call_that_breaks_the_schema_twice_is_a_logged_ignore(server, board):
    wrong = {"type": "tool_use", "id": "toolu_1", "name": "decision", "input": {"action": "shout"}}
    server.plan.extend([Scripted(body=anthropic_message([wrong], "tool_use"))] * 2)
    llm = claude()
    outcome = await agent_for(board, "marcus", llm).decide(pitch_context(board))
    await llm.aclose()
    assert outcome.decision.action == "ignore" and outcome.source == "fallback"
    assert "does not fit the decision" in outcome.error


async def test_refusal_skips_the_turn(server, board):
    server.plan.append(Scripted(body=anthropic_message([], "refusal")))
    llm = claude()
    outcome = await agent_for(board, "helen", llm).decide(pitch_context(board))
    await llm.aclose()
    assert outcome.decision.action == "ignore" and "refused" in outcome.error
    assert len(server.received) == 1  # a refusal is an answer, not a failure to retry


async def test_concurrency_limit_bounds_calls_in_flight(server, board):
    server.latency = 0.2
    in_flight = peak = 0
    original = server._answer

    async def counting(request, default):
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        try:
            return await original(request, default)
        finally:
            in_flight -= 1

    server._answer = counting
    llm = claude(RemoteLimits(concurrency=3, timeout=5, max_retries=0, deadline=20))
    request = decision_request(board, llm)
    await asyncio.gather(*(llm.complete(request) for _ in range(9)))
    await llm.aclose()
    assert peak == 3 and len(server.received) == 9


def test_missing_key_is_one_clear_error(monkeypatch):
    for name in ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ANTHROPIC_CONFIG_DIR", "/nonexistent-townhall-test")
    with pytest.raises(ModelSpecError, match="ANTHROPIC_API_KEY"):
        make_llm("anthropic:claude-haiku-4-5")
    with pytest.raises(ModelSpecError, match="no model named"):
        make_llm("anthropic:")


def long_window(count: int) -> tuple[VisibleMessage, ...]:
    return tuple(VisibleMessage(n, f"human:p{n % 3}", f"Person {n % 3}", "human",
                                f"Message {n}: " + "the unit economics of the ad worry me; " * 8)
                 for n in range(1, count + 1))


async def test_the_conversation_is_cached_up_to_its_last_stable_message(monkeypatch, board):
    """Real minimums: Sonnet caches a prefix of ≥ 1024 tokens, Haiku 4.5 only ≥ 4096."""
    async with FakeAnthropic() as fake:
        monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.base_url)
        sonnet, haiku = AnthropicLLM("claude-sonnet-4-6", FAST), AnthropicLLM("claude-haiku-4-5", FAST)
        calls = []
        for llm in (sonnet, haiku):
            agent = agent_for(board, "marcus", llm)
            for seen in (12, 15):  # the window grew by three messages between the two calls
                window = long_window(seen)
                context = DecisionContext(board.room.name, board.room.topic, window[-1], window)
                calls.append((await agent.decide(context)).calls[0])
            await llm.aclose()

    body = fake.received[1].body
    blocks = body["messages"][0]["content"]
    assert len(blocks) == 1 + 15 + 1  # header, one block per message, the instruction
    marked = [i for i, b in enumerate(blocks) if "cache_control" in b]
    assert marked == [15]  # the last message; the instruction after it changes every call
    assert blocks[15]["text"].startswith('<message id="15"')
    assert "cache_control" in body["system"][0]  # the card keeps its own breakpoint
    # The conversation blocks join to exactly the prompt the other backends send as one text.
    assert "".join(b["text"] for b in blocks) == decision_prompt(DecisionContext(
        board.room.name, board.room.topic, long_window(15)[-1], long_window(15))).content

    first, second, haiku_first, haiku_second = (c.usage for c in calls)
    # Sonnet: the first call writes tool + card + 12 messages; the second reads exactly that back
    # (a block boundary 3 blocks before its breakpoint) and writes the 3 new messages.
    assert first.cached_input_tokens == 0 and first.cache_creation_tokens >= 1024
    assert second.cached_input_tokens == first.cache_creation_tokens
    assert 0 < second.cache_creation_tokens < first.cache_creation_tokens / 3
    fresh = second.input_tokens - second.cached_input_tokens - second.cache_creation_tokens
    assert 0 < fresh < 100  # only the instruction is plain input
    # Haiku 4.5: the same prompt is under its 4096-token minimum; nothing is cached, all is input.
    assert haiku_second.input_tokens == second.input_tokens
    assert haiku_first.cached_input_tokens == haiku_second.cached_input_tokens == 0
    assert haiku_first.cache_creation_tokens == haiku_second.cache_creation_tokens == 0


def test_the_fake_prompt_cache_follows_anthropics_rules():
    cache = PromptCache(len, min_tokens=10)
    card = [("persona card", True)]
    messages = [(f"m{n:02d}", False) for n in range(40)]

    def marked(upto: int) -> list[tuple[str, bool]]:  # card, messages[:upto] (last one marked), ask
        return card + messages[:upto - 1] + [(messages[upto - 1][0], True), ("now?", False)]

    assert cache.serve(marked(3)) == CacheUse(read=0, written=12 + 3 * 3, total=12 + 3 * 3 + 4)
    # 19 blocks on, the earlier entry is within the 20-block lookback from the new breakpoint.
    assert cache.serve(marked(22)) == CacheUse(read=21, written=19 * 3, total=12 + 22 * 3 + 4)
    far = PromptCache(len, min_tokens=10)
    far.serve(marked(3))
    # 21 blocks on it is out of reach: only the card (its own breakpoint, ≥ 10 tokens) is read.
    assert far.serve(marked(24)).read == 12
    short = PromptCache(len, min_tokens=1000)
    short.serve(marked(5))
    assert short.serve(marked(6)) == CacheUse(0, 0, 12 + 6 * 3 + 4)  # under the minimum: nothing
