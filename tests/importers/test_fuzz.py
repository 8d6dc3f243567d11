"""Property-based: whatever bytes an export holds, reading it ends in a History or one
ImportFailed — never another exception (a traceback for the user)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents.importers.history import ImportFailed
from agents.importers.importer import read_history
from agents.importers.source import Source

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_CELLS = st.one_of(st.text(max_size=12), st.sampled_from(
    ["👍:3", "👍:999999999999", "🎉 🔥:x", "1e400", "-5", "nan", "2024-05-01T14:30:00Z", "", '"',
     "\x00", "\ud7ff", "\r\n"]))
_KEYS = st.sampled_from(["author", "text", "timestamp", "reactions", "count", "id", "name",
                         "content", "messages", "guild", "channel", "emoji", "users", "type",
                         "reference", "messageId", "isBot", "user", "ts", "thread_ts", "profile",
                         "real_name", "subtype", "bot_id", "tweet", "full_text", "created_at",
                         "favorite_count", "in_reply_to_status_id_str", "account", "username",
                         "like", "tweetId", "reactions", "name", "entities", "urls"])
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEYS, inner, max_size=6),
    max_leaves=30)
# Records shaped like messages, with any value in any field: where a reader trusts a shape.
_RECORDS = st.lists(st.dictionaries(_KEYS, _JSON, max_size=8), max_size=4)


def _read(name: str, data: bytes, kind: str, others: dict[str, object] | None = None) -> None:
    """Read `name` holding `data` (and `others`, JSON files beside it) as a `kind` export."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        for other, value in (others or {}).items():
            (Path(folder) / other).write_text(json.dumps(value), encoding="utf-8")
        if others:
            path = Path(folder)
        try:
            with Source(path) as source:
                read_history(source, kind)
        except ImportFailed as exc:
            assert str(exc) and "\n" not in str(exc).strip()


@FUZZ
@given(st.lists(st.lists(_CELLS, min_size=1, max_size=6), max_size=6))
def test_any_csv(rows: list[list[str]]) -> None:
    text = "author,text,timestamp,reactions,reply_to\n" + "\n".join(",".join(r) for r in rows)
    _read("posts.csv", text.encode("utf-8", "surrogatepass"), "csv")


@FUZZ
@given(st.lists(_JSON, max_size=5))
def test_any_jsonl(rows: list[object]) -> None:
    _read("posts.jsonl", "\n".join(json.dumps(r) for r in rows).encode(), "jsonl")


@FUZZ
@given(_RECORDS)
def test_any_jsonl_records(rows: list[dict]) -> None:
    _read("posts.jsonl", "\n".join(json.dumps({"author": "a", **r}) for r in rows).encode(), "jsonl")


@FUZZ
@given(_JSON, _RECORDS | st.lists(_JSON, max_size=4))
def test_any_discord_export(head: object, messages: list[object]) -> None:
    root = {"guild": head, "channel": {"name": "general"}, "messages": messages}
    _read("general.json", json.dumps(root).encode(), "discord")


@FUZZ
@given(st.binary(max_size=300))
def test_any_bytes(data: bytes) -> None:
    for name, kind in (("a.csv", "csv"), ("a.jsonl", "jsonl"), ("a.json", "discord")):
        _read(name, data, kind)


@FUZZ
@given(_JSON, _RECORDS | _JSON)
def test_any_slack_export(users: object, day: object) -> None:
    _read("general/2024-01-01.json", json.dumps(day).encode(), "slack",
          {"users.json": users, "channels.json": [{"name": "general"}]})


@FUZZ
@given(_RECORDS.map(lambda r: [{"tweet": t} for t in r]) | _JSON, _JSON)
def test_any_twitter_archive(tweets: object, account: object) -> None:
    _read("data/tweets.js", b"window.YTD.tweets.part0 = " + json.dumps(tweets).encode(), "twitter",
          {"data/account.js": account})
