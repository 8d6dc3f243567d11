"""The response cache: identical requests to the same model are answered from SQLite, for $0.

It lives in the transcript's SQLite file, in its own table that this module creates. It is not
part of the transcript's migrations on purpose: a run's events are the source of truth and are never
rewritten, while the cache is derived and disposable (drop the table and nothing is lost but money),
keyed by content rather than by run, and shared by every run in the file.

A hit costs nothing and uses no tokens, so it is recorded with zero usage and `from_cache`.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import asdict
from pathlib import Path

import aiosqlite

from agents.agent import MalformedOutput, parse_decision
from agents.llm.base import LLM, Completion, LLMRequest, Usage

_CREATE = """
CREATE TABLE IF NOT EXISTS llm_cache (
    key        TEXT PRIMARY KEY,
    model      TEXT NOT NULL,
    completion TEXT NOT NULL,
    created_at REAL NOT NULL
)"""


class ResponseCache:
    """One connection to the cache table, opened on first use inside the running event loop."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._conn: aiosqlite.Connection | None = None
        self._opening = asyncio.Lock()

    async def _connection(self) -> aiosqlite.Connection:
        async with self._opening:
            if self._conn is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = await aiosqlite.connect(self.path)
                # The transcript's writer shares the file: wait for its lock instead of failing.
                await conn.execute("PRAGMA busy_timeout = 10000")
                await conn.execute("PRAGMA journal_mode = WAL")
                await conn.execute(_CREATE)
                await conn.commit()
                self._conn = conn
        return self._conn

    async def get(self, key: str) -> Completion | None:
        conn = await self._connection()
        async with conn.execute("SELECT completion FROM llm_cache WHERE key = ?", (key,)) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        stored = json.loads(row[0])
        return Completion(text=stored["text"], model=stored["model"], data=stored["data"],
                          usage=Usage(), cost_usd=0.0, latency_ms=0.0, from_cache=True)

    async def put(self, key: str, completion: Completion) -> None:
        conn = await self._connection()
        stored = {"text": completion.text, "model": completion.model, "data": completion.data,
                  "usage": asdict(completion.usage), "cost_usd": completion.cost_usd}
        await conn.execute("INSERT OR REPLACE INTO llm_cache (key, model, completion, created_at) "
                           "VALUES (?, ?, ?, ?)",
                           (key, completion.model, json.dumps(stored, ensure_ascii=False),
                            time.time()))
        await conn.commit()

    async def aclose(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None


def _worth_keeping(request: LLMRequest, completion: Completion) -> bool:
    """Never cache an answer the agent will reject: its retry would get the same bad answer back."""
    if request.schema is None:
        return bool(completion.text.strip())
    try:
        parse_decision(completion)
    except MalformedOutput:
        return False
    return True


class CachedLLM:
    """Wraps any backend (the LLM protocol) with the response cache."""

    def __init__(self, inner: LLM, cache: ResponseCache) -> None:
        self.inner = inner
        self.cache = cache
        self.name = inner.name
        self.decides = inner.decides
        self.max_sentences = inner.max_sentences

    async def complete(self, request: LLMRequest) -> Completion:
        key = request.cache_key(self.inner.name)
        hit = await self.cache.get(key)
        if hit is not None:
            return hit
        completion = await self.inner.complete(request)
        if _worth_keeping(request, completion):
            await self.cache.put(key, completion)
        return completion

    async def aclose(self) -> None:
        await self.inner.aclose()
