"""Small synthetic exports in each real format, written the way the services write them.

Each person has a recognisable voice, timestamps spread over weeks and hours, replies, reactions
and a planted email address and phone number that must never reach a pack.
"""

from __future__ import annotations

import csv
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

START = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
PLANTED_EMAIL = "dana.k@example.org"
PLANTED_PHONE = "+1 415 555 0134"

VOICES = {
    "dana": [
        "honestly the new pricing page is cleaner than the old one",
        "shipping on a friday again? bold move",
        f"email me at {PLANTED_EMAIL} if the invoice bounces",
        "coffee first, standup second, opinions third",
        "the dashboard loads in four seconds on my phone which is not great",
        "who approved the purple buttons",
        "i like the idea but the rollout plan scares me",
        f"call {PLANTED_PHONE} after six if it is urgent",
        "benchmarks or it did not happen",
        "small teams ship faster, change my mind",
        "reading the postmortem now, the timeline is wild",
        "our onboarding emails are too long, nobody reads past line two",
    ],
    "raj": [
        "Has anyone measured the churn since the price change?",
        "Interesting. What does the cohort data say about retention after ninety days?",
        "I would rather test this with ten customers before we announce it.",
        "Can we see the numbers split by region? Europe behaves differently.",
        "The survey sample is small; I would not draw conclusions yet.",
        "What happens to the support queue if this goes viral?",
        "Good question. I think the answer depends on the contract terms.",
        "Do we have a rollback plan for the migration?",
        "Which metric are we optimising here, revenue or activation?",
        "I read the proposal twice and I still do not see the budget line.",
    ],
    "mo": [
        "LETS GOOO 🚀🚀",
        "this is the best launch we have done 🔥",
        "ok the mascot video made me cry laughing 😂",
        "ship it!! 🎉",
        "love the colours, love the energy, love you all 💜",
        "who is coming to the meetup on thursday?? 🍕",
        "new sticker designs dropped and they are incredible 😍",
        "can we make the hoodie orange this time 🧡",
    ],
}


def _when(person_index: int, i: int) -> datetime:
    return START + timedelta(days=3 * i + person_index, hours=(5 * i + 3 * person_index) % 14)


# -- Twitter / X ----------------------------------------------------------------------------------


def _tweet(
    i: int,
    text: str,
    when: datetime,
    *,
    reply_to: str | None = None,
    reply_name: str | None = None,
    urls: list[str] | None = None,
) -> dict:
    tweet = {
        "id_str": str(1000 + i),
        "full_text": text,
        "created_at": when.strftime("%a %b %d %H:%M:%S +0000 %Y"),
        "favorite_count": str(i % 4),
        "retweet_count": "0",
        "lang": "en",
        "entities": {"urls": [{"expanded_url": u} for u in urls or []], "hashtags": []},
    }
    if reply_to:
        tweet["in_reply_to_status_id_str"] = reply_to
        tweet["in_reply_to_screen_name"] = reply_name
    return {"tweet": tweet}


def twitter_archive(root: Path, *, zipped: bool = True, legacy: bool = False) -> Path:
    """One account (@dana_k): posts, replies, a quote, a retweet, a thread, likes, split files."""
    tweets = []
    for i, text in enumerate(VOICES["dana"]):
        when = _when(0, i)
        if i % 4 == 1:
            tweets.append(
                _tweet(i, f"@raj_writes @mo {text}", when, reply_to="555", reply_name="raj_writes")
            )
        elif i == 2:
            tweets.append(
                _tweet(
                    i,
                    text + " https://t.co/abc",
                    when,
                    urls=["https://twitter.com/raj_writes/status/42"],
                )
            )
        elif i == 3:
            tweets.append(_tweet(i, text, when, reply_to="1002", reply_name="dana_k"))  # thread
        else:
            tweets.append(_tweet(i, text + " #startups" * (i % 3 == 0), when))
    tweets.append(_tweet(99, "RT @raj_writes: measure twice, ship once", _when(0, 13)))
    name = "tweet" if legacy else "tweets"
    files = {
        "data/account.js": "window.YTD.account.part0 = "
        + json.dumps(
            [{"account": {"username": "dana_k", "accountDisplayName": "Dana K", "accountId": "7"}}]
        ),
        f"data/{name}.js": f"window.YTD.{name}.part0 = " + json.dumps(tweets[:8], indent=1),
        f"data/{name}-part1.js": f"window.YTD.{name}.part1 = " + json.dumps(tweets[8:], indent=1),
        "data/like.js": "window.YTD.like.part0 = "
        + json.dumps(
            [
                {"like": {"tweetId": str(n), "fullText": "liked", "expandedUrl": "https://x.com/i"}}
                for n in range(20)
            ]
        ),
        "data/tweets_media/photo.jpg": "\xff\xd8 not really a photo",
    }
    return _write(root / "twitter-archive", files, zipped)


# -- DiscordChatExporter --


