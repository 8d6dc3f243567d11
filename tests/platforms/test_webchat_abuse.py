"""The web chat under a hostile client: many sockets, many names, look-alike names, wildcards."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from agents.lookalike import skeleton
from bot.platforms.webchat.limits import (
    ADDRESS_POST_BURST,
    MAX_NAMES_PER_ADDRESS,
    POST_BURST,
    REPLAY_BURST,
)
from tests.support.cli import invoke
from tests.support.webchat import Tab, live_room


@pytest.mark.parametrize("fake", ["Неlеn Park", "ΗΕLΕΝ PARK", "Ｈｅｌｅｎ", "He1en", "Hel\u200ben",
                                  "Hélen", "h e l e n", "Marcus Dеll", "rnarcus", "𝐌𝐚𝐫𝐜𝐮𝐬"])
def test_look_alikes_share_a_skeleton(fake: str) -> None:
    assert skeleton(fake) in {skeleton(n) for n in ("Helen Park", "Helen", "Marcus Dell", "Marcus")}


@pytest.mark.parametrize("other", ["Alex", "Helena", "Mark", "Park Helen"])
def test_other_names_do_not(other: str) -> None:
    assert skeleton(other) not in {skeleton(n) for n in ("Helen Park", "Helen", "Marcus")}


async def _ready(live) -> Tab:
    tab = await Tab.open(live)
    await tab.until(lambda f: f["type"] == "state")
    return tab


async def test_many_sockets_share_the_address_and_name_limits(db_path) -> None:
    async with live_room(db_path) as live:
        tabs = await asyncio.gather(*(_ready(live) for _ in range(MAX_NAMES_PER_ADDRESS)))
        answers = []
        for round_ in range(POST_BURST):
            for i, tab in enumerate(tabs):
                ref = await tab.send(op="post", name=f"Guest {i}", text=f"flood {round_}")
                answers.append(await tab.reply_to(ref))
        accepted = sum(a["type"] == "ack" for a in answers)
        assert ADDRESS_POST_BURST <= accepted <= ADDRESS_POST_BURST + 2
        same = [await _ready(live) for _ in range(3)]  # one name over several tabs: one budget
        refused = [await tab.reply_to(await tab.send(op="post", name="Guest 0", text="again"))
                   for tab in same]
        assert all(r["type"] == "error" and "slow down" in r["message"] for r in refused)
        fresh = await _ready(live)
        extra = await fresh.reply_to(await fresh.send(op="react", name="Yet Another", message_id=1,
                                                      emoji="🔥"))
        assert extra["type"] == "error" and f"{MAX_NAMES_PER_ADDRESS} names" in extra["message"]


async def test_a_look_alike_of_a_persona_is_refused(db_path) -> None:
    async with live_room(db_path) as live:
        tab = await _ready(live)
        for fake in ("Неlеn Park", "MARCUS DELL", "Ｍａｒｃｕｓ"):
            answer = await tab.reply_to(await tab.send(op="post", name=fake, text="trust me"))
            assert answer["type"] == "error" and "persona" in answer["message"], fake


@pytest.mark.parametrize("run_id", ["%", "", "_", "%%"])
async def test_a_replay_run_id_is_not_a_wildcard(db_path, run_id: str) -> None:
    async with live_room(db_path) as live:
        tab = await _ready(live)
        answer = await tab.reply_to(await tab.send(op="replay", run_id=run_id))
        assert answer["type"] == "error", answer


@pytest.mark.parametrize("command", [("run", "hi", "--model", "history"), ("replay", "last"),
                                     ("demo",)])
def test_a_negative_speed_is_refused(command: tuple[str, ...]) -> None:
    done = invoke(*command, "--speed", "-1")
    assert done.exit_code == 2 and "greater than or equal to 0" in " ".join(done.stderr.split())


async def test_replay_requests_are_throttled_and_paced(db_path) -> None:
    async with live_room(db_path) as first:
        tab = await _ready(first)
        await tab.reply_to(await tab.send(op="post", name="Alex", text="Old pitch: @Helen?"))
        await tab.until(lambda f: f["type"] == "message" and f["author_kind"] == "persona")
        old_id = first.engine.run_id
        await first.stop()
    async with live_room(db_path) as second:
        tab = await _ready(second)
        refs = [await tab.send(op="replay", run_id=old_id, speed=0) for _ in range(20)]
        await tab.reply_to(refs[-1])  # every request is answered in order
        refused = [f for f in tab.frames if f["type"] == "error" and f.get("ref") in refs]
        started = tab.of("replay_start")
        assert len(started) == REPLAY_BURST and len(refused) == 20 - REPLAY_BURST
        assert all("slow down" in f["message"] for f in refused)


async def test_a_replay_waits_for_room_before_each_event() -> None:
    from bot.transcript.events import StatusEvent
    from bot.transcript.replay import replay_into

    shown: list[int] = []
    waits: list[int] = []

    async def room() -> None:
        waits.append(len(shown))

    events = [StatusEvent("r", n, "joined", 0.0, float(n)) for n in range(5)]
    await replay_into(events, lambda e: shown.append(e.seq), 0, room=room)
    assert shown == [0, 1, 2, 3, 4] and waits == [0, 1, 2, 3, 4]


async def test_an_ack_means_the_post_is_saved(db_path) -> None:
    async with live_room(db_path) as live:
        tab = await _ready(live)
        locked, release = threading.Event(), threading.Event()

        def hold() -> None:  # another process's write lock, as a sqlite3 shell or a backup takes
            other = sqlite3.connect(db_path, isolation_level=None)
            other.execute("BEGIN IMMEDIATE")
            locked.set()
            release.wait(10)
            other.execute("COMMIT")
            other.close()

        holder = threading.Thread(target=hold)
        holder.start()
        await asyncio.to_thread(locked.wait)
        ref = await tab.send(op="post", name="Alex", text="Saved before acked?")
        with pytest.raises(TimeoutError):  # queued, not saved: no ack yet
            await tab.reply_to(ref, timeout=1.5)
        release.set()
        await asyncio.to_thread(holder.join)
        ack = await tab.reply_to(ref)
        stored = sqlite3.connect(db_path).execute(
            "SELECT COUNT(*) FROM messages WHERE id = ?", (ack["id"],)).fetchone()[0]
        assert ack["type"] == "ack" and stored == 1


_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(),
                    st.text(max_size=30), st.lists(st.integers(), max_size=3))
_FRAMES = st.lists(st.one_of(
    st.fixed_dictionaries({"op": st.sampled_from(["post", "react", "pause", "resume", "speed",
                                                  "mute", "replay", "replay_stop", "hello", "x"])},
                          optional={"name": st.sampled_from(["Al", "Bo", "", "Ｈｅｌｅｎ", "x" * 50,
                                                             "\x1b[2J", 7, None]),
                                    **{k: _VALUES for k in ("text", "reply_to", "thread_id",
                                                            "message_id", "emoji", "speed",
                                                            "persona_id", "muted", "run_id",
                                                            "ref")}}),
    st.text(max_size=40)), min_size=1, max_size=25)


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_FRAMES)
def test_any_frames_leave_the_room_working(tmp_path_factory, frames: list) -> None:
    db = tmp_path_factory.mktemp("fuzz") / "t.db"

    async def session() -> None:
        async with live_room(db) as live:
            tab = await _ready(live)
            for frame in frames:
                await tab.ws.send(frame if isinstance(frame, str) else json.dumps(frame))
            other = await _ready(live)  # the room still serves a fresh tab, and a good post
            answer = await other.reply_to(await other.send(op="post", name="Late", text="still here?"))
            assert answer["type"] == "ack"

    asyncio.run(session())
