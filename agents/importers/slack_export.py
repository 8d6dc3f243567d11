"""Slack workspace exports (zip or folder): users.json, channels.json, <channel>/<date>.json.

Joins, leaves and bot messages are skipped; a threaded message is a reply to its thread's parent.
"""

from __future__ import annotations

import re

import emoji as emoji_lib

from agents.importers.fields import listed, obj, objects, parse_count
from agents.importers.history import History, ImportFailed, Post, Reaction
from agents.importers.source import Source, basename
from agents.importers.timestamps import parse_when

_DAY_FILE = re.compile(r"^(?:.*/)?([^/]+)/\d{4}-\d{2}-\d{2}\.json$")
KEPT_SUBTYPES = {None, "", "thread_broadcast", "me_message", "file_share", "file_comment"}
_USER_MENTION = re.compile(r"<@(U\w+)(?:\|[^>]*)?>")
_LINK = re.compile(r"<((?:https?|mailto|tel):[^|>]+)(?:\|([^>]*))?>")
_SPECIAL = re.compile(r"<!(?:subteam\^\w+\|)?([\w-]+)(?:\|[^>]*)?>")


def detect(names: list[str]) -> bool:
    bases = {basename(n) for n in names}
    return "users.json" in bases and "channels.json" in bases


def shortcode_to_emoji(name: str) -> str:
    """Slack names reactions by shortcode (`+1`, `tada`, `skin-tone-2` suffixes); show the emoji."""
    base = name.split("::")[0]
    shown = emoji_lib.emojize(f":{base}:", language="alias")
    return shown if shown != f":{base}:" else f":{name}:"


def _root(names: list[str]) -> str:
    users = next(n for n in names if basename(n) == "users.json")
    return users[: -len("users.json")]


def _users(source: Source, name: str, history: History) -> None:
    for _, user in source.iter_json(name, {"item"}):
        if isinstance(user, dict) and user.get("id"):
            profile = obj(user.get("profile"))
            history.person(
                str(user["id"]),
                str(user.get("real_name") or profile.get("real_name") or user.get("name") or ""),
                str(user.get("name") or profile.get("display_name") or ""),
                bool(user.get("is_bot") or user.get("is_app_user")),
            )


def _readable(text: str, history: History) -> str:
    """Slack's markup as a person sees it: <@U1> → @name, <url|label> → label, :tada: → 🎉."""

    def mention(match: re.Match) -> str:
        person = history.people.get(match.group(1))
        return f"@{person.handle}" if person else "@someone"

    text = _USER_MENTION.sub(mention, text)
    text = _LINK.sub(lambda m: m.group(2) or m.group(1), text)
    text = _SPECIAL.sub(lambda m: f"@{m.group(1)}", text)
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return emoji_lib.emojize(text, language="alias")  # :+1: in a message is 👍 on screen


def read(source: Source) -> History:
    names = source.names()
    if not detect(names):
        raise ImportFailed(
            f"{source.path}: no users.json and channels.json — fix: point at the "
            "Slack export zip or the folder it unpacks to"
        )
    root = _root(names)
    history = History(source=str(source.path), kind="slack")
    _users(source, root + "users.json", history)
    days = sorted(n for n in names if n.startswith(root) and _DAY_FILE.match(n))
    source.reserve(days)
    for name in days:
        channel = _DAY_FILE.match(name).group(1)
        history.places.add(f"#{channel}")
        for i, (_, message) in enumerate(source.iter_json(name, {"item"})):
            _message(message, f"{source.label(name)} message {i}", channel, history)
    return history


def _message(message: object, where: str, channel: str, history: History) -> None:
    subtype = message.get("subtype") if isinstance(message, dict) else None
    if not isinstance(message, dict) or not isinstance(subtype, str | None) or subtype not in KEPT_SUBTYPES:
        return
    user = message.get("user")
    if not user or message.get("bot_id"):
        return
    person = history.person(str(user))
    ts = str(message.get("ts", ""))
    when = parse_when(ts, where)
    thread = message.get("thread_ts")
    is_reply = bool(thread) and thread != ts
    reactions = objects(message.get("reactions"))
    text = _readable(str(message.get("text") or ""), history)
    if text.strip() and not person.is_bot:
        history.posts.append(
            Post(
                author=person.key,
                text=text,
                when=when,
                kind="reply" if is_reply else "post",
                id=ts,
                reply_to=str(thread) if is_reply else None,
                where=f"#{channel}",
                reactions_received=sum(
                    parse_count(r.get("count") or len(listed(r.get("users"))), f"{where} reaction count")
                    for r in reactions
                ),
            )
        )
    for reaction in reactions:
        shown = shortcode_to_emoji(str(reaction.get("name", "")))
        for reactor in listed(reaction.get("users")):
            history.person(str(reactor))
            history.reactions.append(Reaction(str(reactor), shown, when, ts))
