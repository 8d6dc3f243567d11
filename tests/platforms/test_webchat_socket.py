"""The web chat's live protocol against a real server (uvicorn on a free port) and a real room."""

from __future__ import annotations

import asyncio
import random
import re

import httpx
import pytest
import websockets

from bot.engine.human_input import MAX_HUMAN_MESSAGE_CHARS
from bot.platforms.webchat import WebChatError, WebChatPlatform
from bot.platforms.webchat.hub import catch_up
from bot.platforms.webchat.server import bind
from tests.support.webchat import Tab, live_room, stored_seqs

XSS = "<img src=x onerror=alert(1)>"


async def test_a_post_reaches_every_tab_and_the_personas_answer_live(db_path):
    async with live_room(db_path) as live:
        a, b = await Tab.open(live), await Tab.open(live)
        for tab in (a, b):
            hello = await tab.until(lambda f: f["type"] == "hello")
            assert hello["run_id"] == live.engine.run_id
            assert [p["id"] for p in hello["personas"]][:2] == ["helen", "jordan"]
            await tab.until(lambda f: f["type"] == "state")
        ref = await a.send(op="post", name="Alex", text="We should buy a Super Bowl ad. " + XSS)
        ack = await a.reply_to(ref)
        assert ack["type"] == "ack"
        for tab in (a, b):
            mine = await tab.until(lambda f: f["type"] == "message" and f["id"] == ack["id"])
            assert mine["text"].endswith(XSS)  # data, not markup: the page renders it as text
            assert mine["author_kind"] == "human" and mine["author_name"] == "Alex"
            await tab.until(lambda f: f["type"] == "message" and f["author_kind"] == "persona")
            await tab.until(lambda f: f["type"] == "reaction")
        await a.close()
        await b.close()
        run_id = live.engine.run_id
        await live.stop()
    stored = await stored_seqs(db_path, run_id)
    assert ack["seq"] in stored  # the transcript holds what the tabs were shown


async def test_a_reconnecting_tab_gets_exactly_what_it_missed(db_path):
    async with live_room(db_path) as live:
        tab = await Tab.open(live)
        await tab.until(lambda f: f["type"] == "state")
        ref = await tab.send(op="post", name="Alex", text="First pitch: open an office in Lisbon.")
        await tab.reply_to(ref)
        await tab.until(lambda f: f["type"] == "message" and f["author_kind"] == "persona")
        seen = tab.seqs()
        await tab.close()
        other = await Tab.open(live)
        await other.until(lambda f: f["type"] == "state")
        ref = await other.send(op="post", name="Sam", text="Second pitch: @Priya can we afford it?")
        await other.reply_to(ref)
        await other.until(lambda f: f["type"] == "message" and f["author_name"] == "Priya Raman")
        back = await Tab.open(live, after=seen[-1])
        await back.until(lambda f: f["type"] == "state")
        run_id = live.engine.run_id
        await live.stop()
        await back.drain()
        await other.drain()
    stored = await stored_seqs(db_path, run_id)
    assert seen + back.seqs() == stored  # nothing missing, nothing twice
    assert other.seqs() == stored


async def test_catch_up_reads_the_transcript_for_what_the_ring_dropped(db_path):
    async with live_room(db_path, ring_size=3) as live:
        tab = await Tab.open(live)
        await tab.until(lambda f: f["type"] == "state")
        for text in ("Pitch one: a four-day week.", "Pitch two: @Tom rewrite billing in Rust.",
                     "Pitch three: @Marcus buy a competitor."):
            await tab.reply_to(await tab.send(op="post", name="Alex", text=text))
        await asyncio.sleep(0.3)
        late = await Tab.open(live)  # the ring holds 3 events; the rest must come from SQLite
        await late.until(lambda f: f["type"] == "state")
        assert live.platform.live.hub.evicted_upto > 0
        run_id = live.engine.run_id
        await live.stop()
        await late.drain()
        await tab.drain()
    stored = await stored_seqs(db_path, run_id)
    assert late.seqs() == stored
    assert tab.seqs() == stored


