"""Streaming JSON for exports: values at a few paths, built one at a time from ijson's events."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, TextIO

from ijson.common import ObjectBuilder

_CONTAINERS = ("start_map", "start_array")
# Real exports nest ~8 deep; a deeper file is hostile, and ijson's own prefixes grow with depth
# (a megabyte of "[" took gigabytes), so depth is checked before any prefix is built.
MAX_DEPTH = 64


class NestedTooDeep(ValueError):
    pass


def parse(basic_events: Iterable[tuple[str, Any]]) -> Iterator[tuple[str, str, Any]]:
    """ijson.parse's (prefix, event, value) from ijson.basic_parse's events, up to MAX_DEPTH."""
    path: list[Any] = []
    for event, value in basic_events:
        if event == "map_key":
            prefix = ".".join(path[:-1])
            path[-1] = value
        elif event in _CONTAINERS:
            prefix = ".".join(path)
            if len(path) >= MAX_DEPTH:
                raise NestedTooDeep
            path.append(None if event == "start_map" else "item")
        elif event in ("end_map", "end_array"):
            path.pop()
            prefix = ".".join(path)
        else:
            prefix = ".".join(path)
        yield prefix, event, value


def items_at(
    events: Iterable[tuple[str, str, Any]], prefixes: set[str]
) -> Iterator[tuple[str, Any]]:
    """Like ijson.items, for several prefixes in one pass (Discord: guild, channel, messages)."""
    building: tuple[str, ObjectBuilder] | None = None
    for prefix, event, value in events:
        if building is None:
            if prefix not in prefixes or event == "map_key":
                continue
            if event in _CONTAINERS:
                builder = ObjectBuilder()
                builder.event(event, value)
                building = (prefix, builder)
            elif event not in ("end_map", "end_array"):
                yield prefix, value
            continue
        wanted, builder = building
        builder.event(event, value)
        if prefix == wanted and event in ("end_map", "end_array"):
            yield wanted, builder.value
            building = None


class Utf8Stream:
    """Decoded text handed to ijson as UTF-8 bytes, counting lines so an error can say where.

    Decoding happens in Python (any --encoding, strict), so a bad byte is an encoding error, not a
    JSON one. `js_assignment` skips Twitter's `window.YTD.tweets.part0 = ` before the JSON.
    """

    CHUNK = 64 * 1024

    def __init__(self, text: TextIO, *, js_assignment: bool = False) -> None:
        self.text = text
        self.lines = 1
        self._pending = ""
        if js_assignment:
            head = text.read(4096)
            equals = head.find("=")
            if not head.lstrip().startswith(("[", "{")) and equals != -1:
                self.lines += head[:equals].count("\n")
                head = head[equals + 1 :]
            self._pending = head

    def read(self, size: int = -1) -> bytes:
        if size == 0:  # ijson probes with read(0) to learn whether the stream gives bytes
            return b""
        if self._pending:
            chunk, self._pending = self._pending, ""
        else:
            chunk = self.text.read(self.CHUNK if size is None or size < 0 else size)
        self.lines += chunk.count("\n")
        return chunk.encode("utf-8")
