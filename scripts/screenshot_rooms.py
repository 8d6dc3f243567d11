"""Take docs/screenshot-meeting.png and docs/screenshot-feed.png from real runs in headless Chromium.

    PYTHONPATH=. python scripts/screenshot_rooms.py [--model history]

A board meeting on docs/examples/agenda.md and a 300-member feed with an ad, each run at full
speed: the pictures show the room after its run, as it stays open (agenda, tallies, minutes; the
timeline with the pinned ad and its reach).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

from playwright.async_api import async_playwright

sys.path.insert(0, str(Path(__file__).parent))
from screenshot import ARGS, CHROMIUM, room  # noqa: E402

from agents.packs import load_pack  # noqa: E402
from bot.runs.plan import seat  # noqa: E402
from bot.scenarios import make_scenario  # noqa: E402

AGENDA = Path("docs/examples/agenda.md")
AD = "Introducing Ledgerly Autopilot: your books close themselves at month-end. Try it free for 60 days."


async def shoot(platform, out: Path, scroll_to: str | None) -> None:
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        context = await browser.new_context(viewport={"width": 1440, "height": 900})
        await context.add_init_script("localStorage.setItem('townhall.name', 'Dana')")
        page = await context.new_page()
        await page.goto(platform.url)
        await page.locator("#banner", has_text="Run ended").wait_for(timeout=60_000)
        if scroll_to:
            await page.locator(scroll_to).first.scroll_into_view_if_needed()
        await page.wait_for_timeout(300)
        await page.screenshot(path=str(out))
        await browser.close()
    print(f"wrote {out}")


async def main(model: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "townhall.db"
        meeting = make_scenario("meeting", minutes_per_item=2)
        platform, task = await room(db, model, 0, AGENDA.read_text(), policy=meeting)
        await shoot(platform, Path("docs/screenshot-meeting.png"), ".divider.decision")
        platform.close_room()
        await task

        policy, personas = seat(load_pack("board"), "feed", {"hours": 12}, population=300, seed=3)
        platform, task = await room(db, model, 0, AD, seed=3, policy=policy, personas=personas)
        await shoot(platform, Path("docs/screenshot-feed.png"), None)
        platform.close_room()
        await task


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="history", help="model spec for the rooms")
    asyncio.run(main(parser.parse_args().model))
