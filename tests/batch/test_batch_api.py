"""`townhall batch --batch-api` end to end: the CLI, the real anthropic SDK, a local fake API."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest

from agents.backends.prices import cost_usd
from agents.llm import Usage
from tests.support.fake_batches_api import FakeAnthropicBatches
from tests.support.processes import townhall_command

pytestmark = pytest.mark.slow  # real townhall processes


async def townhall(env: dict, *args: str) -> tuple[int, str, str]:
    """The CLI in a subprocess, awaited, so the fake API in this event loop keeps answering."""
    process = await asyncio.create_subprocess_exec(
        *townhall_command(), *args, env=env, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), 120)
    return process.returncode, out.decode(), err.decode()


async def test_batch_api_sends_every_model_call_through_message_batches(cli_env):
    db = Path(cli_env["TOWNHALL_DB"])
    async with FakeAnthropicBatches(polls=1) as fake:
        env = {**cli_env, "ANTHROPIC_API_KEY": "sk-ant-test", "ANTHROPIC_BASE_URL": fake.base_url,
               "TOWNHALL_LLM_BATCH_POLL": "0.05"}
        code, out, err = await townhall(
            env, "batch", "--variant", "a=We should sponsor the Super Bowl.", "--runs", "3",
            "--model", "anthropic:claude-haiku-4-5", "--batch-api", "--batch-window", "0.3",
            "--classify", "lexicon", "--batch-id", "api1", "--json")
    assert code == 0, err
    assert json.loads(out)["variants"][0]["runs"] == 3
    assert not [r for r in fake.received if r.path == "/v1/messages"]  # nothing went one by one
    with sqlite3.connect(db) as conn:
        calls = conn.execute("SELECT input_tokens, cached_input_tokens, cache_creation_tokens, "
                             "output_tokens, cost_usd, error FROM llm_calls").fetchall()
    batched = sum(fake.batch_sizes)
    assert len(calls) == batched > 0 and len(fake.batch_sizes) < batched  # calls were gathered
    assert all(cost > 0 for *_, cost, _ in calls)
    # Billed at half the standard price.
    for fresh_and_cached, read, written, output, cost, error in calls:
        usage = Usage(fresh_and_cached, read, written, output)
        assert error is None and abs(cost - cost_usd("claude-haiku-4-5", usage) / 2) < 1e-12


async def test_batch_api_refuses_a_model_without_one(cli_env):
    code, _, err = await townhall(cli_env, "batch", "--variant", "a=Hi.", "--model", "history",
                                  "--batch-api")
    assert code == 2 and "--batch-api: the model 'history' has no batch API" in err
