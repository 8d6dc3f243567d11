"""A paid model through `townhall eval`: the Anthropic backend against the fake server. Its
estimate comes first, the name-only baseline asks it again, and the response cache makes a re-run
free."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.backends.cache import CachedLLM
from agents.backends.registry import make_llm
from bot.eval.evaluate import EvalOptions, estimate_cost, evaluate
from bot.eval.generate import Room
from bot.eval.items import load_eval_set
from bot.transcript.response_cache import ResponseCache
from tests.support.fake_llm_servers import FakeAnthropic

MODEL = "anthropic:claude-haiku-4-5"


@pytest.fixture
async def server(monkeypatch):
    async with FakeAnthropic() as fake:
        monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-eval")
        monkeypatch.setenv("ANTHROPIC_BASE_URL", fake.base_url)
        yield fake


async def test_a_paid_model_is_estimated_then_cached(server, pack: Path, tmp_path: Path) -> None:
    eval_set = load_eval_set(str(pack), limit=12)
    room = Room(eval_set, 0)
    estimate = estimate_cost(room, eval_set, MODEL)
    assert estimate is not None and 0 < estimate < 0.1

    async def once() -> dict:
        llm = CachedLLM(make_llm(MODEL), ResponseCache(tmp_path / "cache.db"))
        try:
            return await evaluate(eval_set, llm, EvalOptions(MODEL), room=room)
        finally:
            await llm.aclose()

    first = await once()
    assert first["calls"] == 24 and first["cost"] > 0  # the model, then the name-only baseline
    assert first["cost"] <= estimate
    assert "name_only" in first["baselines"] and len(server.received) == 24
    # The fake server answers every persona alike: no better than chance at telling them apart.
    assert first["tasks"]["who_said_it"]["ci95"][0] <= first["tasks"]["who_said_it"]["chance"]
    again = await once()
    assert again["cost"] == 0 and again["cached_calls"] == 24 and len(server.received) == 24
    assert again["tasks"] == first["tasks"]
