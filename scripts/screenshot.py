"""Take docs/screenshot.png from a real run: a real room, the real web chat, headless Chromium.

    PYTHONPATH=. python scripts/screenshot.py [--model history] [--out docs/screenshot.png]

It seats the board pack, holds a short earlier run (so "Past runs" is not empty), then joins the
live room as a human in the browser, pitches, replies to a persona and reacts, and captures the
page while someone is typing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
from pathlib import Path

from playwright.async_api import TimeoutError as PlaywrightTimeout
from playwright.async_api import async_playwright

from agents.backends.pool import LLMPool
from agents.packs import load_pack
from agents.persona import Persona
from bot.engine.policy import Policy
from bot.engine.settings import RunSettings
from bot.platforms.webchat import WebChatPlatform
from bot.runs.session import run_session

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
EARLIER = "Proposal: move the whole engineering org to a four-day week from Q3."
PITCH = ("I'd like to spend $4M of next year's marketing budget on a single Super Bowl ad. "
         "Brand awareness is our biggest gap. @Marcus @Priya — thoughts?")
FOLLOW_UP = "Fair. What would you need to see in the plan to say yes?"


async def room(db: Path, model: str, speed: float, pitch: str | None = None, *, seed: int = 4,
               policy: Policy | None = None, personas: list[Persona] | None = None):
    """Start a live room; returns (platform, its session task)."""
    urls: asyncio.Queue[str] = asyncio.Queue()
    platform = WebChatPlatform(port=0, announce=urls.put_nowait)
    settings = RunSettings(seed=seed, speed=speed, stop_when_quiet=False)
    task = asyncio.create_task(run_session(load_pack("board"), LLMPool(model), db, settings,
                                           platform, pitch=pitch, human_name="Dana",
                                           policy=policy, personas=personas))
    await asyncio.wait_for(urls.get(), 30)
    return platform, task


async def main(model: str, out: Path, speed: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "townhall.db"
        earlier, task = await room(db, model, 50, EARLIER)
        await asyncio.sleep(3)
        earlier.engine.request_stop("done")
        earlier.close_room()  # a web room outlives its run until closed
        await task

        platform, task = await room(db, model, speed)
        async with async_playwright() as pw:
            browser = await pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            context = await browser.new_context(viewport={"width": 1440, "height": 900},
                                                device_scale_factor=1)
            await context.add_init_script("localStorage.setItem('townhall.name', 'Dana')")
            page = await context.new_page()
            await page.goto(platform.url)
            composer = page.locator("#main-composer textarea")
            await composer.fill(PITCH)
            await composer.press("Enter")
            replies = page.locator("#live-messages .msg:not(:has(.tag))")
            await replies.nth(2).wait_for(timeout=60_000)
            first = replies.first
            await first.hover()
            await first.locator("button[aria-label='Reply']").click()
            await composer.fill(FOLLOW_UP)
            await composer.press("Enter")
            pitch = page.locator("#live-messages .msg", has_text="Super Bowl ad").first
            await pitch.hover()
            await pitch.locator("button[aria-label='Add a reaction']").click()
            await page.click("#emoji-picker button[title='React with 🚀']")
            await replies.nth(4).wait_for(timeout=60_000)
            await page.mouse.move(720, 880)
            with contextlib.suppress(PlaywrightTimeout):  # catch the room mid-thought if we can
                await page.locator("#typing b").first.wait_for(timeout=15_000)
            out.parent.mkdir(parents=True, exist_ok=True)
            await page.screenshot(path=str(out))
            await browser.close()
        platform.engine.request_stop("screenshot taken")
        platform.close_room()
        await task
    print(f"wrote {out}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="history", help="model spec for the room")
    parser.add_argument("--out", type=Path, default=Path("docs/screenshot.png"))
    parser.add_argument("--speed", type=float, default=3.0, help="pace of the room")
    args = parser.parse_args()
    asyncio.run(main(args.model, args.out, args.speed))
