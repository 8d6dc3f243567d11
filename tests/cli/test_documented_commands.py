"""Every command the README and docs/ show is run, and still works.

How commands are found is in doc_commands.py. Each page runs its commands in document order in
its own temporary folder (with a copy of docs/examples, so `--agenda docs/examples/agenda.md`
resolves) against its own fresh SQLite file (TOWNHALL_DB), so `townhall show last` sees the run
before it. Each command is one test, named by page and line; a command selected alone first runs
the commands above it on its page.

Commands run at 100 columns, the width the docs' sample output was captured at.

Each command must exit 0 (or the status a `<!-- doc-test: exit N -->` comment gives), and every
output line the doc shows under it must appear in what it printed: whitespace and table borders
do not count, `…` elides, and run ids, wall times and ports may differ (a run id shown in one
command's output is mapped to the real one for the commands after it). `RUN_A RUN_B` stand for
the two newest runs.

To stay fast and offline the harness changes some commands, and prints what it changed (`-s`):

- `run` and `demo` on the default embedded model (`local`) get `--model history`: the embedded
  model has its own end-to-end tests (tests/test_llm_local.py, tests/test_webchat_demo.py), and
  would take minutes here. Their shown output is then not checked (the words differ).
- headless `run`s get `--speed 0` and `replay` gets `--speed 0`: simulated time makes the
  transcript the same at any speed, so their output is still checked.
- live rooms (`demo`, `run --platform local`) get `--port 0` and `--max-seconds 1` (a shown
  `--max-seconds` up to 5 is kept); a room with a budget cut shorter is not output-checked.
- `batch --ray local` runs in a subprocess (a Ray cluster does not belong in the test process).

Commands that need an outside account (an Anthropic or OpenAI key, a model server, Discord or
Slack tokens, a Ray cluster) must sit in a block marked `<!-- doc-test: skip — reason -->`. They
are reported as skipped with that reason, but their arguments are still parsed against the CLI, so
a renamed option fails. An unmarked command that needs an account fails: no silent skips.
"""

from __future__ import annotations

import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from bot.cli import app
from tests.cli.doc_commands import (
    REPO,
    Command,
    blocks,
    commands,
    missing_lines,
    pages,
    shown_files,
    split_commands,
    unmarked_commands,
)

PAGES = pages()
COMMANDS = [command for page in PAGES for command in commands(page)]
LIVE_MAX_SECONDS = 5.0  # a live room shown with a longer --max-seconds is cut to 1 s
SECRETS = ("ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL",
           "DISCORD_BOT_TOKEN", "DISCORD_CHANNEL_ID", "DISCORD_PERSONA_TOKENS", "SLACK_BOT_TOKEN",
           "SLACK_APP_TOKEN", "SLACK_CHANNEL", "FORCE_COLOR", "TOWNHALL_LLM_CONCURRENCY")


# -- what the harness changes ---------------------------------------------------------------------


def option(args: list[str], name: str) -> str | None:
    for i, arg in enumerate(args):
        if arg == name and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def set_option(args: list[str], name: str, value: str) -> list[str]:
    out, i = [], 0
    while i < len(args):
        if args[i] == name:
            i += 2
            continue
        if args[i].startswith(name + "="):
            i += 1
            continue
        out.append(args[i])
        i += 1
    return [*out, name, value]


def needs_account(args: list[str]) -> str | None:
    model = option(args, "--model") or ""
    if model.startswith(("anthropic:", "openai:")):
        return f"--model {model} needs an API key or a model server"
    if args[:1] == ["run"] and option(args, "--platform") in {"discord", "slack"}:
        return f"--platform {option(args, '--platform')} needs bot tokens"
    if args[:1] == ["replay"] and option(args, "--to"):
        return f"replay --to {option(args, '--to')} needs bot tokens"
    if args[:1] == ["batch"] and option(args, "--ray") not in {None, "local"}:
        return f"--ray {option(args, '--ray')} needs a running Ray cluster"
    return None


@dataclass
class Plan:
    args: list[str]
    notes: list[str] = field(default_factory=list)
    check_output: bool = True
    subprocess: bool = False


