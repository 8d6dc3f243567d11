"""Reading an export (one file, a folder or a zip) with hard limits: hostile input fails cleanly.

Only the members a reader asks for are read, so a Twitter archive with gigabytes of media is fine;
each of those members is checked before a byte is inflated: its declared size against the size cap
and its compression ratio against a zip-bomb threshold. zipfile never inflates past the declared
size (a forged header ends in a CRC error), so the declared size bounds memory.
"""

from __future__ import annotations

import codecs
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, TextIO

import ijson

from agents.importers.history import ImportFailed
from agents.importers.json_stream import MAX_DEPTH, NestedTooDeep, Utf8Stream, items_at, parse

DEFAULT_MAX_BYTES = 512 * 1024**2
MAX_RATIO = 200  # real JSON deflates ~5-30×; a bomb of zeros ~1000×
RATIO_FLOOR = 1024**2  # small members may compress as well as they like
MAX_MEMBERS = 500_000
_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)i?b?\s*$", re.IGNORECASE)


def parse_size(text: str) -> int:
    """'512M', '2G', '1.5g', '0' (no limit) → bytes."""
    match = _SIZE.match(text)
    if not match:
        raise ImportFailed(
            f"--max-size {text!r}: not a size — fix: write it like 512M or 2G (0 = no limit)"
        )
    number, unit = float(match.group(1)), match.group(2).lower()
    return int(number * 1024 ** " kmgt".index(unit or " "))


