"""The response cache's table (agents.backends.cache.CacheStore, in SQL): identical requests to the
same model are answered from the transcript file for $0.

It shares the file with the transcript (schema migration 3) but not its rows: a run's events are
the source of truth and are never rewritten, while the cache is derived and disposable (empty the
table and nothing is lost but money), keyed by content rather than by run, and shared by every run
in the file. A hit comes back with zero usage and `from_cache`.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import asdict
from pathlib import Path

import aiosqlite

from agents.llm import Completion
from bot.transcript.database import open_database


class ResponseCache:
    """One connection to the cache table, opened on first use inside the running event loop."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._conn: aiosqlite.Connection | None = None
        self._opening = asyncio.Lock()

    async def _connection(self) -> aiosqlite.Connection:
        async with self._opening:
            if self._conn is None:
                # The transcript's writer shares the file: wait for its lock instead of failing.
                self._conn = await open_database(self.path, busy_ms=10_000)
        return self._conn

    async def get(self, key: str) -> Completion | None:
        conn = await self._connection()
        async with conn.execute("SELECT completion FROM llm_cache WHERE key = ?", (key,)) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        stored = json.loads(row[0])
        return Completion(text=stored["text"], model=stored["model"], data=stored["data"],
                          from_cache=True)

    async def put(self, key: str, completion: Completion) -> None:
        conn = await self._connection()
        stored = {"text": completion.text, "model": completion.model, "data": completion.data,
                  "usage": asdict(completion.usage), "cost_usd": completion.cost_usd}
        await conn.execute("INSERT OR REPLACE INTO llm_cache (key, model, completion, created_at) "
                           "VALUES (?, ?, ?, ?)",
                           (key, completion.model, json.dumps(stored, ensure_ascii=False),
                            time.time()))

    async def aclose(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None
