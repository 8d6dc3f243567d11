"""DiscordChatExporter JSON: `{guild, channel, messages[]}` per channel (a file, folder or zip).

Every non-bot author becomes a person; reactions count as given by each user the export lists.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from agents.importers.fields import obj, objects, parse_count
from agents.importers.history import History, ImportFailed, Post, Reaction
from agents.importers.source import Source
from agents.importers.timestamps import parse_when

SKIPPED_TYPES = {
    "GuildMemberJoin",
    "ChannelPinnedMessage",
    "RecipientAdd",
    "RecipientRemove",
    "ChannelNameChange",
    "ChannelIconChange",
    "ThreadCreated",
    "Call",
}


def detect_head(head: bytes) -> bool:
    """Recognise an export from its first few KB (keys come in this order)."""
    return head.lstrip().startswith(b"{") and b'"guild"' in head and b'"channel"' in head


def json_files(source: Source) -> list[str]:
    return [n for n in source.names() if n.lower().endswith(".json")]


def read(source: Source) -> History:
    history = History(source=str(source.path), kind="discord")
    files = json_files(source)
    if not files:
        raise ImportFailed(
            f"{source.path}: no .json files — fix: export the channel with "
            "DiscordChatExporter in JSON format"
        )
    source.reserve(files)
    for name in files:
        _read_channel(source, name, history)
    return history


def _read_channel(source: Source, name: str, history: History) -> None:
    label = source.label(name)
    names = {"guild": "", "channel": PurePosixPath(name).stem}
    seen = 0
    for prefix, value in source.iter_json(name, {"guild", "channel", "messages.item"}):
        if prefix != "messages.item":  # both come before the messages in every export
            names[prefix] = str(obj(value).get("name") or names[prefix])
            continue
        seen += 1
        where = f"#{names['channel']}" + (f" ({names['guild']})" if names["guild"] else "")
        history.places.add(where)
        _message(value, f"{label} message {seen}", where, history)
    if not seen and not names["guild"]:
        raise ImportFailed(
            f"{label}: not a DiscordChatExporter JSON file (no 'messages' list) — fix: "
            "export with --format Json"
        )


def _message(message: object, label: str, where: str, history: History) -> None:
    if not isinstance(message, dict) or str(message.get("type")) in SKIPPED_TYPES:
        return
    author = obj(message.get("author"))
    if not author.get("id"):
        raise ImportFailed(f"{label} has no author.id — fix: export again unchanged")
    person = history.person(
        str(author["id"]),
        str(author.get("nickname") or author.get("name") or ""),
        str(author.get("name") or ""),
        bool(author.get("isBot")),
    )
    when = parse_when(message.get("timestamp"), label)
    reactions = objects(message.get("reactions"))
    text = str(message.get("content") or "")
    if text.strip() and not person.is_bot:
        reference = obj(message.get("reference")).get("messageId")
        history.posts.append(
            Post(
                author=person.key,
                text=text,
                when=when,
                kind="reply" if reference else "post",
                id=str(message.get("id", "")),
                reply_to=str(reference) if reference else None,
                where=where,
                reactions_received=sum(
                    parse_count(r.get("count"), f"{label} reaction count") for r in reactions
                ),
            )
        )
    for reaction in reactions:
        emoji = str(obj(reaction.get("emoji")).get("name") or "")
        for user in objects(reaction.get("users")):
            if user.get("id") and emoji:
                history.person(
                    str(user["id"]),
                    str(user.get("nickname") or user.get("name") or ""),
                    str(user.get("name") or ""),
                    bool(user.get("isBot")),
                )
                history.reactions.append(
                    Reaction(str(user["id"]), emoji, when, str(message.get("id", "")))
                )
