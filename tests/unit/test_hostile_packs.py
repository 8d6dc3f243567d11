"""A hostile or broken pack ends in one error line naming the file, before anything expands."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from agents.packs import PackError, bundled_root, load_pack
from tests.support.cli import invoke

# Nine levels of ten: a billion "lol"s once expanded, in 1.7 KB.
_LAUGHS = "".join(
    f"  l{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 10)}]\n" for n in range(1, 10)
)
ALIAS_BOMB = f"---\nid: lol\nname: Lol\nrole: bomb\nstats:\n  l0: &l0 lol\n{_LAUGHS}---\n"


@pytest.fixture
def pack(tmp_path: Path) -> Path:
    folder = tmp_path / "pack"
    shutil.copytree(bundled_root() / "board", folder)
    return folder


def test_a_yaml_alias_bomb_is_refused(pack: Path) -> None:
    (pack / "lol.md").write_text(ALIAS_BOMB, encoding="utf-8")
    assert len(ALIAS_BOMB) < 2000
    with pytest.raises(PackError, match=r"lol\.md: YAML aliases \(\*name\) are not allowed"):
        load_pack(str(pack))
    result = invoke("personas", "check", "--pack", str(pack))
    assert result.exit_code == 1 and "lol.md" in result.output


def test_aliases_in_room_yaml_are_refused(pack: Path) -> None:
    (pack / "room.yaml").write_text("name: &n Board\ntopic: *n\n", encoding="utf-8")
    with pytest.raises(PackError, match=r"room\.yaml: YAML aliases"):
        load_pack(str(pack))


def test_a_folder_named_like_a_persona_file_is_skipped(pack: Path) -> None:
    (pack / "x.md").mkdir()
    assert len(load_pack(str(pack)).personas) == 7


def test_room_yaml_that_is_not_utf8(pack: Path) -> None:
    (pack / "room.yaml").write_bytes("name: Caf\u00e9\n".encode("cp1252"))
    with pytest.raises(PackError, match=r"room\.yaml: not UTF-8 text — fix: save the file as UTF-8"):
        load_pack(str(pack))
