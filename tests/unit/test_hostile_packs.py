"""A hostile or broken pack ends in one error line naming the file, before anything expands."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.packs import PackError, bundled_root, load_pack, load_persona_file
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


@pytest.mark.parametrize("deep", ["[" * 5000 + "]" * 5000, "{a: " * 3000 + "1" + "}" * 3000])
def test_deep_nesting_is_refused(pack: Path, deep: str) -> None:
    (pack / "deep.md").write_text(f"---\nid: deep\nname: D\nrole: r\nstats: {{x: {deep}}}\n---\n",
                                  encoding="utf-8")
    with pytest.raises(PackError, match=r"deep\.md: nested more than 32 deep at line 5"):
        load_pack(str(pack))


def test_aliases_in_room_yaml_are_refused(pack: Path) -> None:
    (pack / "room.yaml").write_text("name: &n Board\ntopic: *n\n", encoding="utf-8")
    with pytest.raises(PackError, match=r"room\.yaml: YAML aliases"):
        load_pack(str(pack))


@pytest.mark.parametrize("key", ["0", "1.5", "null", "true"])
def test_a_field_name_that_is_not_a_word(pack: Path, key: str) -> None:
    (pack / "odd.md").write_text(f"---\nid: odd\nname: O\nrole: r\n{key}: 1\n---\n", encoding="utf-8")
    with pytest.raises(PackError, match=r"odd\.md: the field name .* is not a word"):
        load_pack(str(pack))


def test_a_folder_named_like_a_persona_file_is_skipped(pack: Path) -> None:
    (pack / "x.md").mkdir()
    assert len(load_pack(str(pack)).personas) == 7


def test_room_yaml_that_is_not_utf8(pack: Path) -> None:
    (pack / "room.yaml").write_bytes("name: Caf\u00e9\n".encode("cp1252"))
    with pytest.raises(PackError, match=r"room\.yaml: not UTF-8 text — fix: save the file as UTF-8"):
        load_pack(str(pack))


_YAMLISH = st.text(alphabet=st.sampled_from(list("abcdeimnorst: -[]{}&*!|>'\"#\n\t,0123456789.%@\x00é😀")),
                   max_size=120)
_FIELDS = st.dictionaries(st.sampled_from(["id", "name", "role", "activity", "examples", "stats",
                                           "interests", "color", "provenance", "talkativeness"]),
                          st.recursive(st.none() | st.booleans() | st.floats() | st.text(max_size=6),
                                       lambda inner: st.lists(inner, max_size=3)
                                       | st.dictionaries(st.text(max_size=4), inner, max_size=3),
                                       max_leaves=10), max_size=6)


@settings(max_examples=200, deadline=None)
@given(st.one_of(_YAMLISH.map(lambda t: f"---\n{t}\n---\nbio\n"),
                 _FIELDS.map(lambda d: f"---\n{json.dumps(d)}\n---\n"),
                 st.binary(max_size=80).map(lambda b: b"---\n" + b + b"\n---\n")))
def test_any_persona_file_is_a_persona_or_one_pack_error(text: str | bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "p.md"
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            load_persona_file(path)
        except PackError as exc:
            assert str(exc).startswith(str(path)) and "\n" not in str(exc)
