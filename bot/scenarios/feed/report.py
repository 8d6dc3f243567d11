"""How a seeded post travelled through a feed: reach, likes, reposts, replies, quotes, and the tone
of the replies hour by hour. Figures only from what happened in the run."""

from __future__ import annotations

from dataclasses import dataclass, field

from agents.tone import stance


@dataclass
class FeedStats:
    members: int = 0
    hours: float = 0.0
    start_hour: int = 0
    seeded: list[int] = field(default_factory=list)  # ids of the human posts
    reach: dict[int, int] = field(default_factory=dict)  # post id → members whose feed showed it
    likes: dict[int, int] = field(default_factory=dict)
    reposts: dict[int, int] = field(default_factory=dict)
    responses: list[tuple[float, str, str, int]] = field(
        default_factory=list
    )  # vtime, kind, text, post


def sentiment_by_hour(stats: FeedStats) -> list[dict]:
    hours: dict[int, dict] = {}
    for vtime, _kind, text, _post in stats.responses:
        hour = int(vtime // 3600)
        row = hours.setdefault(
            hour,
            {
                "hour": hour,
                "clock": f"{(stats.start_hour + hour) % 24:02d}:00",
                "positive": 0,
                "neutral": 0,
                "negative": 0,
            },
        )
        row[("negative", "neutral", "positive")[stance(text) + 1]] += 1
    return [hours[h] for h in sorted(hours)]


def post_figures(stats: FeedStats, post: int) -> dict:
    """One seeded post so far: reach, likes, reposts, replies, quotes and the tone of the answers
    (the live reach events and the report both say it this way)."""
    answers = [r for r in stats.responses if r[3] == post]
    tone = {"positive": 0, "neutral": 0, "negative": 0}
    for _vtime, _kind, text, _post in answers:
        tone[("negative", "neutral", "positive")[stance(text) + 1]] += 1
    return {
        "post": post,
        "reach": stats.reach.get(post, 0),
        "likes": stats.likes.get(post, 0),
        "reposts": stats.reposts.get(post, 0),
        "replies": sum(1 for r in answers if r[1] == "reply"),
        "quotes": sum(1 for r in answers if r[1] == "quote"),
        "tone": tone,
    }


def render_report(stats: FeedStats, reason: str) -> tuple[str, dict]:
    posts = [post_figures(stats, post) for post in stats.seeded]
    sentiment = sentiment_by_hour(stats)
    lines = [
        f"**Feed report** — {stats.members:,} members, {stats.hours:g} simulated hours "
        f"from {stats.start_hour:02d}:00 ({reason})",
        "",
    ]
    if not posts:
        lines.append("No human post was seeded into the feed.")
    for p in posts:
        share = p["reach"] / stats.members if stats.members else 0
        lines.append(
            f"- post #{p['post']}: reach **{p['reach']:,}** ({share:.0%} of members) · "
            f"❤️ {p['likes']} · 🔁 {p['reposts']} · replies {p['replies']} · "
            f"quotes {p['quotes']}"
        )
    if sentiment:
        lines += ["", "| hour | 🙂 positive | 😐 neutral | 🙁 negative |", "|---|---|---|---|"]
        lines += [
            f"| {r['clock']} | {r['positive']} | {r['neutral']} | {r['negative']} |"
            for r in sentiment
        ]
    return "\n".join(lines), {"posts": posts, "sentiment": sentiment, "members": stats.members}
