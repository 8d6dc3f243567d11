"""Anthropic Message Batches through the real SDK, against a local fake of the API."""

from __future__ import annotations

import asyncio

import anthropic
import pytest

from agents.backends.anthropic_batches import run_message_batch
from agents.llm import LLMError
from tests.support.fake_batches_api import FakeAnthropicBatches

API_KEY = "sk-ant-test-batches"


@pytest.fixture
async def api():
    async with FakeAnthropicBatches() as fake:
        client = anthropic.AsyncAnthropic(api_key=API_KEY, base_url=fake.base_url, max_retries=0)
        yield fake, client
        await client.close()


def params(prompt: str) -> dict:
    return {"model": "claude-haiku-4-5", "max_tokens": 100,
            "messages": [{"role": "user", "content": prompt}],
            "tools": [{"name": "decision", "input_schema": {"type": "object"}}],
            "tool_choice": {"type": "tool", "name": "decision"}}


async def test_a_batch_is_polled_until_it_ends_and_answers_in_request_order(api):
    fake, client = api
    answers = await run_message_batch(client, [params("one"), params("fail me"), params("three")],
                                      poll_seconds=0.01)
    assert fake.batches["msgbatch_1"]["looks"] == 3  # 2 polls, then the SDK looks up results_url
    # The fake answers results in reverse order; they come back in request order.
    assert answers[0].content[0].input == fake._default(params("one"))["content"][0]["input"]
    assert answers[2].content[0].input == fake._default(params("three"))["content"][0]["input"]
    assert isinstance(answers[1], LLMError) and "prompt is too long" in str(answers[1])
    sent = fake.received[0]
    assert API_KEY in (sent.headers.get("x-api-key"), sent.headers.get("authorization", "")[7:])
    assert [r["custom_id"] for r in sent.body["requests"]] == ["r0", "r1", "r2"]


async def test_a_batch_nobody_waits_for_is_cancelled(api):
    fake, client = api
    fake.polls = 1_000
    task = asyncio.create_task(run_message_batch(client, [params("one")], poll_seconds=0.01))
    await asyncio.sleep(0.2)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert fake.cancelled == ["msgbatch_1"]


async def test_the_deadline_cancels_the_batch_with_a_clear_error(api):
    fake, client = api
    fake.polls = 1_000
    with pytest.raises(LLMError, match="did not end within 0.1s"):
        await run_message_batch(client, [params("one")], poll_seconds=0.02, deadline=0.1)
    assert fake.cancelled == ["msgbatch_1"]
