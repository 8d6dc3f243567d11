"""YAML from pack files, read so that a small hostile file stays small: no aliases (a 1.7 KB
"billion laughs" bomb passed validation and blew up when a persona was printed) and no nesting past
MAX_DEPTH (a few KB of "[" overflowed the parser's stack). Hand-written packs need neither."""

from __future__ import annotations

from pathlib import Path

import frontmatter
import yaml

MAX_DEPTH = 32


class _Refused(yaml.MarkedYAMLError):
    def __init__(self, problem: str, fix: str, mark: yaml.Mark | None) -> None:
        super().__init__(problem=problem, problem_mark=mark)
        self.fix = fix


class _Loader(yaml.SafeLoader):
    depth = 0

    def compose_node(self, parent, index):  # type: ignore[no-untyped-def]
        mark = self.peek_event().start_mark
        if self.check_event(yaml.AliasEvent):
            raise _Refused("YAML aliases (*name) are not allowed", "write the value out in full",
                           mark)
        if self.depth >= MAX_DEPTH:
            raise _Refused(f"nested more than {MAX_DEPTH} deep", "flatten the value", mark)
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


def load(text: str) -> object:
    return yaml.load(text, Loader=_Loader)  # a SafeLoader: no tags, no aliases


class FrontMatter(frontmatter.YAMLHandler):
    """python-frontmatter's YAML handler, reading with the loader above."""

    def load(self, fm: str, **kwargs: object) -> object:
        data = load(fm)
        odd = [key for key in data if not isinstance(key, str)] if isinstance(data, dict) else []
        if odd:  # front matter becomes keyword arguments: `0:` was a TypeError
            raise _Refused(f"the field name {odd[0]!r} is not a word", "name fields like 'name:'",
                           None)
        return data


def describe(path: Path, exc: yaml.YAMLError) -> str:
    """One line naming the file, the line, the problem and the fix."""
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}" if mark else ""
    if isinstance(exc, _Refused):
        return f"{path}: {exc.problem}{where} — fix: {exc.fix}"
    return (f"{path}: the YAML does not parse{where} — fix: check indentation and quote values "
            "that contain ':'")
