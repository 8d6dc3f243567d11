"""CSV and JSON Lines: one row per action, columns `author,text[,timestamp,reply_to,reactions,id]`.

A row with text is a post (a reply when `reply_to` is set) and its `reactions` are what it received
("👍:3 🎉"); a row with no text but `reactions` is the author reacting with those emoji. Both are
read a line at a time, so the file can be as long as the size limit allows.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator

from agents.importers.fields import MAX_COUNT, parse_count
from agents.importers.history import History, ImportFailed, Post, Reaction
from agents.importers.source import Source
from agents.importers.timestamps import parse_when

REQUIRED = ("author", "text")
KNOWN = {"author", "text", "timestamp", "reply_to", "reactions", "id"}
_REACTION = re.compile(r"([^\s,;:=×\d][^\s,;:=×]*)(?:\s*[:=×]\s*(\d+))?")
MAX_RECORD = 1024 * 1024  # one post is never a megabyte; a longer one means a broken quote or line
csv.field_size_limit(MAX_RECORD)
# One person's row "👍:3" is one Reaction each; a bigger count is a broken or hostile file.
MAX_REACTIONS_PER_ROW = 100


def _rows_csv(source: Source, name: str) -> Iterator[tuple[int, dict]]:
    with source.open_text(name) as text:
        reader = csv.DictReader(text)
        try:
            header = [h.strip().lower() for h in reader.fieldnames or []]
            reader.fieldnames = header
            _check_columns(source.label(name), header)
            for row in reader:
                yield reader.line_num, row
        except csv.Error as exc:
            raise ImportFailed(
                f"{source.label(name)} line {reader.line_num}: broken CSV ({exc}) — "
                "fix: check quoting around that line"
            ) from None


def _rows_jsonl(source: Source, name: str) -> Iterator[tuple[int, dict]]:
    label = source.label(name)
    checked = False
    with source.open_text(name) as text:
        number = 0
        while line := text.readline(MAX_RECORD + 1):  # bounded: a line is never read whole
            number += 1
            if len(line) > MAX_RECORD:
                raise ImportFailed(
                    f"{label} line {number}: longer than {MAX_RECORD // 1024**2} MB — fix: one "
                    "post per line; a line this long means missing line breaks"
                )
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ImportFailed(
                    f"{label} line {number}: broken JSON ({exc.msg} at column "
                    f"{exc.colno}) — fix: one JSON object per line"
                ) from None
            except RecursionError:
                raise ImportFailed(
                    f"{label} line {number}: JSON nested too deeply — fix: one flat JSON "
                    "object per line"
                ) from None
            if not isinstance(row, dict):
                raise ImportFailed(
                    f"{label} line {number}: expected a JSON object — fix: write "
                    '{"author": …, "text": …} on each line'
                )
            row = {str(k).lower(): v for k, v in row.items()}
            if not checked:
                _check_columns(label, list(row))
                checked = True
            yield number, row


def _check_columns(label: str, header: list[str]) -> None:
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        found = ", ".join(h for h in header if h) or "nothing"
        raise ImportFailed(
            f"{label}: missing column {' and '.join(missing)} (found: {found[:200]}) — "
            f"fix: name the columns {', '.join(sorted(KNOWN))}"
        )


def received_count(value: object, where: str) -> int:
    if isinstance(value, int | float):
        return parse_count(value, f"{where} reactions")
    return sum(count for _, count in _reactions(value, where, MAX_COUNT))


def _reactions(value: object, where: str, limit: int) -> list[tuple[str, int]]:
    """("👍", 3) for each "👍:3" in a reactions cell; a bare emoji counts once."""
    return [
        (shown, parse_count(count or 1, f"{where} reactions", limit=limit))
        for shown, count in _REACTION.findall(str(value or ""))
    ]


def read(source: Source, kind: str) -> History:
    name = source.names()[0] if not source.is_archive else _single(source, kind)
    history = History(source=str(source.path), kind=kind)
    rows = _rows_csv(source, name) if kind == "csv" else _rows_jsonl(source, name)
    for number, row in rows:
        where = f"{source.label(name)} line {number}"
        author = str(row.get("author") or "").strip()
        if not author:
            raise ImportFailed(f"{where}: empty author — fix: give every row an author")
        person = history.person(author, author, author)
        text = str(row.get("text") or "")
        when = parse_when(row.get("timestamp"), where)
        reply_to = str(row.get("reply_to") or "").strip() or None
        if text.strip():
            history.posts.append(
                Post(
                    author=person.key,
                    text=text,
                    when=when,
                    kind="reply" if reply_to else "post",
                    id=str(row.get("id") or number),
                    reply_to=reply_to,
                    where=source.path.name,
                    reactions_received=received_count(row.get("reactions"), where),
                )
            )
        else:
            for shown, count in _reactions(row.get("reactions"), where, MAX_REACTIONS_PER_ROW):
                history.reactions.extend(
                    Reaction(person.key, shown, when, reply_to) for _ in range(count)
                )
    history.places.add(source.path.name)
    return history


def _single(source: Source, kind: str) -> str:
    suffixes = (".csv",) if kind == "csv" else (".jsonl", ".ndjson")
    found = [n for n in source.names() if n.lower().endswith(suffixes)]
    if len(found) != 1:
        raise ImportFailed(
            f"{source.path}: expected exactly one {suffixes[0]} file, found "
            f"{len(found)} — fix: point at the file itself"
        )
    return found[0]
