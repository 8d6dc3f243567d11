"""Reading runs back never creates anything, and a wrong --db or -o is one clear line."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.support.cli import invoke


def _one_error(done) -> str:
    assert done.exit_code == 2, done.output
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    return lines[0]


@pytest.mark.parametrize("command", [("runs",), ("show", "last"), ("export", "last"),
                                     ("replay", "last", "--speed", "0"), ("compare", "a", "b")])
def test_a_missing_database_is_not_created(tmp_path: Path, command: tuple[str, ...]) -> None:
    db = tmp_path / "missing" / "nope.db"
    error = _one_error(invoke(*command, "--db", str(db)))
    assert f"{db}: no such database" in error and "fix:" in error
    assert list(tmp_path.iterdir()) == []


def test_a_database_that_is_not_one(tmp_path: Path) -> None:
    text = tmp_path / "notes.txt"
    text.write_text("hello, this is not SQLite\n" * 100, encoding="utf-8")
    assert f"{text}: not a townhall database" in _one_error(invoke("runs", "--db", str(text)))
    assert text.read_text(encoding="utf-8").startswith("hello")
    assert f"{tmp_path}: not a townhall database" in _one_error(invoke("runs", "--db", str(tmp_path)))


def test_a_database_from_a_newer_townhall(tmp_path: Path) -> None:
    db = tmp_path / "new.db"
    con = sqlite3.connect(db)
    con.execute("PRAGMA user_version = 999")
    con.close()
    error = _one_error(invoke("runs", "--db", str(db)))
    assert "written by a newer townhall" in error and "fix: upgrade townhall" in error


def test_export_into_a_missing_folder(cli_env: dict[str, str], tmp_path: Path) -> None:
    assert invoke("run", "Hello board", "--model", "history", "--speed", "0",
                  "--max-messages", "3", env=cli_env).exit_code == 0
    error = _one_error(invoke("export", "last", "-o", "/nonexistent/x.md", env=cli_env))
    assert "/nonexistent/x.md: cannot write" in error and "fix:" in error
