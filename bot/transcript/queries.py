"""Reading runs back: listing, resolving `last`/prefixes, rebuilding the event stream, summaries."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property

import aiosqlite

from bot.transcript.events import DeliveryEvent, MessageEvent, ReactionEvent, StatusEvent, VoteEvent


class RunNotFound(LookupError):
    pass


@dataclass(frozen=True)
class Participant:
    id: str
    kind: str
    name: str
    role: str | None
    color: str | None
    avatar: str | None
    model: str | None


@dataclass
class RunView:
    run: dict
    participants: dict[str, Participant]
    events: list[MessageEvent | ReactionEvent | StatusEvent] = field(default_factory=list)
    votes: list[VoteEvent] = field(default_factory=list)  # a meeting's ballots, in order
    # (message id, platform) → what became of it on Discord / Slack
    deliveries: dict[tuple[int, str], DeliveryEvent] = field(default_factory=dict)

    @property
    def messages(self) -> list[MessageEvent]:
        return [e for e in self.events if isinstance(e, MessageEvent)]

    @property
    def reactions(self) -> list[ReactionEvent]:
        return [e for e in self.events if isinstance(e, ReactionEvent)]

    def undelivered(self, platform: str) -> list[MessageEvent]:
        """This run's own messages that did not reach `platform`: dropped, failed or never sent."""
        return [m for m in self.messages if not m.inherited
                and getattr(self.deliveries.get((m.id, platform)), "state", None) != "delivered"]

    def deliveries_of(self, message_id: int) -> dict[str, DeliveryEvent]:
        """Platform → what became of this message there."""
        return self._by_message.get(message_id, {})

    @cached_property
    def _by_message(self) -> dict[int, dict[str, DeliveryEvent]]:
        # Grouped once: show and export ask for every message of a run.
        grouped: dict[int, dict[str, DeliveryEvent]] = {}
        for (message_id, platform), delivery in self.deliveries.items():
            grouped.setdefault(message_id, {})[platform] = delivery
        return grouped

    @cached_property
    def _platforms_tracked(self) -> frozenset[str]:
        return frozenset(platform for _, platform in self.deliveries)

    def delivery_note(self, message: MessageEvent) -> str | None:
        """Why a message of a run held on a chat platform is not in its channel; None if it is
        (or the run was not on one)."""
        platform = self.run.get("platform")
        if message.inherited or platform not in self._platforms_tracked:
            return None
        delivery = self.deliveries.get((message.id, platform))
        if delivery is None:
            return f"never sent to {platform}"
        if delivery.state == "dropped":
            return f"not delivered to {platform}: the room was stopped first"
        if delivery.state == "failed":
            return f"not delivered to {platform}: {delivery.error or 'failed'}"
        return None


@dataclass(frozen=True)
class PersonaTally:
    name: str
    messages: int
    reactions: int


@dataclass(frozen=True)
class RunSummary:
    run_id: str
    status: str
    stop_reason: str | None
    wall_seconds: float
    messages: int
    reactions: int
    llm_calls: int
    llm_errors: int
    input_tokens: int
    cached_input_tokens: int
    output_tokens: int
    cost_usd: float
    per_participant: dict[str, PersonaTally]


async def resolve_run_id(conn: aiosqlite.Connection, ref: str) -> str:
    if ref == "last":
        row = await (await conn.execute(
            "SELECT id FROM runs ORDER BY started_at DESC, rowid DESC LIMIT 1")).fetchone()
        if row is None:
            raise RunNotFound("no runs yet — fix: start one with `townhall run \"your pitch\"`")
        return row[0]
    if not ref.strip():
        raise RunNotFound("no run id given — fix: give a run id, a unique prefix of one, or 'last'")
    # A prefix compared as text: with LIKE, a ref of '%' or '_' matched every run.
    rows = await (await conn.execute(
        "SELECT id FROM runs WHERE id = ? OR substr(id, 1, ?) = ? LIMIT 3",
        (ref, len(ref), ref))).fetchall()
    ids = [r[0] for r in rows]
    if ref in ids:
        return ref
    if len(ids) == 1:
        return ids[0]
    if not ids:
        raise RunNotFound(f"no run '{ref}' — fix: list runs with `townhall runs`")
    raise RunNotFound(f"'{ref}' matches several runs ({', '.join(ids)}…) — fix: give more characters")


async def list_runs(conn: aiosqlite.Connection, limit: int = 50) -> list[dict]:
    rows = await (await conn.execute(
        "SELECT r.*, (SELECT COUNT(*) FROM messages m WHERE m.run_id = r.id) AS message_count, "
        "(SELECT COUNT(*) FROM reactions x WHERE x.run_id = r.id) AS reaction_count "
        "FROM runs r ORDER BY r.started_at DESC, r.rowid DESC LIMIT ?", (limit,))).fetchall()
    return [dict(r) for r in rows]


async def first_human_lines(conn: aiosqlite.Connection, run_ids: list[str]) -> dict[str, str]:
    """The first thing a human said in each run: a name for runs started without a pitch."""
    if not run_ids:
        return {}
    marks = ",".join("?" * len(run_ids))
    rows = await (await conn.execute(
        "SELECT run_id, text, MIN(seq) FROM messages WHERE author_kind = 'human' "
        f"AND inherited = 0 AND run_id IN ({marks}) GROUP BY run_id", run_ids)).fetchall()
    return {row[0]: row[1] for row in rows}


