"""Rooms of the meeting and feed scenarios in a real headless Chromium: they stay open, read-only,
after their run ends, and show the scenario's own view."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from bot.scenarios import make_scenario
from tests.e2e.test_webchat_browser import ARGS, CHROMIUM
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


async def test_a_meeting_room_stays_open_after_its_run_until_closed(db_path):
    meeting = make_scenario("meeting", minutes_per_item=2)
    async with live_room(db_path, "history", speed=0, pitch=AGENDA, policy=meeting) as live, \
            playwright.async_playwright() as pw:
        browser, page, errors = await _open(pw, live.url)
        banner = page.locator("#banner")
        await banner.filter(has_text="Run ended").wait_for(timeout=20_000)
        assert "meeting adjourned" in await banner.inner_text()
        assert "townhall fork" in await page.locator("#banner .fork-cmd").inner_text()
        assert await page.locator("#main-composer textarea").is_disabled()
        await page.wait_for_timeout(1500)
        assert not live.task.done()  # the run is over, the room is not
        await page.screenshot(path="/tmp/meeting_room.png")

        await page.click("#replay-ended")  # the ended run replays in the same page
        await page.locator("#replay-messages .msg").first.wait_for()
        await page.click("#back-live")
        assert await page.locator("#stop").inner_text() == "⏹ Close room"
        await page.click("#stop")
        result = await asyncio.wait_for(live.task, 15)
        assert result.reason == "meeting adjourned"
        await browser.close()
    assert errors == []
