"""Move whole runs between transcript files: how Ray workers' runs end up in the one SQLite file.

A run is copied with every row of every table that holds it, in one transaction, so the target
either has all of a run or none of it (a driver killed mid-merge leaves nothing half-copied).
"""

from __future__ import annotations

import aiosqlite

RunRows = dict[str, tuple[list[str], list[tuple]]]


async def run_tables(conn: aiosqlite.Connection) -> list[str]:
    """`runs`, then every table keyed by run_id — so tables a scenario adds (votes …) come along."""
    names = [r[0] for r in await (await conn.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name")).fetchall()]
    keyed = []
    for name in names:
        columns = [c[1] for c in await (await conn.execute(f"PRAGMA table_info({name})")
                                        ).fetchall()]
        if name != "runs" and "run_id" in columns:
            keyed.append(name)
    return ["runs", *keyed]


async def export_run(conn: aiosqlite.Connection, run_id: str) -> RunRows:
    """Every row of one run, table by table, in the order they must be inserted."""
    rows: RunRows = {}
    for table in await run_tables(conn):
        key = "id" if table == "runs" else "run_id"
        async with conn.execute(f"SELECT * FROM {table} WHERE {key} = ?", (run_id,)) as cursor:
            columns = [d[0] for d in cursor.description]
            rows[table] = (columns, [tuple(r) for r in await cursor.fetchall()])
    return rows


async def import_runs(conn: aiosqlite.Connection, runs: list[RunRows]) -> None:
    """Copy whole runs in; one transaction (and one commit) for the lot."""
    await conn.execute("BEGIN")
    try:
        for rows in runs:
            for table, (columns, values) in rows.items():
                if values:
                    marks = ",".join("?" * len(columns))
                    await conn.executemany(
                        f"INSERT INTO {table} ({','.join(columns)}) VALUES ({marks})", values)
        await conn.execute("COMMIT")
    except BaseException:
        await conn.execute("ROLLBACK")
        raise


def usage_of(rows: RunRows) -> tuple[int, int, int, float]:
    """(persona messages, reactions, tokens, dollars) of an exported run, for the progress bar."""
    columns, messages = rows["messages"]
    kind = columns.index("author_kind")
    persona_messages = sum(1 for m in messages if m[kind] == "persona")
    columns, calls = rows["llm_calls"]
    i_in, i_out, i_cost = (columns.index(c) for c in ("input_tokens", "output_tokens", "cost_usd"))
    tokens = sum(c[i_in] + c[i_out] for c in calls)
    return persona_messages, len(rows["reactions"][1]), tokens, sum(c[i_cost] for c in calls)
