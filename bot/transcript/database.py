"""Opening the SQLite file: one place sets the pragmas and brings the schema forward, for the
transcript's writer and the response cache alike."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiosqlite

from bot.transcript.schema import MIGRATIONS, SCHEMA_VERSION


class TranscriptUnavailable(Exception):
    """The file cannot be used as a transcript; the message names it and the fix."""


def statements(script: str) -> list[str]:
    """A migration script cut into its statements (each complete as SQLite parses it)."""
    found, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            found.append(current.strip())
            current = ""
    if current.strip():
        found.append(current.strip())
    return found


async def migrate(conn: aiosqlite.Connection, path: Path) -> None:
    """Apply the migrations this file lacks, in one transaction. BEGIN IMMEDIATE takes the write
    lock before the version is read, so two processes opening an old file never both migrate it.
    A current file takes no lock at all, so reading runs never waits for a writer."""
    if await _version(conn, path) == SCHEMA_VERSION:
        return
    await conn.execute("BEGIN IMMEDIATE")
    try:
        version = await _version(conn, path)
        for number in range(version, SCHEMA_VERSION):
            for statement in statements(MIGRATIONS[number]):
                await conn.execute(statement)
            await conn.execute(f"PRAGMA user_version = {number + 1}")
        await conn.execute("COMMIT")
    except BaseException:
        await conn.execute("ROLLBACK")
        raise


async def _version(conn: aiosqlite.Connection, path: Path) -> int:
    (version,) = await (await conn.execute("PRAGMA user_version")).fetchone()
    if version > SCHEMA_VERSION:
        raise TranscriptUnavailable(f"{path}: written by a newer townhall (schema {version} > "
                                    f"{SCHEMA_VERSION}) — fix: upgrade townhall")
    return version


async def open_database(path: Path, *, busy_ms: int = 5000,
                        existing: bool = False) -> aiosqlite.Connection:
    """A connection in autocommit mode (writers open their own transactions), WAL, schema
    migrated; rows come back as aiosqlite.Row. `existing`: for reading, so a mistyped --db is an
    error, not a new empty database (or folder)."""
    if existing and not path.exists():
        raise TranscriptUnavailable(f"{path}: no such database — fix: check --db (or TOWNHALL_DB); "
                                    "`townhall run` creates one")
    if path.is_dir():
        raise TranscriptUnavailable(f"{path}: not a townhall database (a folder) — fix: point --db "
                                    "at a .db file")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = await aiosqlite.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise TranscriptUnavailable(f"{path}: cannot open it ({exc}) — fix: check the path and "
                                    "its permissions") from None
    conn.row_factory = aiosqlite.Row
    try:
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute(f"PRAGMA busy_timeout={busy_ms}")
        await migrate(conn, path)
    except sqlite3.DatabaseError as exc:
        await conn.close()
        if getattr(exc, "sqlite_errorcode", None) in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
            raise
        raise TranscriptUnavailable(f"{path}: not a townhall database ({exc}) — fix: point --db "
                                    "at a townhall .db file") from None
    except BaseException:
        await conn.close()
        raise
    return conn
