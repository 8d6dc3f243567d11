"""The batch report: a self-contained page that renders in a real browser, and its JSON."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from agents.backends.fake import FakeLLM
from agents.backends.pool import LLMPool
from agents.packs import load_pack
from bot.batch.aggregate import aggregate
from bot.batch.report import to_html, to_json
from bot.batch.runner import LocalRunner
from bot.batch.stance import LexiconClassifier
from bot.transcript import Transcript
from tests.batch.test_batch import run_tiny
from tests.support.batch import ANA_NEGATIVE, plan, write_pack

CHROMIUM_ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


async def tiny_report(tmp_path, db_path):
    await run_tiny(tmp_path, db_path)
    async with Transcript(db_path) as t:
        return await aggregate(t.conn, "tiny1", LexiconClassifier(), backlash_threshold=2)


async def test_html_is_self_contained_and_escapes_quotes(tmp_path, db_path):
    report = await tiny_report(tmp_path, db_path)
    theme = report.variants[0].themes[0]
    theme.quotes[0] = replace(theme.quotes[0], text="<script>alert(1)</script>")
    page = to_html(report)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
    for outside in ('src="http', "href=\"http", "url(http", "@import", "<link", "<script"):
        assert outside not in page
    assert page.count("<svg") == 3
    data = json.loads(to_json(report))
    assert data["variants"][0]["backlash"]["estimate"] == 0.5
    assert data["variants"][0]["negative_per_run"] == [2, 1, 2, 1]
    assert data["variants"][1]["emoji"] == {"👍": 4}


@pytest.mark.slow
async def test_report_renders_in_chromium_with_its_plots(tmp_path, db_path):
    from playwright.async_api import async_playwright

    report = await tiny_report(tmp_path, db_path)
    path = tmp_path / "report.html"
    path.write_text(to_html(report), encoding="utf-8")
    outside: list[str] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path="/usr/bin/chromium",
                                          args=CHROMIUM_ARGS)
        page = await browser.new_page()
        page.on("request", lambda r: outside.append(r.url)
                if not r.url.startswith(("file:", "data:")) else None)
        await page.goto(path.as_uri())
        for name in ("distribution", "timeline", "heatmap"):
            box = await page.locator(f"figure[data-plot={name}] svg").bounding_box()
            assert box and box["width"] > 200 and box["height"] > 100, name
        # The plots carry their data: one bar per variant and count, the personas by name.
        assert await page.locator("figure[data-plot=heatmap] svg text", has_text="Ana Ito").count()
        assert await page.locator("figure[data-plot=distribution] svg text",
                                  has_text="P(backlash) 50%").count() == 1
        verdicts = await page.locator(".verdict").all_inner_texts()
        assert any(v.startswith("a: High backlash risk: in 50% of 4 runs") for v in verdicts)
        assert await page.get_by_text(ANA_NEGATIVE).count() >= 1
        await browser.close()
    assert outside == []


async def test_a_room_where_nobody_acts_still_reports(tmp_path, db_path):
    pack = load_pack(str(write_pack(tmp_path)))
    silent = LLMPool("fake", {"fake": FakeLLM([{"action": "ignore"}])})
    await LocalRunner(plan("quiet"), pack, silent, db_path).run()
    async with Transcript(db_path) as t:
        report = await aggregate(t.conn, "quiet", LexiconClassifier())
    assert [v.replies_per_run for v in report.variants] == [0.0, 0.0]
    assert all(v.backlash.estimate == 0 and v.reply_rate == 0 for v in report.variants)
    page = to_html(report)
    assert page.count("<svg") == 3 and "No persona replied or reacted" in page
