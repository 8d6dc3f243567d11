"""Exports of a stored run: Markdown for people, JSON Lines for machines (one event per line)."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict
from datetime import UTC, datetime

from agents.printable import json_safe, printable
from bot.transcript.events import MessageEvent, ReactionEvent, StatusEvent, VoteEvent
from bot.transcript.queries import RunView

FORMATS = ("md", "jsonl")


def _stamp(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def to_markdown(view: RunView) -> str:
    run = view.run
    reactions: dict[int, list[ReactionEvent]] = defaultdict(list)
    for r in view.reactions:
        reactions[r.message_id].append(r)
    by_id = {m.id: m for m in view.messages}
    lines = [f"# townhall run {run['id']}", ""]
    if run.get("title"):
        lines += [f"> {run['title']}", ""]
    lines += [
        f"- started: {_stamp(run['started_at'])}",
        f"- pack: {run['pack']} · scenario: {run['scenario']} · model: {run['model']} · "
        f"seed: {run['seed']}",
        f"- status: {run['status']}" + (f" ({run['stop_reason']})" if run.get("stop_reason") else ""),
    ]
    if run.get("parent_run_id"):
        lines.append(f"- forked from {run['parent_run_id']} at message {run['forked_at']}")
    lines += ["", "## Participants", ""]
    for p in view.participants.values():
        lines.append(f"- **{p.name}**" + (f" — {p.role}" if p.role else f" ({p.kind})"))
    lines += ["", "## Transcript", ""]
    for event in view.events:
        if isinstance(event, MessageEvent):
            lines.append(f"**#{event.id} {event.author_name}**" + (" _(inherited)_" if event.inherited else ""))
            parent = by_id.get(event.reply_to) if event.reply_to is not None else None
            if parent is not None:
                lines.append(f"> ↪ {parent.author_name}: {parent.text[:120]}")
            lines += ["", event.text, ""]
            note = view.delivery_note(event)
            if note:
                lines += [f"_⚠ {note}_", ""]
            quoted = by_id.get(event.quote_of) if event.quote_of is not None else None
            if quoted is not None:
                lines += [f"> ❝ quoting {quoted.author_name}: {quoted.text[:120]}", ""]
            grouped: dict[str, list[str]] = defaultdict(list)
            for r in reactions.get(event.id, []):
                grouped[r.emoji].append(r.author_name)
            if grouped:
                lines += [" · ".join(f"{e} {', '.join(names)}" for e, names in grouped.items()), ""]
        elif isinstance(event, StatusEvent) and event.kind in ("minutes", "report"):
            heading = "Minutes" if event.kind == "minutes" else "Feed report"
            lines += [f"## {heading}", "", str(event.data.get("markdown", "")), ""]
    return printable("\n".join(lines).rstrip() + "\n")  # read in terminals and editors


def to_jsonl(view: RunView) -> str:
    out = [json.dumps({"type": "run", **view.run}, ensure_ascii=False)]
    out += [json.dumps({"type": "participant", **asdict(p)}, ensure_ascii=False)
            for p in view.participants.values()]
    kinds = {MessageEvent: "message", ReactionEvent: "reaction", StatusEvent: "status",
             VoteEvent: "vote"}
    ordered = sorted([*view.events, *view.votes], key=lambda e: e.seq)
    out += [json.dumps({"type": kinds[type(e)], **asdict(e), **_delivery(view, e)},
                       ensure_ascii=False) for e in ordered]
    return json_safe("\n".join(out)) + "\n"


def _delivery(view: RunView, event: object) -> dict:
    """A message's fate on each chat platform it was sent to (Discord, Slack), if any."""
    if not isinstance(event, MessageEvent):
        return {}
    fates = {platform: {"state": d.state, "platform_message_id": d.platform_message_id,
                        "error": d.error}
             for platform, d in view.deliveries_of(event.id).items()}
    return {"delivery": fates} if fates else {}


def export(view: RunView, fmt: str) -> str:
    if fmt == "md":
        return to_markdown(view)
    if fmt == "jsonl":
        return to_jsonl(view)
    raise ValueError(f"unknown format '{fmt}' — fix: use one of {', '.join(FORMATS)}")