async def load_participants(conn: aiosqlite.Connection, run_id: str) -> dict[str, Participant]:
    rows = await (await conn.execute(
        "SELECT id, kind, name, role, color, avatar, model FROM participants WHERE run_id = ? "
        "ORDER BY joined_at, rowid", (run_id,))).fetchall()
    return {r["id"]: Participant(*r) for r in rows}


async def load_events(conn: aiosqlite.Connection, run_id: str, participants: dict[str, Participant],
                      after_seq: int = -1) -> list[MessageEvent | ReactionEvent | StatusEvent]:
    """Messages, reactions and lifecycle events in their original order (by seq)."""

    def name(author_id: str) -> str:
        p = participants.get(author_id)
        return p.name if p else author_id

    events: list[tuple[int, MessageEvent | ReactionEvent | StatusEvent]] = []
    async with conn.execute(
            "SELECT seq, id, author_kind, author_id, text, created_at, vtime, reply_to, thread_id, "
            "inherited, quote_of FROM messages WHERE run_id = ? AND seq > ?",
            (run_id, after_seq)) as cur:
        async for r in cur:
            events.append((r[0], MessageEvent(run_id, r[0], r[1], r[2], r[3], name(r[3]), r[4],
                                              r[5], r[6], r[7], r[8], bool(r[9]), r[10])))
    async with conn.execute(
            "SELECT seq, message_id, author_id, emoji, created_at, vtime, inherited FROM reactions "
            "WHERE run_id = ? AND seq > ?", (run_id, after_seq)) as cur:
        async for r in cur:
            events.append((r[0], ReactionEvent(run_id, r[0], r[1], r[2], name(r[2]), r[3], r[4],
                                               r[5], bool(r[6]))))
    async with conn.execute(
            "SELECT seq, kind, data, created_at, vtime FROM run_events WHERE run_id = ? AND seq > ?",
            (run_id, after_seq)) as cur:
        async for r in cur:
            events.append((r[0], StatusEvent(run_id, r[0], r[1], r[3], r[4], json.loads(r[2]))))
    events.sort(key=lambda pair: pair[0])
    return [event for _, event in events]


async def load_run(conn: aiosqlite.Connection, ref: str) -> RunView:
    run_id = await resolve_run_id(conn, ref)
    run = dict(await (await conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,))).fetchone())
    participants = await load_participants(conn, run_id)
    return RunView(run, participants, await load_events(conn, run_id, participants),
                   await load_votes(conn, run_id), await load_deliveries(conn, run_id))


async def load_deliveries(conn: aiosqlite.Connection,
                          run_id: str) -> dict[tuple[int, str], DeliveryEvent]:
    async with conn.execute(
            "SELECT message_id, platform, state, created_at, platform_message_id, error "
            "FROM deliveries WHERE run_id = ?", (run_id,)) as cur:
        return {(r[0], r[1]): DeliveryEvent(run_id, r[0], r[1], r[2], r[3], r[4], r[5])
                async for r in cur}


async def load_votes(conn: aiosqlite.Connection, run_id: str) -> list[VoteEvent]:
    async with conn.execute(
            "SELECT seq, item, motion, persona_id, choice, reason, source, created_at, vtime, "
            "message_id, inherited FROM votes WHERE run_id = ? ORDER BY seq", (run_id,)) as cur:
        return [VoteEvent(run_id, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9],
                          bool(r[10])) async for r in cur]


async def vote_tallies(conn: aiosqlite.Connection, run_id: str) -> dict[int, dict[str, int]]:
    """Agenda item → {for, against, abstain} of a meeting's votes."""
    tallies: dict[int, dict[str, int]] = {}
    async with conn.execute(
            "SELECT item, choice, COUNT(*) FROM votes WHERE run_id = ? GROUP BY item, choice",
            (run_id,)) as cursor:
        async for item, choice, count in cursor:
            tallies.setdefault(item, {"for": 0, "against": 0, "abstain": 0})[choice] = count
    return tallies


async def summarize(conn: aiosqlite.Connection, run_id: str) -> RunSummary:
    run = await (await conn.execute("SELECT * FROM runs WHERE id = ?", (run_id,))).fetchone()
    if run is None:
        raise RunNotFound(f"no run '{run_id}'")
    participants = await load_participants(conn, run_id)
    per: dict[str, list[int]] = {pid: [0, 0] for pid in participants}
    for table, index in (("messages", 0), ("reactions", 1)):
        async with conn.execute(
                f"SELECT author_id, COUNT(*) FROM {table} WHERE run_id = ? AND inherited = 0 "
                "GROUP BY author_id", (run_id,)) as cur:
            async for author_id, count in cur:
                per.setdefault(author_id, [0, 0])[index] = count
    calls = await (await conn.execute(
        "SELECT COUNT(*), COUNT(error), COALESCE(SUM(input_tokens),0), "
        "COALESCE(SUM(cached_input_tokens),0), COALESCE(SUM(output_tokens),0), "
        "COALESCE(SUM(cost_usd),0) FROM llm_calls WHERE run_id = ?", (run_id,))).fetchone()
    finished = run["finished_at"] or run["started_at"]
    tallies = {pid: PersonaTally(participants[pid].name if pid in participants else pid, m, r)
               for pid, (m, r) in per.items()}
    return RunSummary(run_id, run["status"], run["stop_reason"], finished - run["started_at"],
                      sum(t.messages for t in tallies.values()),
                      sum(t.reactions for t in tallies.values()),
                      calls[0], calls[1], calls[2], calls[3], calls[4], calls[5], tallies)