def plan(args: list[str]) -> Plan:
    """The command as the harness runs it; see the module docstring for why."""
    p = Plan(list(args))
    verb = args[0] if args else ""
    live = verb == "demo" or (verb == "run" and option(args, "--platform") == "local")
    if verb in {"run", "demo"}:
        model = option(args, "--model")
        if model is None or model.split(":")[0] == "local":
            # The embedded model has its own end-to-end tests; here it would take minutes.
            p.args = set_option(p.args, "--model", "history")
            p.notes.append("model local → history (output not checked)")
            p.check_output = False
    if verb == "run" and not live and option(args, "--speed") is None:
        p.args = set_option(p.args, "--speed", "0")
        p.notes.append("--speed 0")
    if verb == "replay":
        p.args = set_option(p.args, "--speed", "0")
        p.notes.append("replay --speed 0")
    if live:
        p.args = set_option(p.args, "--port", "0")
        shown = option(args, "--max-seconds")
        if shown is None or float(shown) > LIVE_MAX_SECONDS:
            p.args = set_option(p.args, "--max-seconds", "1")
            p.notes.append("--port 0 --max-seconds 1")
            if shown is not None:
                p.check_output = False
        else:
            p.notes.append("--port 0")
    if verb == "batch" and option(args, "--ray") == "local":
        p.subprocess = True
    return p


def parse_only(args: list[str]) -> None:
    """Parse a command line against the CLI without running it: an unknown option, a missing
    argument or a bad value raises (typer's own click's UsageError/BadParameter)."""
    command = typer.main.get_command(app)
    ctx = None
    name = "townhall"
    while True:
        ctx = command.make_context(name, list(args), parent=ctx)
        if not hasattr(command, "resolve_command"):  # a command, not a group: parsed
            return
        name, command, args = command.resolve_command(ctx, [*ctx._protected_args, *ctx.args])


# -- running a page -------------------------------------------------------------------------------


@dataclass
class Outcome:
    exit_code: int
    output: str  # what a terminal would show (stdout and stderr)
    stdout: str
    seconds: float


class PageRun:
    """One page's commands, in order, sharing a folder, a database and the run-id map."""

    def __init__(self, page: str, root: Path) -> None:
        self.page = page
        self.root = root
        shutil.copytree(REPO / "docs" / "examples", root / "docs" / "examples")
        self.db = root / "townhall.db"
        self.ids: dict[str, str] = {}  # run id shown in the doc → the id the real run got
        self.done: set[str] = set()
        self.failures: dict[str, str] = {}

    def env(self) -> dict[str, str | None]:
        env: dict[str, str | None] = {name: None for name in SECRETS}
        env.update({"TOWNHALL_DB": str(self.db), "COLUMNS": "100", "NO_COLOR": "1"})
        return env

    def resolve(self, args: list[str]) -> list[str]:
        newest = []
        if {"RUN_A", "RUN_B"} & set(args) and self.db.exists():
            with sqlite3.connect(self.db) as conn:
                newest = [r[0] for r in conn.execute(
                    "SELECT id FROM runs ORDER BY started_at DESC LIMIT 2")]
        placeholders = dict(zip(["RUN_B", "RUN_A"], newest, strict=False))
        out = []
        for arg in args:
            arg = placeholders.get(arg, arg)
            for shown, real in self.ids.items():
                arg = arg.replace(shown, real)
            out.append(arg)
        return out

    def townhall(self, p: Plan, monkeypatch: pytest.MonkeyPatch) -> Outcome:
        started = time.perf_counter()
        if p.subprocess:
            env = {k: v for k, v in os.environ.items() if k not in SECRETS}
            env.update({k: v for k, v in self.env().items() if v is not None})
            env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
            done = subprocess.run([sys.executable, "-m", "bot", *p.args], cwd=self.root, env=env,
                                  capture_output=True, text=True, timeout=240)
            return Outcome(done.returncode, done.stdout + done.stderr, done.stdout,
                           time.perf_counter() - started)
        with monkeypatch.context() as m:
            m.chdir(self.root)
            result = CliRunner().invoke(app, p.args, env=self.env(), catch_exceptions=True)
        output = result.output
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            output += "".join(traceback.format_exception(result.exception))
        return Outcome(result.exit_code, output, result.stdout, time.perf_counter() - started)

    def sqlite(self, args: list[str]) -> Outcome:
        """`sqlite3 FILE "SQL"` as the sqlite3 shell prints it (list mode: `a|b|c`)."""
        started = time.perf_counter()
        file, sql = args[1], args[2]
        try:
            with sqlite3.connect(self.root / file) as conn:
                rows = conn.execute(sql).fetchall()
        except sqlite3.Error as exc:
            return Outcome(1, f"Error: {exc}\n", "", time.perf_counter() - started)
        text = "".join("|".join("" if v is None else str(v) for v in row) + "\n" for row in rows)
        return Outcome(0, text, text, time.perf_counter() - started)

    def run(self, command: Command, monkeypatch: pytest.MonkeyPatch) -> tuple[str, str]:
        """Run one command; returns (problem or '', what the harness did)."""
        self.done.add(command.id)
        if command.problems:
            return "; ".join(command.problems), ""
        args = self.resolve(command.argv[1:])
        if command.program == "sqlite3":
            outcome, p = self.sqlite(["sqlite3", *args]), Plan(args)
        else:
            account = needs_account(args)
            if account:
                return (f"{account}: mark its block with <!-- doc-test: skip — why --> or make it "
                        "run offline"), ""
            p = plan(args)
            outcome = self.townhall(p, monkeypatch)
        did = " ".join(p.notes)
        if outcome.exit_code != command.exit_code:
            return (f"exit status {outcome.exit_code}, the doc expects {command.exit_code}\n"
                    f"ran: {' '.join(p.args)}\n{outcome.output[-3000:]}"), did
        if command.stdout_to:
            (self.root / command.stdout_to).write_text(outcome.stdout, encoding="utf-8")
        if p.check_output and command.expected:
            shown = outcome.output if not command.stdout_to else outcome.output.replace(
                outcome.stdout, "")
            missing = missing_lines(command.expected, shown, self.ids)
            if missing:
                return ("output lacks what the doc shows:\n  " + "\n  ".join(missing)
                        + f"\nran: {' '.join(p.args)}\n--- output ---\n{outcome.output[-4000:]}"), did
        return "", f"{did} ({outcome.seconds:.1f}s)".strip()