def human_size(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Limits:
    max_bytes: int = DEFAULT_MAX_BYTES  # 0 = no limit
    encoding: str | None = None  # None: UTF-8 (a BOM may say UTF-16/32)


class Source:
    """What the user pointed at; `names()` are posix paths inside it (a lone file: its own name)."""

    def __init__(self, path: Path, limits: Limits | None = None) -> None:
        self.path = path
        self.limits = limits or Limits()
        self._read_total = 0
        self._zip: zipfile.ZipFile | None = None
        if not path.exists():
            raise ImportFailed(f"{path}: no such file or folder — fix: check the path")
        if not path.is_file() and not path.is_dir():  # a device or pipe has no size to check
            raise ImportFailed(f"{path}: not a regular file or folder — fix: point at the export")
        if path.is_file() and zipfile.is_zipfile(path):
            try:
                self._zip = zipfile.ZipFile(path)
            except (zipfile.BadZipFile, OSError) as exc:
                raise ImportFailed(
                    f"{path}: not a readable zip ({exc}) — fix: download it again"
                ) from None
            infos = self._zip.infolist()
            if len(infos) > MAX_MEMBERS:
                raise ImportFailed(
                    f"{path}: {len(infos):,} files in one zip is more than the "
                    f"{MAX_MEMBERS:,} allowed — fix: unpack it and import the folder "
                    "that holds the data"
                )
            self._members = {i.filename: i for i in infos if not i.is_dir()}

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def is_archive(self) -> bool:
        return self._zip is not None or self.path.is_dir()

    def names(self) -> list[str]:
        if self._zip is not None:
            return sorted(self._members)
        if self.path.is_dir():
            names = []
            for file in self.path.rglob("*"):
                if file.is_file():
                    names.append(file.relative_to(self.path).as_posix())
                    if len(names) > MAX_MEMBERS:
                        raise ImportFailed(
                            f"{self.path}: more than {MAX_MEMBERS:,} files — fix: "
                            "point at the folder that holds the data"
                        )
            return sorted(names)
        return [self.path.name]

    def label(self, name: str) -> str:
        """How to name a member in a message: archive path + member, or the file itself."""
        return (
            f"{self.path}:{name}"
            if self._zip is not None
            else (str(self.path / name) if self.path.is_dir() else str(self.path))
        )

    # -- bounded access ------------------------------------------------------------------------

    def reserve(self, names: list[str]) -> None:
        """Check, before reading any of them, that the members a reader is about to read fit the
        size limit together: an archive of many medium files is refused up front, not after
        most of it has been read into memory."""
        cap = self.limits.max_bytes
        if not cap:
            return
        total = sum(self._declared_size(name) for name in names)
        if self._read_total + total > cap:
            raise ImportFailed(
                f"{self.path}: the {len(names):,} files to read hold {human_size(total)}, past "
                f"the {human_size(cap)} size limit — fix: split the export, or raise the limit "
                "with --max-size (e.g. --max-size 4G; 0 = no limit)"
            )

    def _declared_size(self, name: str) -> int:
        if self._zip is not None:
            info = self._members.get(name)
            return info.file_size if info is not None else 0
        file = self.path / name if self.path.is_dir() else self.path
        return file.stat().st_size if file.is_file() else 0

    def _admit(self, name: str, size: int, compressed: int | None) -> None:
        label = self.label(name)
        if compressed is not None and size > RATIO_FLOOR and size > MAX_RATIO * max(compressed, 1):
            raise ImportFailed(
                f"{label}: inflates {size / max(compressed, 1):,.0f}× "
                f"({human_size(compressed)} → {human_size(size)}); this looks like a "
                "zip bomb and was not unpacked — fix: use the export as the service "
                "produced it"
            )
        cap = self.limits.max_bytes
        if cap and self._read_total + size > cap:
            raise ImportFailed(
                f"{label}: {human_size(size)} would take the import past the "
                f"{human_size(cap)} size limit — fix: split the export, or raise the "
                "limit with --max-size (e.g. --max-size 4G; 0 = no limit)"
            )
        self._read_total += size

    @contextmanager
    def open_binary(self, name: str) -> Iterator[io.BufferedIOBase]:
        if self._zip is not None:
            info = self._members.get(name)
            if info is None:
                raise ImportFailed(
                    f"{self.path}: has no {name} — fix: check it is the right export"
                )
            self._admit(name, info.file_size, info.compress_size)
            try:
                with self._zip.open(info) as handle:
                    yield handle
            except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
                raise ImportFailed(
                    f"{self.label(name)}: the zip is damaged ({exc}) — fix: download "
                    "the export again"
                ) from None
            return
        file = self.path / name if self.path.is_dir() else self.path
        self._admit(name, file.stat().st_size, None)
        with open(file, "rb") as handle:
            yield handle

    @contextmanager
    def open_text(self, name: str) -> Iterator[TextIO]:
        """A streaming text view, for line-oriented formats (CSV, JSONL) of any length."""
        encoding = self.limits.encoding or "utf-8-sig"
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise ImportFailed(
                f"--encoding {encoding!r}: no such encoding — fix: use e.g. utf-8, utf-16 or cp1252"
            ) from None
        with self.open_binary(name) as raw:
            head = raw.peek(4)[:4] if hasattr(raw, "peek") else b""
            if not self.limits.encoding and head.startswith(
                (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
            ):
                encoding = "utf-16"
            text = io.TextIOWrapper(raw, encoding=encoding, newline="")
            try:
                yield text
            except UnicodeDecodeError as exc:
                raise ImportFailed(self._encoding_problem(name, encoding, exc)) from None

    def _encoding_problem(self, name: str, encoding: str, exc: UnicodeDecodeError) -> str:
        encoding = "UTF-8" if encoding.startswith("utf-8") else encoding
        bad = exc.object[exc.start : exc.start + 1].hex() if isinstance(exc.object, bytes) else "?"
        return (
            f"{self.label(name)}: not {encoding} text (byte 0x{bad} cannot be decoded) — fix: "
            "re-save it as UTF-8, or name its encoding with --encoding (e.g. --encoding cp1252)"
        )

    def iter_json(
        self, name: str, prefixes: set[str], *, js_assignment: bool = False
    ) -> Iterator[tuple[str, Any]]:
        """(prefix, value) for each value at `prefixes` (ijson paths such as "messages.item"),
        parsed as the bytes stream in, so a long export never has to fit in memory at once."""
        with self.open_text(name) as text:
            stream = Utf8Stream(text, js_assignment=js_assignment)
            try:
                yield from items_at(parse(ijson.basic_parse(stream, use_float=True)), prefixes)
            except NestedTooDeep:
                raise ImportFailed(
                    f"{self.label(name)}: JSON nested more than {MAX_DEPTH} deep by line "
                    f"{stream.lines} — fix: use the export as the service produced it"
                ) from None
            except ijson.JSONError as exc:
                problem = str(exc).strip().splitlines()[0].removeprefix("b'").strip()
                raise ImportFailed(
                    f"{self.label(name)}: broken JSON by line {stream.lines} ({problem}) — fix: "
                    "export it again; a cut-off download often ends like this"
                ) from None


def basename(name: str) -> str:
    return PurePosixPath(name).name
