"""Text from posts, persona files and imports never reaches the operator's terminal as a control
sequence: an OSC 52 in a post could write the clipboard, a CSI could rewrite what is on screen."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

from rich.text import Text

from agents.packs import bundled_root
from agents.printable import printable
from bot.platforms.safe_console import SafeConsole
from tests.support.cli import invoke

OSC52 = "\x1b]52;c;cm0gLXJmIH4=\x07"  # "write `rm -rf ~` to the clipboard"
HOSTILE = f"hi{OSC52}\x1b[2J\x9b31m\u202eevil\r done"


def _board_with_helen_named(tmp_path: Path, name: str) -> Path:
    """A copy of the board pack whose Helen has `name` (YAML) instead of her own."""
    pack = tmp_path / "pack"
    shutil.copytree(bundled_root() / "board", pack)
    helen = pack / "helen.md"
    helen.write_text(helen.read_text(encoding="utf-8").replace("name: Helen Park", f"name: {name}"),
                     encoding="utf-8")
    return pack


def _clean(output: str) -> None:
    for raw in ("\x1b", "\x07", "\x9b", "\u202e", "\r"):
        assert raw not in output, repr(output)


def test_printable_keeps_text_and_shows_controls() -> None:
    assert printable("a\tb\nc\r\nd") == "a\tb\nc\nd"
    shown = printable(HOSTILE)
    _clean(shown)
    assert shown.startswith("hi␛]52;c;") and "evil" in shown and "done" in shown


def test_the_console_strips_controls_but_keeps_its_own_colours() -> None:
    out = io.StringIO()
    console = SafeConsole(file=out, force_terminal=True, color_system="truecolor")
    console.print(Text(HOSTILE, style="bold red"))
    console.print(f"[green]{HOSTILE}[/green]")
    written = out.getvalue()
    assert "\x1b[1;31m" in written  # rich's own style codes are still there
    assert "\x1b]52" not in written and "\x1b[2J" not in written and "\x07" not in written


def test_hostile_text_in_run_show_export_and_personas(cli_env: dict, tmp_path: Path) -> None:
    pack = _board_with_helen_named(tmp_path, '"Helen\\e]52;c;cm0=\\a Park"')
    for args in (
        ("run", HOSTILE, "--pack", str(pack), "--model", "history", "--speed", "0",
         "--max-messages", "6"),
        ("show", "last"),
        ("export", "last", "--format", "md"),
        ("personas", "show", "helen", "--pack", str(pack)),
        ("personas", "list", "--pack", str(pack)),
    ):
        done = invoke(*args, env=cli_env)
        assert done.exit_code == 0, done.output
        _clean(done.output)
    out = tmp_path / "run.md"
    assert invoke("export", "last", "-o", str(out), env=cli_env).exit_code == 0
    _clean(out.read_text(encoding="utf-8"))
    # JSON Lines keep the text exactly, escaped: the data survives, the terminal is safe
    done = invoke("export", "last", "--format", "jsonl", env=cli_env)
    _clean(done.output)
    posted = [json.loads(line) for line in done.stdout.splitlines()]
    assert any(e.get("text") == HOSTILE.replace("\r", "") or e.get("text") == HOSTILE
               for e in posted if e["type"] == "message")


def test_a_persona_name_is_text_not_console_markup(cli_env: dict, tmp_path: Path) -> None:
    pack = _board_with_helen_named(tmp_path, '"Helen [bold]Park[/bold]"')
    shown = invoke("personas", "show", "helen", "--pack", str(pack), env=cli_env)
    assert "Helen [bold]Park[/bold]" in shown.output
    listed = invoke("personas", "list", "--pack", str(pack), env={**cli_env, "COLUMNS": "200"})
    assert "Helen [bold]Park[/bold]" in listed.output