_PAGE_RUNS: dict[str, PageRun] = {}


@pytest.fixture
def page_run(tmp_path_factory):
    def get(page: str) -> PageRun:
        if page not in _PAGE_RUNS:
            _PAGE_RUNS[page] = PageRun(page, tmp_path_factory.mktemp(Path(page).stem))
        return _PAGE_RUNS[page]
    return get


def test_the_docs_have_commands():
    assert {c.page for c in COMMANDS} >= {"README.md", "docs/running.md", "docs/batch.md"}
    assert len(COMMANDS) > 40


@pytest.mark.parametrize("command", COMMANDS, ids=[c.id for c in COMMANDS])
def test_documented_command(command: Command, page_run, monkeypatch):
    run = page_run(command.page)
    # Selected alone, a command first gets the commands above it on its page (`show last`).
    for earlier in COMMANDS:
        if earlier is command:
            break
        if earlier.page == command.page and earlier.id not in run.done and not earlier.skip:
            problem, _ = run.run(earlier, monkeypatch)
            if problem:
                run.failures[earlier.id] = problem
    if command.skip:
        if command.program == "townhall":
            try:
                parse_only(command.argv[1:])
            except Exception as exc:  # typer vendors click: its exceptions are not click's
                if not hasattr(exc, "format_message"):
                    raise
                pytest.fail(f"{command.id}: `{command.text}` does not parse: {exc.format_message()}",
                            pytrace=False)
        pytest.skip(f"{command.id}: {command.skip}")
    if command.id in run.done:
        problem = run.failures.get(command.id, "")
    else:
        problem, did = run.run(command, monkeypatch)
        if did:
            print(f"{command.id}: {did}")
    if problem:
        pytest.fail(f"{command.id}: `{command.text}`\n{problem}", pytrace=False)


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(REPO).as_posix() for p in PAGES])
def test_no_command_hides_in_an_unmarked_block(page: Path):
    """A command in a fence with no language would never be run: mark it bash or console."""
    assert unmarked_commands(page) == []


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(REPO).as_posix() for p in PAGES])
def test_a_shown_file_is_the_file(page: Path):
    for where, line, file, shown in shown_files(page):
        assert (REPO / file).read_text(encoding="utf-8") == shown, f"{where}:{line} shows {file}"


