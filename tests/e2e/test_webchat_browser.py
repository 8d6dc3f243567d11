"""The web chat in a real headless Chromium (Debian's), against a real server and a real room."""

from __future__ import annotations

import asyncio

import aiosqlite
import pytest

from tests.support.webchat import live_room

playwright = pytest.importorskip("playwright.async_api")

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
XSS = "<img src=x onerror=alert(1)>"
PITCH = f"We should spend $4M on a Super Bowl ad. @Marcus is it worth it? {XSS}"

pytestmark = pytest.mark.slow


async def _history(page) -> list[str]:
    """Each message as the reader sees it: author, quote, text and reaction chips."""
    return await page.evaluate("""() => [...document.querySelectorAll('#live-messages .msg')]
        .map((m) => [...m.querySelectorAll('.name, .quote, .text, .chip')]
            .map((part) => part.textContent).join(' | '))""")


async def test_a_pitch_gets_live_replies_and_reactions_in_a_real_browser(db_path):
    dialogs: list[str] = []
    script_errors: list[str] = []
    async with live_room(db_path, "history", speed=60, seed=0) as live, \
            playwright.async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = await browser.new_context(viewport={"width": 1280, "height": 800})
        page = await context.new_page()
        page.on("dialog", lambda d: dialogs.append(d.message))
        page.on("pageerror", lambda e: script_errors.append(str(e)))
        await page.goto(live.url)

        # The name is asked once, and remembered.
        await page.fill("#name-input", "Alex")
        await page.click("#name-form button[type=submit]")
        await page.evaluate("window.loadedOnce = true")  # gone if the page ever reloads
        composer = page.locator("#main-composer textarea")
        await composer.fill(PITCH)
        await composer.press("Enter")

        mine = page.locator("#live-messages .msg", has_text="Super Bowl ad").first
        await mine.wait_for()
        assert await mine.locator(".text").inner_text() == PITCH  # the markup shows as text
        assert await page.locator("#live-messages img").count() == 0
        assert await mine.locator(".mention").inner_text() == "@Marcus"

        # Persona replies (with the quoted pitch) and a reaction arrive without a reload.
        reply = page.locator("#live-messages .msg:has(.quote)").first
        await reply.wait_for(timeout=20_000)
        assert "Super Bowl" in await reply.locator(".quote-text").inner_text()
        await page.locator("#live-messages .chip").first.wait_for(timeout=20_000)
        assert await page.evaluate("window.loadedOnce") is True
        assert await composer.input_value() == ""

        # A second tab sees the same room live, and the human's own reaction reaches it.
        other = await context.new_page()
        await other.goto(live.url)
        await other.locator("#live-messages .msg", has_text="Super Bowl ad").first.wait_for()
        await mine.hover()
        await mine.locator("button[aria-label='Add a reaction']").click()
        await page.click("#emoji-picker button[title='React with 🎉']")
        chip = other.locator("#live-messages .msg", has_text="Super Bowl ad").first \
            .locator(".chip", has_text="🎉")
        await chip.wait_for()
        assert "Alex" in await chip.get_attribute("title")

        # Replying to a persona quotes it, in every tab.
        persona_text = await reply.locator(".text").inner_text()
        await reply.hover()
        await reply.locator("button[aria-label='Reply']").click()
        await composer.fill("Fair point — what would change your mind?")
        await composer.press("Enter")
        # Its own text, not the quotes of it in the replies that may already be there.
        answer = other.locator("#live-messages .msg", has=other.locator(
            ".text", has_text="what would change your mind"))
        await answer.wait_for()
        assert persona_text[:40] in await answer.locator(".quote-text").inner_text()

        # Too long: a visible error, and the text stays in the composer.
        await composer.fill("x" * 4001)
        await composer.press("Enter")
        error = page.locator("#main-composer .error")
        assert "limit is 4,000" in await error.inner_text()
        assert len(await composer.input_value()) == 4001
        await composer.fill("")

        # A tab whose socket drops catches up on reconnect: nothing missing, nothing twice.
        live.engine.pause()  # hold the personas still so the views can be compared
        await page.evaluate("conn.ws.close(4000)")
        other_composer = other.locator("#main-composer textarea")
        await other_composer.fill("Posted while the first tab was away.")
        await other_composer.press("Enter")
        await page.locator("#live-messages .msg", has_text="while the first tab").wait_for()
        await page.wait_for_timeout(300)
        assert await _history(page) == await _history(other)

        # A reloaded tab shows the same history.
        before = await _history(page)
        assert len(before) >= 4
        await page.reload()
        await page.locator("#live-messages .msg").nth(len(before) - 1).wait_for()
        await page.wait_for_timeout(200)
        assert await _history(page) == before
        assert await page.locator("#me-name").inner_text() == "Alex"
        await browser.close()
    assert dialogs == []  # nothing ever ran alert()
    assert script_errors == []


async def test_a_token_room_works_from_its_printed_url_and_hides_the_token(db_path):
    async with live_room(db_path, "history", speed=20, token="t0ken-for-test") as live, \
            playwright.async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = await browser.new_page()
        bare = await page.goto(live.url.split("?")[0])
        assert bare.status == 403
        await page.goto(live.url)
        await page.fill("#name-input", "Robin")
        await page.click("#name-form button[type=submit]")
        assert "token" not in page.url  # kept in an HttpOnly cookie, off the screen
        composer = page.locator("#main-composer textarea")
        await composer.fill("Token rooms still talk. @Sofia?")
        await composer.press("Enter")  # over the WebSocket, which checks the cookie
        await page.locator("#live-messages .msg", has_text="Token rooms").wait_for()
        await page.locator("#runs .run.is-live").wait_for()  # the API checks it too
        await browser.close()


async def test_a_past_run_opens_read_only_and_replays(db_path):
    async with live_room(db_path, pitch="An earlier pitch: @Tom, cloud costs?") as first:
        await asyncio.sleep(0.5)
        old_id = first.engine.run_id
    async with live_room(db_path, "history") as live, playwright.async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = await browser.new_context()
        await context.add_init_script("localStorage.setItem('townhall.name', 'Robin')")
        page = await context.new_page()
        await page.goto(live.url)
        await page.click("#runs .run:not(.is-live)")
        await page.locator("#replay-messages .system.end").wait_for()
        shown = await page.locator("#replay-messages .msg").count()
        async with aiosqlite.connect(db_path) as conn:
            (stored,) = await (await conn.execute(
                "SELECT COUNT(*) FROM messages WHERE run_id = ? AND thread_id IS NULL",
                (old_id,))).fetchone()
        assert shown == stored >= 2
        assert await page.locator("#main-composer").is_hidden()  # read-only
        assert "earlier pitch" in await page.locator("#title").inner_text()
        await page.click("#replay-controls button[data-speed='4']")
        await page.locator("#replay-messages .msg").first.wait_for()
        await page.click("#back-live")
        assert await page.locator("#main-composer").is_visible()
        await browser.close()
