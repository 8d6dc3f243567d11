"""Find the commands in README.md and docs/*.md, and check what the docs say they print.

Used by test_documented_commands.py. Only fenced blocks marked ```bash, ```sh, ```shell or
```console are read. In bash/sh blocks every line is a command; in console blocks a line starting
with `$ ` is a command and the lines under it are its output. From each command line the
`townhall …` commands (also `.venv/bin/townhall …`) and `sqlite3 FILE "SQL"` queries are taken;
everything else (pip, bash .ci/run, python bench/…, pytest, sed) is left alone.

An HTML comment on the line right before a block tells the test about it:

    <!-- doc-test: skip — needs an Anthropic API key -->   the block needs an outside account
    <!-- doc-test: exit 1 -->                             its commands exit with this status
    <!-- doc-test: file docs/examples/my-pack/priya.md --> the block shows that file, verbatim
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
COMMAND_LANGS = {"bash", "sh", "shell", "console"}
DIRECTIVE = re.compile(r"^<!--\s*doc-test:\s*(?P<kind>skip|exit|file)\b\s*[—:-]?\s*(?P<arg>.*?)\s*-->$")
# Words bash expands after an unescaped `$` (a `$` before a space or a quote stays a `$`).
EXPANDS = re.compile(r"[A-Za-z0-9_{(?!#@*$-]")
# Table and panel borders: compared without them, so a cell's padding does not matter.
BOX = re.compile(r"[│┃┏┓┗┛┡┩┣┫┳┻╇╋┼┬┴├┤┌┐└┘═║╔╗╚╝╭╮╰╯━]")
RULE_ENDS = re.compile(r"^─+\s*|\s*─+$")
RUN_ID = re.compile(r"\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{10}\b")
# What differs from one run to the next however deterministic the room is.
VOLATILE = re.compile(r"…|wall \d+(?:\.\d+)?s|ETA [-\d:]+|127\.0\.0\.1:\d+|" + RUN_ID.pattern)


def pages() -> list[Path]:
    return [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]


@dataclass
class Block:
    page: str
    line: int  # 1-based line of the opening fence
    lang: str
    lines: list[tuple[int, str]]  # (line number, text) of the body
    skip: str | None = None
    exit_code: int = 0
    shows_file: str | None = None


@dataclass
class Command:
    page: str
    line: int
    text: str  # the command as the doc writes it (continuations joined)
    argv: list[str]  # program name first
    skip: str | None = None
    exit_code: int = 0
    expected: list[tuple[int, str]] = field(default_factory=list)  # (doc line, output line)
    stdout_to: str | None = None  # `> FILE`
    problems: list[str] = field(default_factory=list)  # things a shell would do differently
    nth: int = 1  # the second townhall command of a `a && b` line is nth 2

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}" + (f"#{self.nth}" if self.nth > 1 else "")

    @property
    def program(self) -> str:
        return "townhall" if Path(self.argv[0]).name == "townhall" else self.argv[0]


def blocks(page: Path) -> list[Block]:
    """Every fenced block of a page, with the doc-test directive (if any) right above it."""
    rel = page.relative_to(REPO).as_posix()
    lines = page.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        fence = re.match(r"^(```+)\s*([\w+-]*)", lines[i])
        if not fence:
            i += 1
            continue
        start, lang, body = i, fence.group(2).lower(), []
        i += 1
        while i < len(lines) and not lines[i].startswith(fence.group(1)):
            body.append((i + 1, lines[i]))
            i += 1
        block = Block(rel, start + 1, lang, body)
        above = lines[start - 1].strip() if start > 0 else ""
        if above.startswith("<!--") and "doc-test" in above:
            directive = DIRECTIVE.match(above)
            if directive is None:
                raise ValueError(f"{rel}:{start}: cannot read this doc-test comment: {above}")
            kind, arg = directive.group("kind"), directive.group("arg")
            if kind == "skip":
                if not arg:
                    raise ValueError(f"{rel}:{start}: a doc-test skip needs a reason")
                block.skip = arg
            elif kind == "exit":
                block.exit_code = int(arg)
            else:
                block.shows_file = arg
        found.append(block)
        i += 1
    return found


def unmarked_commands(page: Path) -> list[str]:
    """Commands hidden in a fence without a language, where nothing would run them."""
    return [f"{b.page}:{n}: {text.strip()}" for b in blocks(page) if not b.lang
            for n, text in b.lines if re.match(r"^\s*(\$ )?(\S*/)?townhall\s", text)]


def _logical_lines(body: list[tuple[int, str]]) -> list[tuple[int, str, bool]]:
    """Join `\\` continuations; returns (first line, text, is a continuation of a command)."""
    joined: list[tuple[int, str, bool]] = []
    pending: tuple[int, str] | None = None
    for number, text in body:
        if pending is not None:
            line, so_far = pending
            text = so_far + " " + text.strip()
            number = line
        if text.rstrip().endswith("\\") and not text.rstrip().endswith("\\\\"):
            pending = (number, text.rstrip()[:-1].rstrip())
            continue
        joined.append((number, text, pending is not None))
        pending = None
    if pending is not None:
        joined.append((pending[0], pending[1], True))
    return joined


def shell_clean(line: str) -> tuple[str, list[str]]:
    """Strip a trailing comment and undo the escapes bash undoes inside double quotes, so shlex
    reads the words bash would; report every `$` that bash would expand (`"$4M"` is `"M"`)."""
    out: list[str] = []
    problems: list[str] = []
    quote: str | None = None
    i = 0
    while i < len(line):
        c = line[i]
        nxt = line[i + 1] if i + 1 < len(line) else ""
        if quote == "'":
            quote = None if c == "'" else quote
        elif c == "\\" and nxt:
            if quote == '"' and nxt in "$`":
                out.append(nxt)  # shlex keeps the backslash here; bash does not
                i += 2
                continue
            out.append(c + nxt)
            i += 2
            continue
        elif c == "$" and EXPANDS.match(nxt):
            problems.append(f"unescaped ${nxt}… expands in the shell — fix: write \\${nxt} or use "
                            "single quotes")
        elif c == "`":
            problems.append("a backquote runs a command in the shell — fix: escape it or use "
                            "single quotes")
        elif quote == '"':
            quote = None if c == '"' else quote
        elif c in "'\"":
            quote = c
        elif c == "#" and (i == 0 or line[i - 1].isspace()):
            break  # a comment
        out.append(c)
        i += 1
    return "".join(out).rstrip(), problems


def split_commands(line: str) -> tuple[list[tuple[list[str], str | None]], list[str]]:
    """A command line → its simple commands as (argv with env assignments, `> file`), in order;
    only the first command of a pipeline is kept (what follows a `|` filters its output)."""
    clean, problems = shell_clean(line)
    lexer = shlex.shlex(clean, posix=True, punctuation_chars="&|;<>")
    lexer.whitespace_split = True
    lexer.commenters = ""
    simple: list[tuple[list[str], str | None]] = []
    words: list[str] = []
    redirect: str | None = None
    in_pipe = False
    tokens = list(lexer)
    k = 0
    while k <= len(tokens):
        token = tokens[k] if k < len(tokens) else "&&"
        if token in {"&&", "||", ";", "&"}:
            if words and not in_pipe:
                simple.append((words, redirect))
            words, redirect, in_pipe = [], None, False
        elif token == "|":
            if words and not in_pipe:
                simple.append((words, redirect))
            words, redirect, in_pipe = [], None, True
        elif token in {">", ">>"}:
            redirect = tokens[k + 1] if k + 1 < len(tokens) else None
            k += 1
        else:
            words.append(token)
        k += 1
    return simple, problems


def commands(page: Path) -> list[Command]:
    """The townhall and sqlite3 commands of a page, in document order."""
    found: list[Command] = []
    for block in blocks(page):
        if block.lang not in COMMAND_LANGS:
            continue
        console = block.lang == "console"
        current: list[Command] = []  # the commands of the last command line (output goes to the last)
        for number, text, _ in _logical_lines(block.lines):
            if console and not text.startswith("$ "):
                if current and text.strip():
                    current[-1].expected.append((number, text))
                continue
            text = text[2:] if console else text
            if not text.strip() or text.lstrip().startswith("#"):
                current = []
                continue
            simple, problems = split_commands(text)
            current = []
            for words, redirect in simple:
                while words and re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", words[0]):
                    words = words[1:]  # VAR=value before the program
                if not words:
                    continue
                if Path(words[0]).name in {"townhall", "sqlite3"}:
                    current.append(Command(block.page, number, text.strip(), words, block.skip,
                                           block.exit_code, stdout_to=redirect,
                                           problems=list(problems), nth=len(current) + 1))
            found.extend(current)
    return found


def shown_files(page: Path) -> list[tuple[str, int, str, str]]:
    """(page, line, file, shown text) for every block marked `doc-test: file PATH`."""
    return [(b.page, b.line, b.shows_file, "".join(t + "\n" for _, t in b.lines))
            for b in blocks(page) if b.shows_file]


# -- expected output ------------------------------------------------------------------------------


def normalize(text: str) -> str:
    return " ".join(BOX.sub(" ", text).split())


def key_lines(expected: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The output lines worth checking: not `…` elisions, not borders; rules' dashes trimmed."""
    keep = []
    for number, text in expected:
        line = normalize(RULE_ENDS.sub("", text.strip()))
        if line.strip("─ ") and line != "…":
            keep.append((number, line))
    return keep


