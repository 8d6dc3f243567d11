"""The response cache: a re-run of a cached run costs $0 and gives the same transcript."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

from rich.console import Console

from agents.backends.cache import CachedLLM
from agents.backends.fake import FakeLLM
from agents.backends.pool import LLMPool
from bot.engine.budgets import Budgets
from bot.engine.settings import RunSettings
from bot.platforms.terminal import TerminalPlatform, TranscriptPrinter
from bot.runs.session import run_session
from bot.transcript import Transcript
from bot.transcript.queries import load_run
from bot.transcript.response_cache import ResponseCache
from tests.support.fake_llm_servers import FakeAnthropic
from tests.support.llm import PITCH, agent_for, decision_request, pitch_context

API_KEY = "sk-ant-test-cache-SECRET-7f3a"


def quiet_platform() -> TerminalPlatform:
    console = Console(file=io.StringIO(), width=120)
    return TerminalPlatform(console, TranscriptPrinter(console, {}, {}), interactive=False)


async def test_hit_is_free_and_marked(tmp_path: Path, board):
    cache = ResponseCache(tmp_path / "t.db")
    fake = FakeLLM([{"action": "reply", "text": "Show me the unit economics."}],
                   name="anthropic:claude-test", price_per_token=1e-6)
    llm = CachedLLM(fake, cache)
    request = decision_request(board, llm)
    miss = await llm.complete(request)
    hit = await llm.complete(request)
    await cache.aclose()
    assert len(fake.requests) == 1
    assert not miss.from_cache and miss.cost_usd > 0
    assert hit.from_cache and hit.cost_usd == 0 and hit.usage.input_tokens == 0
    assert (hit.text, hit.model) == (miss.text, miss.model)


async def test_a_rejected_answer_is_not_cached_so_the_retry_asks_again(tmp_path: Path, board):
    cache = ResponseCache(tmp_path / "t.db")
    fake = FakeLLM(["I think... hmm", {"action": "react", "emoji": "🤔"}], name="openai:small")
    outcome = await agent_for(board, "tom", CachedLLM(fake, cache)).decide(pitch_context(board))
    await cache.aclose()
    assert len(fake.requests) == 2 and outcome.decision.emoji == "🤔"


async def run_once(db: Path, no_cache: bool = False):
    settings = RunSettings(seed=11, speed=0, budgets=Budgets(max_messages=40))
    pool = LLMPool("anthropic:claude-haiku-4-5", cache=None if no_cache else ResponseCache(db))
    from agents.packs import load_pack

    result = await run_session(load_pack("board"), pool, db, settings, quiet_platform(),
                               pitch=PITCH)
    async with Transcript(db) as t:
        view = await load_run(t.conn, result.run_id)
        calls = (await (await t.conn.execute(
            "SELECT COUNT(*), SUM(from_cache), SUM(cost_usd), COUNT(error) FROM llm_calls "
            "WHERE run_id = ?", (result.run_id,))).fetchone())
    return view, calls


def lines(view) -> list[tuple]:
    return [(m.id, m.author_id, m.text, m.reply_to) for m in view.messages] + \
           [(r.message_id, r.author_id, r.emoji) for r in view.reactions]


async def test_rerun_of_a_cached_run_costs_nothing_and_matches(monkeypatch, db_path: Path):
    async with FakeAnthropic() as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.base_url)
        first, (calls, cached, cost, errors) = await run_once(db_path)
        asked = len(server.received)
        second, (calls2, cached2, cost2, errors2) = await run_once(db_path)
        assert len(server.received) == asked  # not one request more
        uncached, (calls3, cached3, cost3, _) = await run_once(db_path, no_cache=True)
        assert len(server.received) == asked + calls3  # --no-cache asks the model every time

    assert calls > 5 and cached == 0 and cost > 0 and errors == 0
    assert calls2 == calls and cached2 == calls and cost2 == 0 and errors2 == 0
    assert lines(second) == lines(first) and len(first.messages) > 2
    assert cached3 == 0 and cost3 > 0 and lines(uncached) == lines(first)
    # The API key reached the server, but never the transcript file.
    for path in db_path.parent.glob(db_path.name + "*"):
        assert API_KEY.encode() not in path.read_bytes()
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM llm_cache").fetchone()[0] == calls


async def test_a_meeting_rerun_with_the_same_seed_sends_no_request(monkeypatch, db_path: Path):
    """Every answer that validates is kept, votes included: the second meeting is all cache."""
    from agents.packs import load_pack
    from bot.scenarios import Meeting

    async def meeting() -> str:
        pool = LLMPool("anthropic:claude-haiku-4-5", cache=ResponseCache(db_path))
        settings = RunSettings(seed=5, speed=0, budgets=Budgets(max_messages=60))
        result = await run_session(load_pack("board"), pool, db_path, settings, quiet_platform(),
                                   pitch=PITCH, policy=Meeting(minutes_per_item=2))
        return result.run_id

    async with FakeAnthropic() as server:
        monkeypatch.setenv("ANTHROPIC_API_KEY", API_KEY)
        monkeypatch.setenv("ANTHROPIC_BASE_URL", server.base_url)
        first = await meeting()
        asked = len(server.received)
        second = await meeting()
        assert len(server.received) == asked  # not one request more, votes included
        tools = {r.body["tools"][0]["name"] for r in server.received if r.body.get("tools")}
    assert "vote" in tools
    with sqlite3.connect(db_path) as conn:
        votes = conn.execute("SELECT run_id, persona_id, choice, source FROM votes ORDER BY seq"
                             ).fetchall()
        cached, calls = conn.execute("SELECT SUM(from_cache), COUNT(*) FROM llm_calls "
                                     "WHERE run_id = ?", (second,)).fetchone()
    first_votes = [v[1:] for v in votes if v[0] == first]
    assert first_votes == [v[1:] for v in votes if v[0] == second]
    assert first_votes and {v[2] for v in first_votes} == {"model"}
    assert cached == calls > 0  # every call of the rerun was answered from the cache
