"""Each real export format imports into a valid pack whose personas behave like the people in it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

from agents.backends.pool import LLMPool
from agents.importers.builder import BuildOptions
from agents.importers.importer import import_pack, import_pack_async
from agents.packs import load_pack
from bot.platforms.terminal import TerminalPlatform, TranscriptPrinter
from bot.runs.session import run_session
from tests.support.export_samples import (
    PLANTED_EMAIL,
    PLANTED_PHONE,
    VOICES,
    csv_file,
    discord_export,
    jsonl_file,
    slack_export,
    twitter_archive,
)
from tests.support.processes import REPO

# ../shared beside the clone (CI); worktrees sit one level deeper, under wt/.
SLACK_FIXTURE = next(
    (
        p
        for base in (REPO.parent, REPO.parent.parent)
        if (p := base / "shared" / "fixtures" / "slack-export-sample.zip").is_file()
    ),
    REPO.parent / "shared" / "fixtures" / "slack-export-sample.zip",
)
OPTIONS = BuildOptions(min_posts=5, holdout=0.2)


def _import(source: Path, out: Path, kind: str | None = None, **options) -> object:
    return import_pack(
        source, out, kind=kind, options=BuildOptions(**{"min_posts": 5, "holdout": 0.2, **options})
    )


def _all_text(folder: Path) -> str:
    return "\n".join(f.read_text(encoding="utf-8") for f in folder.rglob("*") if f.is_file())


def _assert_clean(folder: Path) -> None:
    text = _all_text(folder)
    assert PLANTED_EMAIL not in text and "dana.k@" not in text
    assert PLANTED_PHONE not in text and "555 0134" not in text


def _holdout(folder: Path, pid: str) -> list[dict]:
    lines = (folder / "holdout" / f"{pid}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


@pytest.mark.parametrize("zipped", [True, False], ids=["zip", "folder"])
def test_twitter_archive(tmp_path: Path, zipped: bool) -> None:
    result = _import(twitter_archive(tmp_path, zipped=zipped), tmp_path / "pack")
    assert result.kind == "twitter"
    pack = load_pack(str(tmp_path / "pack"))
    (dana,) = pack.personas
    assert (dana.id, dana.name, dana.role) == ("dana_k", "Dana K", "@dana_k on X")
    # 13 tweets (12 her own, 1 retweet); the newest 20% of all of them is held out
    held = _holdout(tmp_path / "pack", "dana_k")
    assert len(held) == 2 and held[-1]["kind"] == "repost"
    assert dana.provenance.post_count + sum(row["kind"] != "repost" for row in held) == 12
    assert dana.stats["quotes"] == 1 and dana.stats["reposts"] == 0 and dana.stats["replies"] == 3
    assert dana.provenance.consent == "unknown" and dana.provenance.source.endswith(
        "twitter-archive.zip" if zipped else "twitter-archive"
    )
    assert dana.activity.emoji == ["❤️"]  # likes are her reactions
    assert dana.activity.reaction_propensity > 0.5  # 20 likes against 10 posts
    assert all(not ex.text.startswith("@") for ex in dana.examples)  # auto-added reply handles go
    assert not any(ex.text.startswith("RT @") for ex in dana.examples)
    _assert_clean(tmp_path / "pack")


def test_legacy_tweet_js_is_read(tmp_path: Path) -> None:
    result = _import(twitter_archive(tmp_path, legacy=True), tmp_path / "pack", min_posts=3)
    assert [b.persona.id for b in result.pack.personas] == ["dana_k"]


def test_discord_export(tmp_path: Path) -> None:
    result = _import(discord_export(tmp_path / "general.json"), tmp_path / "pack")
    assert result.kind == "discord"
    pack = load_pack(str(tmp_path / "pack"))
    by_id = {p.id: p for p in pack.personas}
    assert set(by_id) == {"dana", "raj", "mo"}  # the bot and the joiner are not people to imitate
    assert by_id["mo"].name == "Mo!"  # the server nickname is what the room saw
    assert by_id["mo"].activity.emoji == ["🔥"]
    assert by_id["mo"].activity.reaction_propensity > by_id["raj"].activity.reaction_propensity
    assert by_id["dana"].activity.talkativeness > by_id["mo"].activity.talkativeness
    assert by_id["raj"].stats["questions_per_post"] > 0.5
    assert "emoji-heavy" in by_id["mo"].traits
    assert pack.room.follows.get("mo")  # Mo reacts to Dana and Raj: the feed can use that
    assert set(pack.room.follows["mo"]) <= set(by_id)
    _assert_clean(tmp_path / "pack")


@pytest.mark.parametrize("zipped", [True, False], ids=["zip", "folder"])
def test_slack_export(tmp_path: Path, zipped: bool) -> None:
    result = _import(slack_export(tmp_path, zipped=zipped), tmp_path / "pack")
    assert result.kind == "slack"
    pack = load_pack(str(tmp_path / "pack"))
    by_id = {p.id: p for p in pack.personas}
    assert set(by_id) == {"dana", "raj", "mo"}
    assert by_id["raj"].stats["replies"] >= 3  # threaded messages are replies
    assert by_id["mo"].activity.emoji[0] in {"👍", "🎉"}  # shortcodes became emoji
    assert any("@dana" in ex.text for ex in by_id["raj"].examples)  # <@U01DANA> → @dana
    assert "deployed" not in _all_text(tmp_path / "pack")  # bot messages skipped
    assert "6045550100" not in _all_text(tmp_path / "pack")  # profiles never copied
    _assert_clean(tmp_path / "pack")


def test_real_slack_fixture(tmp_path: Path) -> None:
    if not SLACK_FIXTURE.is_file():
        pytest.skip(f"{SLACK_FIXTURE} is absent (CI clones shared/ beside the repo)")
    result = _import(SLACK_FIXTURE, tmp_path / "pack")
    pack = load_pack(str(tmp_path / "pack"))
    assert result.kind == "slack" and len(pack.personas) == 3
    assert pack.room.name.startswith("#enrique, #traveling-sailor")
    for persona in pack.personas:
        assert persona.provenance.date_range.startswith("2016-")
        assert persona.examples and persona.stats["posts"] == persona.provenance.post_count
    assert "6043544534" not in _all_text(tmp_path / "pack")  # a phone number in users.json


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_tabular(tmp_path: Path, kind: str) -> None:
    source = csv_file(tmp_path / "posts.csv") if kind == "csv" else jsonl_file(tmp_path / "p.jsonl")
    result = _import(source, tmp_path / "pack")
    assert result.kind == kind
    by_id = {p.id: p for p in load_pack(str(tmp_path / "pack")).personas}
    assert set(by_id) == {"dana", "raj", "mo"}
    assert by_id["dana"].stats["reactions_received_per_post"] > 2  # "👍:2 🎉" is three
    assert by_id["mo"].activity.emoji == ["🔥"]  # text-less rows are reactions given
    assert by_id["raj"].stats["replies"] == 4  # the held-out newest two include one reply
    _assert_clean(tmp_path / "pack")


def test_holdout_is_the_newest_slice(tmp_path: Path) -> None:
    _import(csv_file(tmp_path / "posts.csv"), tmp_path / "pack", holdout=0.25)
    dana = load_pack(str(tmp_path / "pack")).persona("dana")
    held = _holdout(tmp_path / "pack", "dana")
    assert len(held) == 3 and dana.provenance.post_count == 9
    newest_kept = dana.provenance.date_range.split(" – ")[1]
    assert all(row["date"][:10] >= newest_kept for row in held)
    assert {row["text"] for row in held}.isdisjoint(ex.text for ex in dana.examples)
    assert "held out" in dana.provenance.notes


def test_no_holdout_keeps_everything(tmp_path: Path) -> None:
    _import(csv_file(tmp_path / "posts.csv"), tmp_path / "pack", holdout=0)
    assert load_pack(str(tmp_path / "pack")).persona("dana").provenance.post_count == 12
    assert _holdout(tmp_path / "pack", "dana") == []


def test_min_posts_skips_quiet_people(tmp_path: Path) -> None:
    result = _import(csv_file(tmp_path / "posts.csv"), tmp_path / "pack", min_posts=10)
    assert [b.persona.id for b in result.pack.personas] == ["dana", "raj"]
    assert result.pack.skipped == 1


async def test_a_room_runs_with_every_imported_pack(
    tmp_path: Path, db_path: Path, fast_settings
) -> None:
    sources = {
        "twitter": twitter_archive(tmp_path),
        "discord": discord_export(tmp_path / "d.json"),
        "slack": slack_export(tmp_path),
        "csv": csv_file(tmp_path / "p.csv"),
        "jsonl": jsonl_file(tmp_path / "p.jsonl"),
    }
    for kind, source in sources.items():
        await import_pack_async(source, tmp_path / kind, options=OPTIONS)
        pack = load_pack(str(tmp_path / kind))
        console = Console(file=io.StringIO(), width=100)
        platform = TerminalPlatform(console, TranscriptPrinter(console, {}, {}), interactive=False)
        result = await run_session(
            pack,
            LLMPool("history"),
            db_path,
            fast_settings,
            platform,
            pitch="@dana what do you think of the new pricing page launch?",
        )
        counts = {t.name: t.messages for t in result.summary.per_participant.values()}
        assert result.summary.llm_errors == 0, kind
        assert sum(counts.values()) >= 2, (kind, counts)  # the pitch and at least one answer
        said = console.file.getvalue()
        assert any(line in said for lines in VOICES.values() for line in lines), kind
