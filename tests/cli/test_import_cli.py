"""What a user types: import an export, look at a persona's card, run a room with the pack."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.support.export_samples import discord_export
from tests.support.processes import townhall_command


def _townhall(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*townhall_command(), *args], env=env, capture_output=True, text=True, timeout=120
    )


@pytest.mark.slow
def test_import_show_and_run(tmp_path: Path, cli_env: dict[str, str]) -> None:
    source = discord_export(tmp_path / "general.json")
    pack = tmp_path / "makers"
    done = _townhall(cli_env, "personas", "import", str(source), "--out", str(pack))
    assert done.returncode == 0, done.stderr
    assert "discord →" in done.stdout and "3 personas; skipped 1 (bots" in done.stdout

    card = _townhall(cli_env, "personas", "show", "raj", "--pack", str(pack))
    assert card.returncode == 0, card.stderr
    for expected in (
        "raj (raj)",
        "statistics",
        "questions per post 0.62",
        "consent: unknown",
        "discord export general.json",
        "2024-03-",
        "example posts",
    ):
        assert expected in card.stdout, expected

    check = _townhall(cli_env, "personas", "check", "--pack", str(pack))
    assert check.returncode == 0 and "3 personas" in check.stdout

    run = _townhall(
        cli_env,
        "run",
        "@raj should we raise prices next quarter?",
        "--pack",
        str(pack),
        "--model",
        "history",
        "--speed",
        "0",
        "--max-messages",
        "8",
    )
    assert run.returncode == 0, run.stderr
    assert "raj" in run.stdout and "run id" in run.stdout
