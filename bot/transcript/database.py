"""Opening the SQLite file: one place sets the pragmas and brings the schema forward, for the
transcript's writer and the response cache alike."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import aiosqlite

from bot.transcript.schema import MIGRATIONS, SCHEMA_VERSION


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
    lock before the version is read, so two processes opening an old file never both migrate it."""
    await conn.execute("BEGIN IMMEDIATE")
    try:
        (version,) = await (await conn.execute("PRAGMA user_version")).fetchone()
        if version > SCHEMA_VERSION:
            raise RuntimeError(f"{path}: written by a newer townhall (schema {version} > "
                               f"{SCHEMA_VERSION}) — fix: upgrade townhall")
        for number in range(version, SCHEMA_VERSION):
            for statement in statements(MIGRATIONS[number]):
                await conn.execute(statement)
            await conn.execute(f"PRAGMA user_version = {number + 1}")
        await conn.execute("COMMIT")
    except BaseException:
        await conn.execute("ROLLBACK")
        raise


async def open_database(path: Path, *, busy_ms: int = 5000) -> aiosqlite.Connection:
    """A connection in autocommit mode (writers open their own transactions), WAL, schema
    migrated; rows come back as aiosqlite.Row."""
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = await aiosqlite.connect(path, isolation_level=None)
    conn.row_factory = aiosqlite.Row
    try:
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")
        await conn.execute(f"PRAGMA busy_timeout={busy_ms}")
        await migrate(conn, path)
    except BaseException:
        await conn.close()
        raise
    return conn
