"""The bundled packs are the product's first impression: they load, they are varied, they run."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from agents.backends.pool import LLMPool
from agents.packs import bundled_pack_names, load_pack
from bot.platforms.terminal import TerminalPlatform, TranscriptPrinter
from bot.runs.session import run_session
from tests.support.cli import invoke


def test_personas_check_validates_every_bundled_pack(cli_env: dict[str, str]) -> None:
    done = invoke("personas", "check", env=cli_env)
    assert done.exit_code == 0, done.stderr
    for name in ("board", "community", "focus-group"):
        assert f"ok  {name}:" in done.stdout
    assert set(bundled_pack_names()) >= {"board", "community", "focus-group"}


def test_community_is_varied() -> None:
    pack = load_pack("community")
    people = pack.personas
    assert 18 <= len(people) <= 24
    assert all(len(p.examples) >= 10 for p in people), [
        p.id for p in people if len(p.examples) < 10
    ]
    assert len({p.name for p in people}) == len(people) and len({p.color for p in people}) == len(
        people
    )
    talk = sorted(p.activity.talkativeness for p in people)
    assert talk[0] <= 0.1 and talk[-1] >= 0.6  # from lurker to power poster
    assert all(p.provenance.consent == "fictional" for p in people)
    examples = [e.text for p in people for e in p.examples]
    assert len(set(examples)) == len(examples)


def test_community_follows_refer_to_members() -> None:
    pack = load_pack("community")
    ids = {p.id for p in pack.personas}
    assert set(pack.room.follows) == ids  # everyone follows someone
    for who, whom in pack.room.follows.items():
        assert set(whom) <= ids and who not in whom and len(whom) == len(set(whom))
    followed = {w for whom in pack.room.follows.values() for w in whom}
    assert followed == ids  # and everyone is followed by someone


def test_focus_group() -> None:
    people = load_pack("focus-group").personas
    assert 8 <= len(people) <= 12
    assert all(len(p.examples) >= 6 and p.stances for p in people)
    assert len({p.role for p in people}) == len(people)


@pytest.mark.parametrize("name", ["community", "focus-group"])
async def test_bundled_pack_runs_a_room(name: str, db_path, fast_settings) -> None:
    console = Console(file=io.StringIO(), width=100)
    platform = TerminalPlatform(console, TranscriptPrinter(console, {}, {}), interactive=False)
    result = await run_session(
        load_pack(name),
        LLMPool("history"),
        db_path,
        fast_settings,
        platform,
        pitch="Our new oat-milk ice cream: $6.99 a pint, 100% recyclable tub.",
    )
    spoke = [t for t in result.summary.per_participant.values() if t.messages and t.name != "You"]
    assert spoke and result.summary.llm_errors == 0