def discord_messages(count_scale: int = 1) -> list[dict]:
    authors = {
        "dana": ("101", "dana", "Dana"),
        "raj": ("102", "raj", None),
        "mo": ("103", "mo", "Mo!"),
    }
    messages, ids = [], []
    order = [(name, i) for name, lines in VOICES.items() for i in range(len(lines))]
    order.sort(key=lambda item: _when(list(VOICES).index(item[0]), item[1]))
    for n, (name, i) in enumerate(order):
        uid, uname, nick = authors[name]
        mid = str(900000 + n)
        message = {
            "id": mid,
            "type": "Default",
            "timestamp": _when(list(VOICES).index(name), i).isoformat(),
            "content": VOICES[name][i],
            "author": {
                "id": uid,
                "name": uname,
                "discriminator": "0000",
                "nickname": nick,
                "isBot": False,
            },
            "reactions": [],
            "mentions": [],
        }
        if ids and n % 3 == 0:
            message["type"] = "Reply"
            message["reference"] = {"messageId": ids[-1], "channelId": "5", "guildId": "4"}
        if name != "mo":  # Mo reacts to almost everything
            message["reactions"].append(
                {
                    "emoji": {"id": None, "name": "🔥", "isAnimated": False},
                    "count": 1,
                    "users": [{"id": "103", "name": "mo", "nickname": "Mo!", "isBot": False}],
                }
            )
        messages.append(message)
        ids.append(mid)
    messages.insert(
        2,
        {
            "id": "1",
            "type": "GuildMemberJoin",
            "timestamp": START.isoformat(),
            "content": "",
            "author": {"id": "104", "name": "newbie", "isBot": False},
            "reactions": [],
        },
    )
    messages.append(
        {
            "id": "2",
            "type": "Default",
            "timestamp": _when(0, 30).isoformat(),
            "content": "Reminder: standup in 5 minutes" * count_scale,
            "author": {"id": "200", "name": "MEE6", "isBot": True},
            "reactions": [],
        }
    )
    return messages


def discord_export(path: Path) -> Path:
    root = {
        "guild": {"id": "4", "name": "Makers"},
        "channel": {"id": "5", "type": "GuildTextChat", "category": "Talk", "name": "general"},
        "dateRange": {"after": None, "before": None},
        "messages": discord_messages(),
        "messageCount": 0,
    }
    path.write_text(json.dumps(root, indent=2, ensure_ascii=False), encoding="utf-8")
    return path


# -- Slack --


def slack_export(root: Path, *, zipped: bool = True, with_messages: bool = True) -> Path:
    ids = {"dana": "U01DANA", "raj": "U02RAJ", "mo": "U03MO"}
    users = [
        {
            "id": uid,
            "name": name,
            "real_name": name.title(),
            "is_bot": False,
            "profile": {
                "display_name": name,
                "phone": "6045550100",
                "email": f"{name}@corp.example",
            },
        }
        for name, uid in ids.items()
    ]
    users.append({"id": "B01BOT", "name": "deploybot", "is_bot": True, "profile": {}})
    channels = [{"id": "C1", "name": "general", "members": list(ids.values())}]
    days: dict[str, list[dict]] = {}
    for person_index, (name, lines) in enumerate(VOICES.items()):
        for i, text in enumerate(lines):
            when = _when(person_index, i)
            ts = f"{when.timestamp():.6f}"
            message = {"type": "message", "user": ids[name], "text": text, "ts": ts}
            if name == "raj" and i % 2:
                message["thread_ts"] = f"{_when(0, i).timestamp():.6f}"
                message["text"] = f"<@{ids['dana']}> {text}"
            if name == "dana":
                message["reactions"] = [
                    {"name": "+1", "users": [ids["mo"], ids["raj"]], "count": 2},
                    {"name": "tada", "users": [ids["mo"]], "count": 1},
                ]
            days.setdefault(f"{when:%Y-%m-%d}", []).append(message)
    days[f"{START:%Y-%m-%d}"] += [
        {
            "type": "message",
            "subtype": "channel_join",
            "user": ids["mo"],
            "text": "<@U03MO> has joined",
            "ts": f"{START.timestamp():.6f}",
        },
        {
            "type": "message",
            "subtype": "bot_message",
            "bot_id": "B01BOT",
            "text": "deployed v1.2",
            "ts": f"{START.timestamp() + 5:.6f}",
        },
    ]
    files = {"users.json": json.dumps(users), "channels.json": json.dumps(channels)}
    if with_messages:
        files |= {
            f"general/{day}.json": json.dumps(sorted(msgs, key=lambda m: m["ts"]))
            for day, msgs in days.items()
        }
    return _write(root / "slack-export", files, zipped)


# -- CSV / JSONL -----------------------------------------------------------------------------------


def tabular_rows() -> list[dict]:
    rows = []
    for person_index, (name, lines) in enumerate(VOICES.items()):
        for i, text in enumerate(lines):
            rows.append(
                {
                    "id": f"{name}-{i}",
                    "author": name,
                    "text": text,
                    "timestamp": _when(person_index, i).isoformat(),
                    "reply_to": "dana-0" if name == "raj" and i % 2 else "",
                    "reactions": "👍:2 🎉" if name == "dana" else "",
                }
            )
    rows += [
        {
            "id": f"r{n}",
            "author": "mo",
            "text": "",
            "timestamp": _when(2, n).isoformat(),
            "reply_to": f"dana-{n}",
            "reactions": "🔥",
        }
        for n in range(6)
    ]
    return rows


def csv_file(path: Path, *, encoding: str = "utf-8", rows: list[dict] | None = None) -> Path:
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.DictWriter(
            handle, fieldnames=["id", "author", "text", "timestamp", "reply_to", "reactions"]
        )
        writer.writeheader()
        writer.writerows(tabular_rows() if rows is None else rows)
    return path


def jsonl_file(path: Path) -> Path:
    path.write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in tabular_rows()), encoding="utf-8"
    )
    return path


def _write(target: Path, files: dict[str, str], zipped: bool) -> Path:
    if zipped:
        archive = target.with_suffix(".zip")
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, text in files.items():
                zf.writestr(name, text)
        return archive
    for name, text in files.items():
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        (target / name).write_text(text, encoding="utf-8")
    return target
