"""The eval tests' data: the Chit-Chat corpus sample (MIT, docs/examples/chitchat), imported once."""

from __future__ import annotations

from pathlib import Path

import pytest

from agents.importers.builder import BuildOptions
from agents.importers.importer import import_pack
from tests.support.processes import REPO

SAMPLE = REPO / "docs" / "examples" / "chitchat" / "sample.jsonl"


@pytest.fixture(scope="session")
def pack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("eval") / "chitchat"
    import_pack(SAMPLE, out, options=BuildOptions(holdout=0.2))
    return out
