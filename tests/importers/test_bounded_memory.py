"""Tiny hostile files cannot make an import take unbounded memory: each runs in a real process
under an address-space limit, so a regression fails fast with MemoryError instead of eating RAM."""

from __future__ import annotations

import json
import resource
import subprocess
from pathlib import Path

from tests.support.export_samples import csv_file, discord_messages, tabular_rows
from tests.support.processes import townhall_command

LIMIT = 1024**3  # an import of a small file needs ~350 MB (the embedding model)


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


def _import_fails(tmp_path: Path, source: Path, cli_env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [*townhall_command(), "personas", "import", str(source), "--out", str(tmp_path / "pack"), *args],
        capture_output=True, text=True, env=cli_env, timeout=120, preexec_fn=_limited,
    )
    assert result.returncode == 2, result.stderr[-2000:]
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr[-2000:]
    assert not (tmp_path / "pack").exists()
    return lines[0]


def test_a_huge_reaction_count_is_refused(tmp_path: Path, cli_env: dict[str, str]) -> None:
    rows = tabular_rows()
    rows[-1] = {**rows[-1], "reactions": "👍:999999999999"}
    source = csv_file(tmp_path / "posts.csv", rows=rows)
    error = _import_fails(tmp_path, source, cli_env)
    assert f"posts.csv line {len(rows) + 1}" in error and "999999999999" in error


def test_deeply_nested_discord_json_is_refused(tmp_path: Path, cli_env: dict[str, str]) -> None:
    messages = json.dumps(discord_messages())[1:-1]
    depth = 1024**2  # 2 MB of brackets
    source = tmp_path / "general.json"
    source.write_text(
        '{"guild": {"name": "g"}, "channel": {"name": "general"}, "messages": ['
        + messages + ', {"id": "1", "extra": ' + "[" * depth + "]" * depth + "}]}",
        encoding="utf-8",
    )
    error = _import_fails(tmp_path, source, cli_env, "--kind", "discord")
    assert "general.json" in error and "nested" in error


def test_deeply_nested_jsonl_is_refused(tmp_path: Path, cli_env: dict[str, str]) -> None:
    source = tmp_path / "posts.jsonl"
    source.write_text(
        '{"author": "a", "text": "hi", "extra": ' + "[" * 100_000 + "]" * 100_000 + "}\n",
        encoding="utf-8",
    )
    error = _import_fails(tmp_path, source, cli_env)
    assert "posts.jsonl line 1" in error and "nested" in error


def test_an_endless_jsonl_line_is_refused(tmp_path: Path, cli_env: dict[str, str]) -> None:
    source = tmp_path / "posts.jsonl"
    source.write_text('{"author": "a", "text": "' + "x" * 200 * 1024**2 + '"}\n', encoding="utf-8")
    error = _import_fails(tmp_path, source, cli_env)
    assert "posts.jsonl line 1" in error and "longer than" in error