def line_pattern(line: str, ids: dict[str, str]) -> re.Pattern[str]:
    """A shown line as a regex over the whitespace-normalized output: `…` elides anything, wall
    times, ETAs and ports are any number, and a run id matches the id the real run got."""
    parts: list[str] = []
    position = 0
    for volatile in VOLATILE.finditer(line):
        parts.append(re.escape(line[position:volatile.start()]))
        token = volatile.group()
        if token == "…":
            parts.append(".*?")
        elif RUN_ID.fullmatch(token):
            if token in ids:
                parts.append(re.escape(ids[token]))
            else:
                parts.append(f"(?P<id_{token}>[0-9a-f]{{10}})" if f"id_{token}" not in "".join(parts)
                             else f"(?P=id_{token})")
        elif token.startswith("wall"):
            parts.append(r"wall \d+(?:\.\d+)?s")
        elif token.startswith("ETA"):
            parts.append(r"ETA [-\d:]+")
        else:
            parts.append(r"127\.0\.0\.1:\d+")
        position = volatile.end()
    parts.append(re.escape(line[position:]))
    return re.compile("".join(parts))


def missing_lines(expected: list[tuple[int, str]], output: str, ids: dict[str, str]) -> list[str]:
    """The shown lines the output lacks; learns doc run id → real run id as lines match."""
    actual = normalize(output)
    missing = []
    for number, line in key_lines(expected):
        found = line_pattern(line, ids).search(actual)
        if found is None:
            missing.append(f"line {number}: {line}")
            continue
        for name, value in found.groupdict().items():
            ids[name.removeprefix("id_")] = value
    return missing
