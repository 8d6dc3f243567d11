"""X/Twitter account archives (the zip, or the folder it unpacks to).

data/tweets.js (older archives: tweet.js; big ones split into tweets-part1.js …) holds
`window.YTD.tweets.part0 = [{"tweet": {...}}]`; like.js holds likes without author or time;
account.js gives the handle. One archive is one person.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from agents.importers.fields import obj, objects
from agents.importers.history import History, ImportFailed, Post, Reaction
from agents.importers.source import Source, basename
from agents.importers.timestamps import parse_when

_TWEET_FILES = re.compile(r"^(tweets?)(-part\d+)?\.js$")
_STATUS_LINK = re.compile(r"https?://(?:mobile\.)?(?:twitter|x)\.com/\w+/status/\d+", re.I)
_LEADING_MENTIONS = re.compile(r"^(?:@\w+\s+)+")
LIKE_EMOJI = "❤️"


def detect(names: list[str]) -> bool:
    return any(_TWEET_FILES.match(basename(n)) for n in names)


def _entries(source: Source, name: str, key: str) -> Iterator[dict]:
    """`[{"tweet": {...}}, …]` → the inner objects, one at a time."""
    for _, entry in source.iter_json(name, {"item"}, js_assignment=True):
        if isinstance(entry, dict):
            inner = entry.get(key, entry)
            if isinstance(inner, dict):
                yield inner


def _handle(source: Source, names: list[str]) -> tuple[str, str]:
    account = next((n for n in names if basename(n) == "account.js"), None)
    if account is None:
        return "", ""
    entries = _entries(source, account, "account")
    try:
        first = next(entries, None)
    finally:
        entries.close()  # one entry is all there is; stop reading
    if first is None:
        return "", ""
    return str(first.get("username", "")), str(first.get("accountDisplayName", ""))


def read(source: Source) -> History:
    names = source.names()
    tweet_files = sorted(n for n in names if _TWEET_FILES.match(basename(n)))
    if not tweet_files:
        raise ImportFailed(
            f"{source.path}: no data/tweets.js — fix: point at the archive zip or "
            "the folder it unpacks to"
        )
    source.reserve(tweet_files)
    handle, display = _handle(source, names)
    history = History(source=str(source.path), kind="twitter")
    me = history.person(handle or "me", display or handle or "archive owner", handle or "me")
    for name in tweet_files:
        label = source.label(name)
        for i, tweet in enumerate(_entries(source, name, "tweet")):
            text = str(tweet.get("full_text") or tweet.get("text") or "")
            if not text.strip():
                continue
            reply_to = str(tweet.get("in_reply_to_status_id_str") or "") or None
            to_self = (
                handle and str(tweet.get("in_reply_to_screen_name", "")).lower() == handle.lower()
            )
            urls = [str(u.get("expanded_url") or "")
                    for u in objects(obj(tweet.get("entities")).get("urls"))]
            if text.startswith("RT @"):
                kind = "repost"
            elif reply_to and not to_self:
                kind, text = "reply", _LEADING_MENTIONS.sub("", text)  # the app adds these itself
            elif any(_STATUS_LINK.search(u or "") for u in urls):
                kind = "quote"
            else:
                kind = "post"  # includes threads: a reply to oneself is a continuation
            history.posts.append(
                Post(
                    author=me.key,
                    text=text,
                    when=parse_when(tweet.get("created_at"), f"{label} entry {i}"),
                    kind=kind,
                    id=str(tweet.get("id_str", "")),
                    reply_to=reply_to,
                    where="X",
                    reactions_received=_int(tweet.get("favorite_count"))
                    + _int(tweet.get("retweet_count")),
                )
            )
    for name in (n for n in names if basename(n) == "like.js"):
        for like in _entries(source, name, "like"):
            history.reactions.append(
                Reaction(me.key, LIKE_EMOJI, None, str(like.get("tweetId", "")))
            )
    history.places.add("X")
    return history


def _int(value: object) -> int:
    try:
        return int(value)  # archives store counts as strings
    except (TypeError, ValueError):
        return 0
