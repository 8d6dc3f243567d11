"""Shared fixtures: a fresh database per test, the bundled board pack, and fast run settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from agents.packs import load_pack
from bot.engine.settings import RunSettings
from tests.support.processes import REPO

# Embedding vectors (agents.vector_cache) are kept for the test session's processes to share, not
# in the user's ~/.cache; subprocesses inherit the setting.
os.environ.setdefault("TOWNHALL_CACHE_DIR", str(REPO / ".pytest_cache" / "townhall"))
# pytest-xdist workers inherit COLUMNS=80, and a rich Console made at import (bot.cli's) keeps the
# width it saw then; the CLI tests give the width they want per command instead.
os.environ.pop("COLUMNS", None)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "townhall.db"


@pytest.fixture
def board():
    return load_pack("board")


@pytest.fixture
def fast_settings() -> RunSettings:
    return RunSettings(seed=7, speed=0)


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    env["TOWNHALL_DB"] = str(tmp_path / "cli.db")
    env["COLUMNS"] = "120"
    return env
