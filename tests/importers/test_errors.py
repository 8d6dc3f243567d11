"""Bad and hostile exports end in one clear error line, and nothing is written."""

from __future__ import annotations

import dataclasses
import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from agents.importers.builder import BuildOptions
from agents.importers.history import ImportFailed
from agents.importers.importer import import_pack
from agents.importers.pack_writer import write_pack
from bot.cli import app
from tests.support.export_samples import csv_file, discord_export, slack_export, tabular_rows

runner = CliRunner()


def _fails(tmp_path: Path, *args: str) -> str:
    """Run an import that must fail; return its one error line after checking nothing was left."""
    before = set(tmp_path.iterdir())
    result = runner.invoke(
        app, ["personas", "import", *map(str, args), "--out", str(tmp_path / "pack")]
    )
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert set(tmp_path.iterdir()) == before  # no pack, no half-written temp folder
    return lines[0]


def _ok(tmp_path: Path, *args: str) -> None:
    result = runner.invoke(
        app, ["personas", "import", *map(str, args), "--out", str(tmp_path / "pack")]
    )
    assert result.exit_code == 0, result.output + result.stderr


def test_zip_bomb_is_refused_before_inflating(tmp_path: Path) -> None:
    bomb = tmp_path / "export.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("users.json", "[]")
        zf.writestr("channels.json", "[]")
        zf.writestr("general/2024-01-01.json", b"[" + b" " * (64 * 1024**2) + b"]")
    assert bomb.stat().st_size < 200_000
    error = _fails(tmp_path, bomb)
    assert "zip bomb" in error and "general/2024-01-01.json" in error


def test_huge_file_hits_the_size_cap(tmp_path: Path) -> None:
    huge = tmp_path / "everything.csv"
    with huge.open("wb") as handle:  # sparse: 2 GB on paper, nothing on disk
        handle.write(b"author,text\n")
        handle.truncate(2 * 1024**3)
    error = _fails(tmp_path, huge)
    assert "2.0 GB" in error and "512.0 MB size limit" in error and "--max-size" in error


def test_the_size_cap_can_be_raised(tmp_path: Path) -> None:
    source = csv_file(tmp_path / "posts.csv")
    error = _fails(tmp_path, source, "--max-size", "1K")
    assert "1.0 KB size limit" in error
    _ok(tmp_path, source, "--max-size", "1M")


def test_many_medium_files_past_the_cap_are_refused_before_any_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    one = discord_export(folder / "general.json")
    for i in range(4):
        (folder / f"channel{i}.json").write_bytes(one.read_bytes())
    each = one.stat().st_size
    error = _fails(tmp_path, folder, "--kind", "discord", "--max-size", str(3 * each))
    assert "the 5 files to read hold" in error and "--max-size" in error
    _ok(tmp_path, folder, "--kind", "discord", "--max-size", str(6 * each))


