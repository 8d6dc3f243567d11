"""`townhall personas import`: find the format, read it with limits, build, write atomically."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

from agents.backends.pool import LLMPool
from agents.importers import discord_export, slack_export, tabular, twitter
from agents.importers.builder import Builder, BuildOptions, BuiltPack
from agents.importers.history import History, ImportFailed
from agents.importers.pack_writer import check_target, write_pack
from agents.importers.source import Limits, Source

KINDS = ("twitter", "discord", "slack", "csv", "jsonl")
_SUFFIX_KINDS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".js": "twitter"}


def detect_kind(source: Source) -> str:
    names = source.names()
    if not source.is_archive:
        suffix = source.path.suffix.lower()
        if suffix in _SUFFIX_KINDS:
            return _SUFFIX_KINDS[suffix]
    if slack_export.detect(names):
        return "slack"
    if twitter.detect(names):
        return "twitter"
    json_files = discord_export.json_files(source)
    if json_files:
        with source.open_binary(json_files[0]) as handle:
            if discord_export.detect_head(handle.read(4096)):
                return "discord"
    raise ImportFailed(
        f"{source.path}: cannot tell what kind of export this is — fix: pass "
        f"--kind ({' | '.join(KINDS)})"
    )


def read_history(source: Source, kind: str) -> History:
    if kind == "twitter":
        return twitter.read(source)
    if kind == "discord":
        return discord_export.read(source)
    if kind == "slack":
        return slack_export.read(source)
    if kind in ("csv", "jsonl"):
        return tabular.read(source, kind)
    raise ImportFailed(f"--kind {kind}: unknown — fix: use one of {', '.join(KINDS)}")


@dataclass(frozen=True)
class ImportResult:
    kind: str
    out: Path
    pack: BuiltPack


async def _build(history: History, options: BuildOptions, model: str | None) -> BuiltPack:
    if model is None:
        return await Builder(history, options).build()
    pool = LLMPool(model)
    try:
        llm = pool.get(model)
        if not llm.decides:
            raise ImportFailed(
                f"--model {model}: this backend cannot write structured profiles — "
                "fix: use a language model, or leave --model out"
            )
        return await Builder(history, options, llm).build()
    finally:
        await pool.aclose()


def import_pack(path: Path, out: Path, **kwargs) -> ImportResult:
    """The command's entry point; see `import_pack_async` for the arguments."""
    return asyncio.run(import_pack_async(path, out, **kwargs))


async def import_pack_async(
    path: Path,
    out: Path,
    *,
    kind: str | None = None,
    options: BuildOptions,
    model: str | None = None,
    limits: Limits | None = None,
    force: bool = False,
) -> ImportResult:
    if not 0 <= options.holdout < 1:
        raise ImportFailed(
            f"--holdout {options.holdout}: must be at least 0 and below 1 — fix: e.g. --holdout 0.2"
        )
    check_target(out, force)
    with Source(path, limits) as source:
        kind = kind or detect_kind(source)
        history = read_history(source, kind)
    pack = await _build(history, options, model)
    write_pack(out, pack, kind, options.consent, force)
    return ImportResult(kind, out, pack)
