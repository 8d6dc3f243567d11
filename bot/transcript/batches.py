"""A batch's runs in SQL: which (variant, seed) runs are done, the rows its report is computed
from, and whole runs copied between files (how Ray workers' runs reach the one transcript).

Only what a report counts is read: the one finished run per (variant, seed) is chosen by
`batch_runs`; what a persona did counts only after the run's stimulus (its first human message).
"""

from __future__ import annotations

import aiosqlite

RunRows = dict[str, tuple[list[str], list[tuple]]]

_IN_BATCH = "run_id IN (SELECT id FROM runs WHERE batch_id = ?)"
# The stimulus: the run's first human message. Only what comes after it responds to it.
_POSTED = ("(SELECT MIN(m.seq) FROM messages m WHERE m.run_id = x.run_id "
           "AND m.author_kind = 'human')")
# A response is what a persona chose to write on its own turn: the transcript records that
# decision right before the message (with the persona's appraisal). A chair's procedural lines
# have none, and a vote is counted as a vote (the votes table), not as a reply.
_OWN_TURN = ("LEFT JOIN decisions d ON d.run_id = x.run_id AND d.seq = x.seq - 1 "
             "AND d.persona_id = x.author_id AND d.action = 'reply' "
             "AND NOT EXISTS (SELECT 1 FROM votes v WHERE v.run_id = x.run_id AND v.message_id = x.id)")


async def _rows(conn: aiosqlite.Connection, sql: str, *args: object) -> list[aiosqlite.Row]:
    return await (await conn.execute(sql, args)).fetchall()


# -- the ledger: what a (re)started batch still has to run ----------------------------------------

async def finished_jobs(conn: aiosqlite.Connection, batch_id: str) -> set[tuple[str, int]]:
    rows = await _rows(conn, "SELECT DISTINCT variant, seed FROM runs WHERE batch_id = ? AND "
                             "status = 'finished'", batch_id)
    return {(r[0], r[1]) for r in rows}


async def batch_inputs(conn: aiosqlite.Connection, batch_id: str) -> list[aiosqlite.Row]:
    """What each earlier run of the batch was given: pack, scenario, model, variant and text."""
    return await _rows(conn, "SELECT pack, scenario, model, variant, title FROM runs WHERE "
                             "batch_id = ?", batch_id)


async def batch_runs(conn: aiosqlite.Connection, batch_id: str) -> list[dict]:
    """The one finished run per (variant, seed) a report counts: the latest, if ever run twice."""
    rows = await _rows(conn, "SELECT * FROM runs WHERE batch_id = ? AND status = 'finished' "
                             "ORDER BY variant, seed, started_at DESC, rowid DESC", batch_id)
    chosen: dict[tuple[str, int], dict] = {}
    for r in rows:
        chosen.setdefault((r["variant"], r["seed"]), dict(r))
    return list(chosen.values())


# -- what a report is computed from ---------------------------------------------------------------

async def persona_names(conn: aiosqlite.Connection, batch_id: str) -> dict[str, str]:
    names: dict[str, str] = {}
    for r in await _rows(conn, f"SELECT id, name FROM participants WHERE kind = 'persona' AND "
                               f"{_IN_BATCH}", batch_id):
        names.setdefault(r["id"], r["name"])
    return names


async def messages(conn: aiosqlite.Connection, batch_id: str) -> list[aiosqlite.Row]:
    """Every message of the batch in run order, with `own_turn` (a persona's reply by choice)
    and, for those, the persona's `lean` on the matter and the `concern` or value it hit."""
    return await _rows(conn, "SELECT x.run_id, x.author_kind, x.author_id, x.text, x.vtime, "
                             "d.seq IS NOT NULL AS own_turn, d.lean, d.appraisal AS concern "
                             f"FROM messages x {_OWN_TURN} WHERE x.inherited = 0 AND "
                             f"x.{_IN_BATCH} ORDER BY x.run_id, x.seq", batch_id)


async def reactions(conn: aiosqlite.Connection, batch_id: str) -> list[aiosqlite.Row]:
    return await _rows(conn, f"SELECT run_id, author_id, emoji FROM reactions x WHERE "
                             f"inherited = 0 AND {_IN_BATCH} AND seq > {_POSTED}", batch_id)


async def turn_counts(conn: aiosqlite.Connection, batch_id: str) -> list[aiosqlite.Row]:
    """(run_id, action, n): how the personas' turns after the stimulus ended."""
    return await _rows(conn, f"SELECT run_id, action, COUNT(*) AS n FROM decisions x WHERE "
                             f"{_IN_BATCH} AND seq > {_POSTED} GROUP BY run_id, action", batch_id)


async def votes(conn: aiosqlite.Connection, batch_id: str) -> list[aiosqlite.Row]:
    return await _rows(conn, "SELECT run_id, item, persona_id, choice FROM votes WHERE "
                             f"inherited = 0 AND {_IN_BATCH}", batch_id)


async def spending(conn: aiosqlite.Connection, batch_id: str) -> dict[str, tuple[int, float]]:
    """run id → (tokens, dollars) of its model calls."""
    rows = await _rows(conn, "SELECT run_id, SUM(input_tokens + output_tokens) AS tokens, "
                             f"SUM(cost_usd) AS cost FROM llm_calls WHERE {_IN_BATCH} "
                             "GROUP BY run_id", batch_id)
    return {r["run_id"]: (r["tokens"], r["cost"]) for r in rows}


# -- moving whole runs between files --------------------------------------------------------------
# A run is copied with every row of every table that holds it, in one transaction, so the target
# either has all of a run or none of it (a driver killed mid-merge leaves nothing half-copied).

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
