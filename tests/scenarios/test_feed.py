"""The social feed, end to end with the fake backend, and the population generator."""

from __future__ import annotations

import json

from agents.backends.fake import FakeLLM
from agents.backends.past_posts import PastPostsLLM
from agents.population import grow
from bot.engine.settings import RunSettings
from bot.scenarios import make_scenario
from tests.support.scenarios import rows, run_room

AD = "Introducing Ledgerly Autopilot: your books close themselves. Great news for small businesses!"


def test_population_is_varied_deterministic_and_keeps_every_archetype(board):
    members, follows = grow(board.personas, {"tom": ["priya"]}, 300, seed=4)
    again, follows_again = grow(board.personas, {"tom": ["priya"]}, 300, seed=4)
    assert [m.model_dump() for m in members] == [m.model_dump() for m in again]
    assert follows == follows_again
    assert len({m.id for m in members}) == len({m.name for m in members}) == 300
    assert members[: len(board.personas)] == list(board.personas)
    archetypes = {m.stats.get("archetype", m.id) for m in members}
    assert archetypes == {p.id for p in board.personas}
    talk = sorted(m.activity.talkativeness for m in members)
    assert len(set(talk)) > 200 and talk[len(talk) // 2] < 0.3 < talk[-1]  # mostly lurkers
    assert all(m.activity.active_hours for m in members[len(board.personas) :])
    ids = {m.id for m in members}
    assert all(set(f) <= ids and m not in f for m, f in follows.items())
    toms = [m.id for m in members if m.stats.get("archetype") == "tom"]
    priyas = {m.id for m in members if m.stats.get("archetype", m.id) == "priya"}
    assert all(priyas & set(follows[t]) for t in toms)  # a tom-like member follows priya-likes
    assert grow(board.personas, {}, 300, seed=5)[0][10].name != members[10].name


async def test_agents_only_act_on_what_their_feed_showed_them(db_path, board):
    members, follows = grow(board.personas, board.room.follows, 80, seed=1)
    feed = make_scenario("feed", hours=6, follows=follows)
    room = await run_room(
        db_path,
        board,
        FakeLLM(),
        feed,
        AD,
        RunSettings(seed=3, speed=0),
        human="Brand",
        personas=members,
    )
    assert rows(db_path, "SELECT stop_reason FROM runs") == [("feed: 6 simulated hours",)]
    index = {p.id: i for i, p in enumerate(members)}
    decisions = rows(db_path, "SELECT persona_id, message_id FROM decisions")
    assert len(decisions) > 50
    for persona_id, message_id in decisions:
        assert index[persona_id] in feed.seen_by[message_id], (persona_id, message_id)
    seen_everything = sum(len(v) for v in feed.seen_by.values())
    assert seen_everything < len(members) * room.totals.messages / 2  # nobody sees everything
    emoji = dict(rows(db_path, "SELECT emoji, COUNT(*) FROM reactions GROUP BY emoji"))
    assert set(emoji) == {"❤️", "🔁"} and emoji["❤️"] > 0 and emoji["🔁"] > 0
    quotes = rows(db_path, "SELECT id, quote_of, reply_to FROM messages WHERE quote_of IS NOT NULL")
    assert quotes and all(reply_to is None for _, _, reply_to in quotes)
    (ad_id,) = rows(db_path, "SELECT id FROM messages WHERE author_kind = 'human'")[0]
    (data,) = rows(db_path, "SELECT data FROM run_events WHERE kind = 'report'")[0]
    report = json.loads(data)["data"]
    post = report["posts"][0]
    assert post["post"] == ad_id
    assert post["reach"] == len(feed.seen_by[ad_id]) > 0
    assert (
        post["likes"]
        == rows(
            db_path, "SELECT COUNT(*) FROM reactions WHERE message_id = ? AND emoji = '❤️'", ad_id
        )[0][0]
    )
    assert (
        post["replies"]
        == rows(db_path, "SELECT COUNT(*) FROM messages WHERE reply_to = ?", ad_id)[0][0]
    )
    assert (
        post["quotes"]
        == rows(db_path, "SELECT COUNT(*) FROM messages WHERE quote_of = ?", ad_id)[0][0]
    )
    assert (
        sum(h["positive"] + h["neutral"] + h["negative"] for h in report["sentiment"])
        == post["replies"] + post["quotes"]
    )


async def test_the_feed_is_deterministic_and_follows_habits(db_path, board):
    members, follows = grow(board.personas, {}, 120, seed=2)

    async def once(path):
        feed = make_scenario("feed", hours=4, follows=follows)
        await run_room(
            path,
            board,
            PastPostsLLM(),
            feed,
            AD,
            RunSettings(seed=8, speed=0),
            human="Brand",
            personas=members,
        )
        return rows(
            path, "SELECT author_id, text, reply_to, quote_of, vtime FROM messages ORDER BY seq"
        ) + rows(path, "SELECT author_id, message_id, emoji FROM reactions ORDER BY seq")

    first = await once(db_path)
    assert first == await once(db_path.with_name("again.db"))
    hours = {p.id: set(p.activity.active_hours or range(8, 24)) for p in members}

    def clock(vtime: float) -> int:
        return (9 + int(vtime // 3600)) % 24

    for author, _text, _reply, _quote, vtime in (row for row in first if len(row) == 5):
        if author in hours and vtime > 0:  # warm-up posts are the timeline from before
            # an action lands seconds after the session that chose it, maybe in the next hour
            assert {clock(vtime), clock(vtime - 60)} & hours[author]
