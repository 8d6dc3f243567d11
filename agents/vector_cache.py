"""Sentence vectors kept on disk between runs, so a room does not embed its personas again.

Warming a room up embeds every persona's phrases and posts: seconds for the 21-member community
(docs/appraisal.md). Those vectors never change for a given model, so they are kept in one SQLite
file per model (by the weights' SHA-256) under TOWNHALL_CACHE_DIR, or $XDG_CACHE_HOME/townhall,
or ~/.cache/townhall. Rooms in other processes (a batch's Ray workers, the test suite's) share it.

The cache is only ever a shortcut: a file that cannot be opened, read or written is set aside
with one warning and the encoder carries on computing vectors in memory.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from pathlib import Path

import numpy as np

log = logging.getLogger(__name__)
_MAX_VARIABLES = 500  # texts looked up per query (SQLite's limit on ? parameters is 999+)


def cache_dir() -> Path:
    explicit = os.environ.get("TOWNHALL_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "townhall"


class VectorCache:
    def __init__(self, path: Path, dimensions: int) -> None:
        self.path = path
        self.dimensions = dimensions
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, timeout=10, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("CREATE TABLE IF NOT EXISTS vectors (text TEXT PRIMARY KEY, "
                         "vector BLOB NOT NULL)")
            self._conn = conn
        except (OSError, sqlite3.Error) as exc:
            self._give_up(exc)

    def _give_up(self, exc: Exception) -> None:
        log.warning("embedding cache %s is unusable (%s); vectors are computed in memory only — "
                    "fix: delete the file or set TOWNHALL_CACHE_DIR to a writable folder",
                    self.path, exc)
        if self._conn is not None:
            self._conn.close()
        self._conn = None

    def get(self, texts: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for start in range(0, len(texts), _MAX_VARIABLES):
                if self._conn is None:
                    break
                part = texts[start:start + _MAX_VARIABLES]
                try:
                    rows = self._conn.execute(
                        f"SELECT text, vector FROM vectors WHERE text IN ({','.join('?' * len(part))})",
                        part).fetchall()
                except sqlite3.Error as exc:
                    self._give_up(exc)
                    break
                for text, blob in rows:
                    vector = np.frombuffer(blob, dtype=np.float32)
                    if vector.shape == (self.dimensions,):  # a short or foreign blob is recomputed
                        found[text] = vector
        return found

    def put(self, vectors: dict[str, np.ndarray]) -> None:
        with self._lock:
            if self._conn is None or not vectors:
                return
            try:
                with self._conn:
                    self._conn.executemany(
                        "INSERT OR REPLACE INTO vectors (text, vector) VALUES (?, ?)",
                        [(t, v.astype(np.float32).tobytes()) for t, v in vectors.items()])
            except sqlite3.Error as exc:
                self._give_up(exc)