async def test_tabs_joining_during_a_burst_miss_nothing_and_see_nothing_twice(db_path):
    """The race: events are published (and only batched towards SQLite) while tabs connect."""
    rng = random.Random(3)
    async with live_room(db_path, ring_size=8) as live:
        poster = await Tab.open(live)
        await poster.until(lambda f: f["type"] == "state")
        tabs: list[Tab] = []
        joined_after: list[int] = []
        for i in range(12):
            await poster.send(op="post", name=f"Guest {i % 3}", text=f"Idea {i}: @Jordan thoughts?")
            if i % 2:
                known = [s for s in poster.seqs()] or [-1]
                after = rng.choice([-1, known[len(known) // 2]])
                tabs.append(await Tab.open(live, after=after))
                joined_after.append(after)
            await asyncio.sleep(rng.uniform(0, 0.05))
        run_id = live.engine.run_id
        await asyncio.sleep(0.2)
        await live.stop()
        for tab in tabs:
            await tab.drain()
        await poster.drain()
    stored = await stored_seqs(db_path, run_id)
    for tab, after in zip(tabs, joined_after, strict=True):
        assert tab.seqs() == [s for s in stored if s > after]


async def test_catch_up_waits_for_events_the_ring_dropped_before_they_were_written(db_path):
    """Events are published as soon as they are queued for SQLite; a burst can push one out of the
    ring before the writer commits it. Catch-up must still find it."""
    async with live_room(db_path, ring_size=2) as live:
        for speed in range(1, 3001):  # recorded and published at once, no await in between
            live.engine.set_speed(speed)
        client, snapshot = live.platform.live.hub.join(-1)
        frames = await catch_up(-1, snapshot, live.platform.live.older_frames)
        live.platform.live.hub.leave(client)
        run_id = live.engine.run_id
    assert [seq for seq, _ in frames] == (await stored_seqs(db_path, run_id))[:3001]


async def test_limits_answer_with_a_visible_error_and_write_nothing(db_path):
    async with live_room(db_path) as live:
        tab = await Tab.open(live)
        await tab.until(lambda f: f["type"] == "state")
        long = await tab.send(op="post", name="Alex", text="x" * (MAX_HUMAN_MESSAGE_CHARS + 1))
        error = await tab.reply_to(long)
        assert error["type"] == "error"
        assert f"limit is {MAX_HUMAN_MESSAGE_CHARS}" in error["message"]
        answers = [await tab.reply_to(await tab.send(op="post", name="Alex", text=f"n{i}"))
                   for i in range(7)]
        kinds = [a["type"] for a in answers]
        assert kinds[:4] == ["ack"] * 4  # the long one spent a token from the burst of 5
        assert kinds[-1] == "error" and answers[-1]["message"].startswith("slow down")
        fresh = await Tab.open(live)  # the limit is per connection
        await fresh.until(lambda f: f["type"] == "state")
        persona = await fresh.reply_to(await fresh.send(op="post", name="Marcus Dell", text="hi"))
        assert persona["type"] == "error" and "persona" in persona["message"]
        bad = await fresh.reply_to(await fresh.send(op="post", name="Al", text="hi", reply_to=999))
        assert bad["type"] == "error" and "no message 999" in bad["message"]
        garbage = await tab.reply_to(await tab.send(op="dance"))
        assert garbage["type"] == "error" and garbage["message"].startswith("bad request")
        human = [f for f in tab.of("message") if f["author_kind"] == "human"]
        assert len(human) == sum(k == "ack" for k in kinds)  # a refused post writes nothing
        await fresh.ws.send(b"\x00binary")
        assert await fresh.drain() == 1003


async def test_reactions_controls_and_mute_go_through_the_room(db_path):
    async with live_room(db_path, speed=1.0) as live:
        tab = await Tab.open(live)
        await tab.until(lambda f: f["type"] == "state")
        ack = await tab.reply_to(await tab.send(op="post", name="Alex", text="Quick one."))
        ref = await tab.send(op="react", name="Alex", message_id=ack["id"], emoji="🔥")
        assert (await tab.reply_to(ref))["seq"] is not None
        reaction = await tab.until(lambda f: f["type"] == "reaction" and f["author_name"] == "Alex")
        assert reaction["emoji"] == "🔥" and reaction["message_id"] == ack["id"]
        again = await tab.reply_to(await tab.send(op="react", name="Alex", message_id=ack["id"],
                                                  emoji="🔥"))
        assert again["type"] == "ack" and again["seq"] is None  # one per person and emoji
        word = await tab.reply_to(await tab.send(op="react", name="Alex", message_id=ack["id"],
                                                 emoji="lol"))
        assert word["type"] == "error"
        await tab.send(op="pause")
        await tab.until(lambda f: f["type"] == "status" and f["kind"] == "paused")
        assert live.engine.clock.paused
        await tab.send(op="resume")
        await tab.until(lambda f: f["type"] == "status" and f["kind"] == "resumed")
        await tab.send(op="speed", speed=4)
        await tab.until(lambda f: f["type"] == "status" and f["kind"] == "speed")
        assert live.engine.clock.speed == 4
        await tab.send(op="mute", persona_id="marcus")
        await tab.until(lambda f: f["type"] == "status" and f["kind"] == "muted")
        assert live.engine.muted_ids() == ["marcus"]
        await tab.send(op="stop")
        finished = await tab.until(lambda f: f["type"] == "status" and f["kind"] == "finished")
        assert finished["data"]["reason"] == "stopped from the web chat"
        assert await tab.drain() == 1000
        result = await live.task
    assert result.reason == "stopped from the web chat"


async def test_a_past_run_is_listed_and_replayed(db_path):
    async with live_room(db_path) as first:
        tab = await Tab.open(first)
        await tab.until(lambda f: f["type"] == "state")
        await tab.reply_to(await tab.send(op="post", name="Alex", text="Old pitch: @Helen?"))
        await tab.until(lambda f: f["type"] == "message" and f["author_kind"] == "persona")
        old_id = first.engine.run_id
        await first.stop()
    old = await stored_seqs(db_path, old_id)
    async with live_room(db_path) as second:
        async with httpx.AsyncClient() as http:
            runs = (await http.get(second.url + "api/runs")).json()
        assert [(r["id"], r["live"]) for r in runs] == [(second.engine.run_id, True), (old_id, False)]
        assert runs[1]["title"] == "Old pitch: @Helen?"  # untitled runs go by their first post
        tab = await Tab.open(second)
        await tab.until(lambda f: f["type"] == "state")
        await tab.send(op="replay", run_id=old_id[:6], speed=0)
        start = await tab.until(lambda f: f["type"] == "replay_start")
        assert start["run"]["id"] == old_id and start["run"]["status"] == "finished"
        assert any(p["name"] == "Alex" for p in start["participants"])
        await tab.until(lambda f: f["type"] == "replay_end")
        replayed = [f["event"]["seq"] for f in tab.of("replay")]
        assert replayed == old
        missing = await tab.reply_to(await tab.send(op="replay", run_id="nope"))
        assert missing["type"] == "error" and "no run" in missing["message"]


async def test_a_token_guards_every_route_and_the_socket(db_path):
    async with live_room(db_path, token="s3cret") as live:
        assert live.url.endswith("/?token=s3cret")
        base = live.url.split("?")[0]
        async with httpx.AsyncClient() as http:
            assert (await http.get(base)).status_code == 403
            assert (await http.get(base + "api/runs")).status_code == 403
            first = await http.get(live.url)
            assert first.status_code == 200 and "HttpOnly" in first.headers["set-cookie"]
            assert (await http.get(base + "api/runs")).status_code == 200  # the cookie now
        with pytest.raises(websockets.InvalidStatus):
            await websockets.connect(live.ws_url)
        tab = await Tab.open(live, additional_headers={
            "Cookie": f"townhall_token_{live.platform.port}=s3cret"})
        await tab.until(lambda f: f["type"] == "state")
        await tab.close()


async def test_loopback_refuses_other_sites_and_rebound_hosts(db_path):
    async with live_room(db_path) as live:
        with pytest.raises(websockets.InvalidStatus):
            await websockets.connect(live.ws_url, origin="http://evil.example")
        async with httpx.AsyncClient() as http:
            rebound = await http.get(live.url, headers={"Host": "evil.example:8765"})
            assert rebound.status_code == 421
            page = await http.get(live.url)
            assert "script-src 'self'" in page.headers["content-security-policy"]
            assert page.headers["referrer-policy"] == "no-referrer"
        tab = await Tab.open(live, origin=live.url.rstrip("/"))
        await tab.until(lambda f: f["type"] == "state")
        await tab.close()


async def test_every_script_the_page_imports_is_served_as_javascript(db_path):
    async with live_room(db_path) as live, httpx.AsyncClient() as http:
        page = (await http.get(live.url)).text
        todo = re.findall(r'<script type="module" src="(/static/[\w.]+)"', page)
        assert todo == ["/static/main.js"]
        served: set[str] = set()
        while todo:
            path = todo.pop()
            if path in served:
                continue
            script = await http.get(live.url.rstrip("/") + path)
            assert script.status_code == 200, path
            assert script.headers["content-type"].startswith("text/javascript"), path
            served.add(path)
            todo += ["/static/" + name for name in re.findall(r'^import .* from "\./([\w.]+)";', script.text, re.M)]
    assert len(served) > 5  # main.js really pulls in the rest


def test_a_public_address_gets_a_generated_token():
    platform = WebChatPlatform(host="0.0.0.0", port=8765)
    assert platform.token and len(platform.token) >= 24
    assert platform.public_url().endswith(f":8765/?token={platform.token}")
    assert WebChatPlatform(host="localhost").token is None


def test_a_taken_port_is_one_clear_error():
    taken = bind("127.0.0.1", 0)
    taken.listen()
    try:
        with pytest.raises(WebChatError, match=r"--port"):
            bind("127.0.0.1", taken.getsockname()[1])
    finally:
        taken.close()
