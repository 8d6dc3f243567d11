"""Rooms of the meeting and feed scenarios in a real headless Chromium: they stay open, read-only,
after their run ends, and show the scenario's own view."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiosqlite
import pytest

from agents.packs import load_pack
from bot.runs.fork import plan_fork
from bot.runs.plan import seat
from bot.scenarios import make_scenario
from bot.transcript.queries import load_run
from tests.e2e.test_webchat_browser import ARGS, CHROMIUM, XSS
from tests.support.webchat import live_room

playwright = pytest.importorskip("playwright.async_api")
pytestmark = pytest.mark.slow

AGENDA = (Path(__file__).parents[2] / "docs" / "examples" / "agenda.md").read_text()


async def _open(pw, url: str):
    browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    context = await browser.new_context(viewport={"width": 1280, "height": 800})
    await context.add_init_script("localStorage.setItem('townhall.name', 'Dana')")
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: asyncio.ensure_future(d.accept()))
    await page.goto(url)
    return browser, page, errors


async def _add_runs(db: Path, *rows: tuple[str, str, str | None, str | None]) -> None:
    """Rows of other runs in "Past runs": (id, status, batch_id, variant), without messages."""
    async with aiosqlite.connect(db) as conn:
        await conn.executemany(
            "INSERT INTO runs (id, started_at, status, title, pack, scenario, model, platform, "
            "seed, batch_id, variant) VALUES (?, 1.0, ?, 'Price test', 'board', 'discussion', "
            "'history', 'batch', 0, ?, ?)", rows)
        await conn.commit()


async def test_a_meeting_shows_its_agenda_votes_and_minutes_and_stays_open_until_closed(db_path):
    meeting = make_scenario("meeting", minutes_per_item=2)
    async with live_room(db_path, "history", speed=0, pitch=AGENDA, policy=meeting) as live, \
            playwright.async_playwright() as pw:
        await _add_runs(db_path, ("b1", "finished", "batch7", "A"), ("b2", "finished", "batch7", "B"),
                        ("f1", "failed", None, None))
        browser, page, errors = await _open(pw, live.url)
        banner = page.locator("#banner")
        await banner.filter(has_text="Run ended").wait_for(timeout=20_000)
        assert "meeting adjourned" in await banner.inner_text()
        fork = await page.locator("#banner .fork-cmd").inner_text()
        agenda_id = await page.locator("#live-messages .msg:has(.tag)").first.get_attribute("data-id")
        assert f"townhall fork {live.engine.run_id} --at {agenda_id} " in fork  # a fork it can take
        assert await page.locator("#main-composer textarea").is_disabled()
        await page.wait_for_timeout(1500)
        assert not live.task.done()  # the run is over, the room is not

        # The agenda panel: both items with their result and the chair's tally.
        items = page.locator("#agenda .agenda-item")
        assert await items.count() == 2
        assert "Super Bowl ad" in await items.nth(0).inner_text()
        decided = await page.locator(".divider.decision").first.inner_text()
        tally = await items.nth(0).locator(".tally").inner_text()
        for choice in ("for", "against", "abstain"):  # "Item 1: motion carried · 6 for · 1 against …"
            count = decided.split(f" {choice}")[0].split()[-1]
            assert f"{choice.title()} {count}" in tally
        assert (await items.nth(0).locator(".badge").text_content()) in decided
        # Status events read as dividers, the minutes as a document, titles without Markdown.
        assert await page.locator(".divider.item", has_text="Item 1: Super Bowl ad").count() == 1
        assert await page.locator(".divider.decision").count() == 2
        minutes = page.locator(".minutes-doc")
        assert await minutes.locator("h4", has_text="Item 1: Super Bowl ad").count() == 1
        assert "**" not in await minutes.inner_text()
        assert await minutes.locator("table th", has_text="owner").count() == 1
        assert await page.locator("#live-messages .system", has_text="decision").count() == 0
        assert await page.locator("#runs .run.is-live .run-title").inner_text() == \
            "Ledgerly board, Q3"
        # "Past runs": the batch's two runs under one entry; the run that never started is gone.
        assert "2 runs" in await page.locator("#runs details.batch summary").inner_text()
        assert await page.locator("#runs .run[title='run f1']").count() == 0
        await page.locator(".divider.decision").first.scroll_into_view_if_needed()
        await page.screenshot(path="/tmp/meeting_room.png")
        await page.click("#runs details.batch summary")
        await minutes.scroll_into_view_if_needed()
        await page.screenshot(path="/tmp/meeting_minutes.png")

        await page.click("#replay-ended")  # the ended run replays in the same page
        await page.locator("#replay-messages .msg").first.wait_for()
        await page.click("#back-live")
        assert await page.locator("#stop").inner_text() == "⏹ Close room"
        await page.click("#stop")
        result = await asyncio.wait_for(live.task, 15)
        assert result.reason == "meeting adjourned"
        await browser.close()
    assert errors == []
    async with aiosqlite.connect(db_path) as conn:
        conn.row_factory = aiosqlite.Row
        plan_fork(await load_run(conn, result.run_id), int(agenda_id))  # the CLI takes it


async def test_a_feed_shows_a_timeline_with_the_pinned_post_and_its_reach(db_path):
    policy, personas = seat(load_pack("board"), "feed", {"hours": 3}, population=300, seed=3)
    async with live_room(db_path, "history", speed=0, seed=3, pitch=f"Ledgerly Autopilot: {XSS}",
                         policy=policy, personas=personas) as live, \
            playwright.async_playwright() as pw:
        browser, page, errors = await _open(pw, live.url)
        await page.locator("#banner", has_text="Run ended").wait_for(timeout=30_000)
        feed = page.locator("#timeline[role=feed]")
        cards = feed.locator("article.card[role=article]")
        await cards.first.wait_for()
        assert await page.locator("#live-messages").is_hidden()  # the timeline replaces the log

        # The human's post is pinned above the feed, with its reach as the report counts it.
        mine = page.locator("#pinned-posts article.card")
        assert await mine.locator(".card-text").inner_text() == f"Ledgerly Autopilot: {XSS}"
        assert await page.locator("img").count() == 0
        async with aiosqlite.connect(db_path) as conn:
            (data,) = await (await conn.execute(
                "SELECT data FROM run_events WHERE kind = 'report'")).fetchone()
        (post,) = json.loads(data)["data"]["posts"]
        assert await page.locator("#reach .reach-count").inner_text() == f"{post['reach']:,}"
        likes = await mine.locator(".stat[title=Like] .n").inner_text()
        assert likes == str(post["likes"])
        assert await page.locator("#reach .reach-plot polyline").count() == 1

        # Ranked by engagement, or latest first; Page Down walks the feed card by card.
        ranked = await cards.evaluate_all("cs => cs.map((c) => Number(c.dataset.id))")
        await page.click("#timeline-bar button[data-tab=latest]")
        latest = await cards.evaluate_all("cs => cs.map((c) => Number(c.dataset.id))")
        assert sorted(ranked) != ranked or ranked != latest
        assert await cards.count() <= 150
        await cards.first.focus()
        await page.keyboard.press("PageDown")
        assert await page.evaluate("document.activeElement.getAttribute('aria-posinset')") == "2"

        # The sidebar lists the top members (the most active first) and finds anyone, not 300 rows.
        await page.wait_for_function(
            "() => !/^0 posts/.test(document.querySelector('#personas li .status').textContent)")
        assert await page.locator("#personas li").count() == 15
        await page.fill("#member-search", "Helen Park")
        assert "Helen Park" in await page.locator("#personas li").first.inner_text()
        await page.click("#timeline-bar button[data-tab=ranked]")
        await page.screenshot(path="/tmp/feed_timeline.png")

        # A member's card opens their profile with their posts in this run.
        await cards.first.locator(".card-name").click()
        assert await page.locator("#profile .profile-posts li").count() >= 1
        await page.screenshot(path="/tmp/feed_profile.png")
        await page.click("#close-profile")
        # The chat log is still there, one click away, with the report as a document.
        await page.click("#timeline-bar button[data-tab=chat]")
        assert await page.locator("#live-messages").is_visible()
        report = page.locator("#live-messages .minutes-doc[aria-label='Feed report']")
        assert "reach" in await report.inner_text()
        assert await page.locator("#live-messages .system", has_text="reach").count() == 0
        await browser.close()
    assert errors == []


async def test_the_human_likes_reposts_and_replies_in_a_live_feed(db_path):
    async with live_room(db_path, "history", speed=60, pitch="Ledgerly Autopilot is here.",
                         policy=make_scenario("feed", hours=3)) as live, \
            playwright.async_playwright() as pw:
        live.engine.pause()  # the personas hold still; the human can still act
        browser, page, errors = await _open(pw, live.url)
        card = page.locator("#timeline article.card").first
        await card.wait_for()
        like, repost = card.locator(".stat[title=Like]"), card.locator(".stat[title=Repost]")
        before = int(await like.locator(".n").inner_text())
        await like.click()
        await card.locator(".stat.on[title=Like]").wait_for()  # counted live, marked as mine
        assert int(await like.locator(".n").inner_text()) == before + 1
        await repost.click()
        await card.locator(".stat.on[title=Repost]").wait_for()
        await card.locator(".stat[title=Reply]").click()
        composer = page.locator("#main-composer textarea")
        await composer.fill("Does it handle multi-currency books?")
        await composer.press("Enter")
        await card.locator(".toggle-replies").click()
        await card.locator(".card-reply", has_text="multi-currency").wait_for()
        await browser.close()
    assert errors == []


async def test_a_live_meeting_marks_the_current_item_and_counts_ballots_as_they_come(db_path):
    meeting = make_scenario("meeting", minutes_per_item=0.5)
    async with live_room(db_path, "history", speed=30, pitch=AGENDA, policy=meeting) as live, \
            playwright.async_playwright() as pw:
        async with asyncio.timeout(60):  # hold the room still once some ballots are in
            while not (meeting.current and meeting.current.votes and not meeting.current.result):
                await asyncio.sleep(0.005)
        live.engine.pause()  # a turn already under way may still land its ballot
        browser, page, errors = await _open(pw, live.url)
        current = page.locator("#agenda .agenda-item[aria-current=step]")
        await current.wait_for()
        await page.wait_for_timeout(500)
        assert meeting.current.result is None
        assert meeting.current.item.title in await current.inner_text()
        votes = [v.vote for v in meeting.current.votes.values()]
        tally = await current.locator(".tally").inner_text()
        for choice in ("for", "against", "abstain"):
            assert f"{choice.title()} {votes.count(choice)}" in tally
        await browser.close()
    assert errors == []