def _anchors(page: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    anchors, in_fence = set(), False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_fence = not in_fence
        elif not in_fence and line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            anchors.add("".join(c for c in title if c.isalnum() or c in " -_").replace(" ", "-"))
    return anchors


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(REPO).as_posix() for p in PAGES])
def test_relative_links_resolve(page: Path):
    broken = []
    text = page.read_text(encoding="utf-8")
    fenced = {n for b in blocks(page) for n, _ in b.lines}
    for number, line in enumerate(text.splitlines(), 1):
        if number in fenced:
            continue
        for target in re.findall(r"\]\(([^)\s]+)\)", re.sub(r"`[^`]*`", "", line)):
            if re.match(r"^[a-z]+:", target):
                continue  # http:, https:, mailto:
            path, _, anchor = target.partition("#")
            file = (page.parent / path).resolve() if path else page
            if not file.exists():
                broken.append(f"{number}: {target} (no such file)")
            elif anchor and file.suffix == ".md" and anchor not in _anchors(file):
                broken.append(f"{number}: {target} (no such heading)")
    assert broken == [], f"{page.relative_to(REPO)}: broken links"


# -- the harness itself ---------------------------------------------------------------------------


def test_command_lines_are_read_as_a_shell_would():
    simple, problems = split_commands(
        'CMAKE_ARGS=-X .venv/bin/pip install . && .venv/bin/townhall demo   # the main job')
    assert [words for words, _ in simple] == [["CMAKE_ARGS=-X", ".venv/bin/pip", "install", "."],
                                              [".venv/bin/townhall", "demo"]]
    simple, problems = split_commands(
        'townhall run "spend \\$2M, say \'hi\' #1" --as Dana | head -3 && townhall batch --json > r.json')
    assert simple == [(["townhall", "run", "spend $2M, say 'hi' #1", "--as", "Dana"], None),
                      (["townhall", "batch", "--json"], "r.json")]
    assert problems == []


def test_an_unescaped_dollar_is_rot():
    _, problems = split_commands('townhall run "We should spend $4M on an ad."')
    assert problems and "\\$4" in problems[0]
    assert split_commands("townhall run 'We should spend $4M on an ad.'")[1] == []
    assert split_commands('townhall run "It costs $ 4M"')[1] == []  # bash leaves a lone `$` be


def test_shown_output_matches_despite_ids_times_widths_and_elisions():
    ids: dict[str, str] = {}
    output = ("run 0123456789 · meeting adjourned\n┃ Tom Becker      ┃     7 ┃\n"
              "LLM calls 24 (0 failed) · wall 0.1s · run id \n0123456789\n")
    shown = [(1, "run 1c48e85f62 · meeting adjourned"), (2, "│ Tom Becker │ 7 │"), (3, "│ … │ │"),
             (4, "LLM calls 24 (0 failed) · wall 3.0s · run id 1c48e85f62")]
    assert missing_lines(shown, output, ids) == []
    assert ids == {"1c48e85f62": "0123456789"}
    assert missing_lines([(5, "LLM calls 25 …")], output, ids) == ["line 5: LLM calls 25 …"]


def test_a_skipped_command_still_has_to_parse():
    parse_only(["batch", "--variant", "a=x", "--ray", "auto", "--ray-workers", "2"])
    with pytest.raises(Exception, match="No such option: --ray-worker"):
        parse_only(["batch", "--variant", "a=x", "--ray-worker", "2"])
    with pytest.raises(Exception, match="valid integer"):
        parse_only(["batch", "--variant", "a=x", "--runs", "many"])
    with pytest.raises(Exception, match="No such command"):
        parse_only(["personas", "lst"])


def test_the_harness_swaps_the_embedded_model_and_bounds_live_rooms():
    assert plan(["run", "hi"]).args == ["run", "hi", "--model", "history", "--speed", "0"]
    assert not plan(["run", "hi"]).check_output
    assert plan(["demo", "--model", "history"]).args == [
        "demo", "--model", "history", "--port", "0", "--max-seconds", "1"]
    assert plan(["demo", "--model", "history", "--max-seconds", "5"]).check_output
    assert needs_account(["run", "--platform", "slack"]) and needs_account(["replay", "--to", "discord"])
