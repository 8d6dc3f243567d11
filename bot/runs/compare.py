"""`townhall compare RUN_A RUN_B`: two runs side by side — what was said, reactions by emoji, who
turned against, vote tallies, tokens and cost. Usually a run and its fork."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from itertools import zip_longest

import aiosqlite
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from agents.tone import stance
from bot.transcript.events import StatusEvent
from bot.transcript.queries import RunSummary, RunView, load_run, summarize, vote_tallies


@dataclass(frozen=True)
class ToneShift:
    name: str
    a: float | None  # mean tone of what they wrote in run A (-1 … +1); None: silent
    b: float | None

    @property
    def change(self) -> str:
        if self.a is None or self.b is None:
            return ""
        if self.a >= 0 > self.b:
            return "turned against"
        if self.a < 0 <= self.b:
            return "came round"
        return ""


@dataclass(frozen=True)
class Comparison:
    a: RunView
    b: RunView
    summary_a: RunSummary
    summary_b: RunSummary
    shared: int  # messages the two runs have in common at the start
    reactions: dict[str, tuple[int, int]]
    stances: list[ToneShift]
    votes: dict[int, tuple[dict[str, int], dict[str, int]]]  # item → (tally A, tally B)
    reports: tuple[dict, dict] | tuple[()] = ()  # a feed's first seeded post, in A and in B


def _first_post(view: RunView) -> dict:
    for event in view.events:
        if isinstance(event, StatusEvent) and event.kind == "report":
            posts = event.data.get("data", {}).get("posts", [])
            return posts[0] if posts else {}
    return {}


def _tones(view: RunView) -> dict[str, list[int]]:
    found: dict[str, list[int]] = {}
    for m in view.messages:
        if m.author_kind == "persona":
            found.setdefault(m.author_id, []).append(stance(m.text))
    return found


def shared_prefix(a: RunView, b: RunView) -> int:
    shared = 0
    for x, y in zip(a.messages, b.messages, strict=False):
        if (x.author_id, x.text, x.reply_to) != (y.author_id, y.text, y.reply_to):
            break
        shared += 1
    return shared


async def compare_runs(conn: aiosqlite.Connection, ref_a: str, ref_b: str) -> Comparison:
    a, b = await load_run(conn, ref_a), await load_run(conn, ref_b)
    emoji = Counter(r.emoji for r in a.reactions), Counter(r.emoji for r in b.reactions)
    reactions = {
        e: (emoji[0][e], emoji[1][e])
        for e in sorted(emoji[0] | emoji[1], key=lambda e: -(emoji[0][e] + emoji[1][e]))
    }
    tones_a, tones_b = _tones(a), _tones(b)
    names = {pid: p.name for view in (a, b) for pid, p in view.participants.items()}
    stances = [
        ToneShift(
            names.get(pid, pid),
            sum(tones_a[pid]) / len(tones_a[pid]) if pid in tones_a else None,
            sum(tones_b[pid]) / len(tones_b[pid]) if pid in tones_b else None,
        )
        for pid in sorted(tones_a.keys() | tones_b.keys(), key=lambda p: names.get(p, p))
    ]
    votes_a, votes_b = await vote_tallies(conn, a.run["id"]), await vote_tallies(conn, b.run["id"])
    empty = {"for": 0, "against": 0, "abstain": 0}
    votes = {
        item: (votes_a.get(item, empty), votes_b.get(item, empty))
        for item in sorted(votes_a.keys() | votes_b.keys())
    }
    reports = (_first_post(a), _first_post(b))
    return Comparison(
        a,
        b,
        await summarize(conn, a.run["id"]),
        await summarize(conn, b.run["id"]),
        shared_prefix(a, b),
        reactions,
        stances,
        votes,
        reports if any(reports) else (),
    )


def _line(message) -> Text:
    if message is None:
        return Text("")
    text = message.text.replace("\n", " ")
    text = text if len(text) <= 140 else text[:139] + "…"
    return Text.assemble((f"#{message.id} {message.author_name}: ", "bold"), text)


def _tone(value: float | None) -> str:
    return "—" if value is None else f"{value:+.2f}"


def render(c: Comparison, limit: int = 30) -> Group:
    id_a, id_b = c.a.run["id"], c.b.run["id"]
    talk = Table(title=f"messages ({c.shared} shared at the start)", expand=True)
    talk.add_column(f"A · {id_a}", ratio=1)
    talk.add_column(f"B · {id_b}", ratio=1)
    rest = list(zip_longest(c.a.messages[c.shared :], c.b.messages[c.shared :]))
    if c.shared:
        talk.add_row(
            Text(f"… {c.shared} shared messages …", style="dim"),
            Text(f"… {c.shared} shared messages …", style="dim"),
        )
    for x, y in rest[:limit]:
        talk.add_row(_line(x), _line(y))
    if len(rest) > limit:
        talk.add_row(Text(f"… {len(rest) - limit} more rows", style="dim"), "")
    parts: list = [talk]
    if c.reactions:
        reactions = Table("emoji", "A", "B", title="reactions by emoji")
        for emoji, (x, y) in c.reactions.items():
            reactions.add_row(emoji, str(x), str(y))
        parts.append(reactions)
    if c.stances:
        # A small room shows everyone; a large one only those who changed sides.
        shown = c.stances if len(c.stances) <= 12 else [s for s in c.stances if s.change]
        stances = Table(
            "persona",
            "tone A",
            "tone B",
            "",
            title="who turned against (mean tone of what they wrote, -1 … +1)",
        )
        for s in shown[:limit]:
            stances.add_row(
                s.name,
                _tone(s.a),
                _tone(s.b),
                Text(s.change, style="red" if s.change == "turned against" else "green"),
            )
        turned = sum(s.change == "turned against" for s in c.stances)
        came = sum(s.change == "came round" for s in c.stances)
        stances.caption = (
            f"{turned} turned against, {came} came round, "
            f"{len(c.stances) - turned - came} kept their tone or spoke in one run only"
        )
        parts.append(stances)
    if c.reports:
        reach = Table("seeded post", "A", "B", title="feed report")
        for key in ("reach", "likes", "reposts", "replies", "quotes"):
            reach.add_row(key, *(f"{r.get(key, 0):,}" for r in c.reports))
        parts.append(reach)
    if c.votes:
        votes = Table("item", "A for–against–abstain", "B for–against–abstain", title="votes")
        for item, (x, y) in c.votes.items():
            votes.add_row(
                str(item),
                f"{x['for']}–{x['against']}–{x['abstain']}",
                f"{y['for']}–{y['against']}–{y['abstain']}",
            )
        parts.append(votes)
    usage = Table("", "A", "B", title="usage")
    sa, sb = c.summary_a, c.summary_b
    for label, x, y in (
        ("messages (not inherited)", sa.messages, sb.messages),
        ("reactions", sa.reactions, sb.reactions),
        ("LLM calls", sa.llm_calls, sb.llm_calls),
        ("tokens in", sa.input_tokens, sb.input_tokens),
        ("tokens out", sa.output_tokens, sb.output_tokens),
    ):
        usage.add_row(label, f"{x:,}", f"{y:,}")
    usage.add_row("cost", f"${sa.cost_usd:.4f}", f"${sb.cost_usd:.4f}")
    parts.append(usage)
    return Group(*parts)


def print_comparison(console: Console, c: Comparison, limit: int = 30) -> None:
    console.print(render(c, limit))