def test_broken_json_names_the_place(tmp_path: Path) -> None:
    whole = discord_export(tmp_path / "general.json").read_text(encoding="utf-8")
    (tmp_path / "general.json").write_text(whole[: len(whole) // 2], encoding="utf-8")
    error = _fails(tmp_path, tmp_path / "general.json", "--kind", "discord")
    last_line = whole[: len(whole) // 2].count("\n") + 1
    assert f"general.json: broken JSON by line {last_line} (" in error


def test_broken_jsonl_line(tmp_path: Path) -> None:
    source = tmp_path / "posts.jsonl"
    source.write_text('{"author": "a", "text": "hi"}\n{"author": "b", "text": \n', encoding="utf-8")
    assert "posts.jsonl line 2: broken JSON" in _fails(tmp_path, source)


def test_wrong_encoding_says_how_to_fix_it(tmp_path: Path) -> None:
    rows = [
        {**row, "text": row["text"] + " café", "reactions": ""}
        for row in tabular_rows()
        if row["text"] and all(ord(ch) < 256 for ch in row["text"])
    ]
    source = csv_file(tmp_path / "posts.csv", encoding="cp1252", rows=rows)
    error = _fails(tmp_path, source)
    assert "not UTF-8 text" in error and "--encoding cp1252" in error
    _ok(tmp_path, source, "--encoding", "cp1252")
    assert "café" in (tmp_path / "pack" / "dana.md").read_text(encoding="utf-8")


def test_utf16_with_a_bom_just_works(tmp_path: Path) -> None:
    _ok(tmp_path, csv_file(tmp_path / "posts.csv", encoding="utf-16"))


@pytest.mark.parametrize("content", ["", "author,text\n"], ids=["empty", "header-only"])
def test_empty_csv(tmp_path: Path, content: str) -> None:
    (tmp_path / "posts.csv").write_text(content, encoding="utf-8")
    error = _fails(tmp_path, tmp_path / "posts.csv")
    assert (
        ("missing column author and text" in error) if not content else ("no posts found" in error)
    )


def test_export_without_messages(tmp_path: Path) -> None:
    error = _fails(tmp_path, slack_export(tmp_path, with_messages=False))
    assert "no posts found" in error


def test_too_few_posts_suggests_the_fix(tmp_path: Path) -> None:
    error = _fails(tmp_path, csv_file(tmp_path / "posts.csv"), "--min-posts", "50")
    assert "nobody has 50 posts (the most is 12, by dana)" in error and "--min-posts" in error


def test_missing_columns(tmp_path: Path) -> None:
    (tmp_path / "posts.csv").write_text("user,message\nann,hello\n", encoding="utf-8")
    error = _fails(tmp_path, tmp_path / "posts.csv")
    assert "missing column author and text (found: user, message)" in error


def test_unrecognised_export(tmp_path: Path) -> None:
    (tmp_path / "notes.json").write_text(json.dumps({"hello": "world"}), encoding="utf-8")
    assert "cannot tell what kind of export" in _fails(tmp_path, tmp_path / "notes.json")


def test_damaged_zip(tmp_path: Path) -> None:
    archive = slack_export(tmp_path)
    data = bytearray(archive.read_bytes())
    data[200:260] = b"\x00" * 60  # inside the first member's compressed data
    archive.write_bytes(bytes(data))
    error = _fails(tmp_path, archive)
    assert "slack-export.zip" in error


def test_bad_date(tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text(
        "author,text,timestamp\nann,hi,last tuesday\n", encoding="utf-8"
    )
    assert "p.csv line 2: cannot read the date 'last tuesday'" in _fails(
        tmp_path, tmp_path / "p.csv"
    )


def test_missing_source_and_endless_devices(tmp_path: Path) -> None:
    assert "no such file or folder" in _fails(tmp_path, tmp_path / "nope.zip")
    assert "not a regular file" in _fails(tmp_path, "/dev/zero", "--kind", "jsonl")


def test_existing_pack_is_not_overwritten_without_force(tmp_path: Path) -> None:
    source = csv_file(tmp_path / "posts.csv")
    _ok(tmp_path, source)
    first = (tmp_path / "pack" / "dana.md").read_text(encoding="utf-8")
    assert "already exists" in _fails(tmp_path, source, "--holdout", "0")
    assert (tmp_path / "pack" / "dana.md").read_text(encoding="utf-8") == first
    _ok(tmp_path, source, "--holdout", "0", "--force")
    assert (tmp_path / "pack" / "dana.md").read_text(encoding="utf-8") != first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pack", "posts.csv"]


def test_bad_holdout_and_model(tmp_path: Path) -> None:
    source = csv_file(tmp_path / "posts.csv")
    assert "--holdout 1.0: must be at least 0 and below 1" in _fails(
        tmp_path, source, "--holdout", "1"
    )
    assert "unknown model 'gpt-nine'" in _fails(tmp_path, source, "--model", "gpt-nine")
    assert "cannot write structured profiles" in _fails(tmp_path, source, "--model", "history")


def test_a_failure_while_writing_leaves_nothing(tmp_path: Path) -> None:
    """A write that fails half-way (here: a file that cannot be created) removes the staged pack."""
    result = import_pack(
        csv_file(tmp_path / "posts.csv"), tmp_path / "good", options=BuildOptions()
    )
    first, *rest = result.pack.personas
    unwritable = dataclasses.replace(first, persona=first.persona.model_copy(update={"id": "x/y"}))
    broken = dataclasses.replace(result.pack, personas=[*rest, unwritable])
    with pytest.raises(ImportFailed, match="cannot write the pack"):
        write_pack(tmp_path / "bad", broken, "csv", "unknown", force=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good", "posts.csv"]


def test_a_reaction_count_that_is_not_a_number(tmp_path: Path) -> None:
    root = json.loads(discord_export(tmp_path / "general.json").read_text(encoding="utf-8"))
    root["messages"][0]["reactions"] = [{"emoji": {"name": "🔥"}, "count": "lots", "users": []}]
    (tmp_path / "general.json").write_text(json.dumps(root), encoding="utf-8")
    error = _fails(tmp_path, tmp_path / "general.json", "--kind", "discord")
    assert "general.json message 1 reaction count: the count 'lots' is not a whole number" in error


@pytest.mark.parametrize("stamp", ["1e400", 1e300, "-1e20", "nan"])
def test_a_timestamp_out_of_range(tmp_path: Path, stamp: object) -> None:
    source = tmp_path / "posts.jsonl"
    source.write_text(
        json.dumps({"author": "a", "text": "hi", "timestamp": stamp}) + "\n", encoding="utf-8"
    )
    assert "posts.jsonl line 1: cannot read the date" in _fails(tmp_path, source)


def test_force_never_replaces_a_file_with_a_pack(tmp_path: Path) -> None:
    source = csv_file(tmp_path / "posts.csv")
    (tmp_path / "pack").write_text("my notes", encoding="utf-8")
    error = _fails(tmp_path, source, "--force")
    assert "pack: is a file, not a pack folder" in error and "--out" in error
    assert (tmp_path / "pack").read_text(encoding="utf-8") == "my notes"
