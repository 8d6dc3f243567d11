"""What `townhall eval` tests on: an imported pack's held-out replies, each with what it answered.

A pack imported with `--holdout` has `holdout/<id>.jsonl` (each person's newest posts, never in the
persona) and `holdout/_stimuli.jsonl` (what those posts answered). An item is one held-out reply
whose stimulus is known: the persona is asked to answer the stimulus, and its answer is compared
with what the person really wrote.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from agents.importers.pack_writer import HOLDOUT_DIR, STIMULI_FILE
from agents.packs import Pack, load_pack

MIN_ITEMS = 5
MIN_PERSONAS = 2
FIX = "fix: re-import the export with a hold-out: townhall personas import SOURCE --out DIR --holdout 0.2"


class EvalError(ValueError):
    """A pack that cannot be evaluated; the message says how to make one that can."""


@dataclass(frozen=True)
class Said:
    author: str | None  # persona id, or None for someone outside the pack
    name: str
    text: str


@dataclass(frozen=True)
class Stimulus:
    id: str
    said: Said
    context: tuple[Said, ...]  # oldest first
    answers: str | None  # the persona the stimulus replies to, if any
    replied: frozenset[str]
    reacted: frozenset[str]

    @property
    def responders(self) -> frozenset[str]:
        return self.replied | self.reacted


@dataclass(frozen=True)
class Item:
    persona: str
    stimulus: Stimulus
    real: str  # what the person really answered


@dataclass(frozen=True)
class EvalSet:
    pack: Pack
    items: tuple[Item, ...]  # the ones to generate replies for (after --limit)
    stimuli: tuple[Stimulus, ...]  # every known stimulus (participation uses them all)
    # persona → every held-out post as (text, the text it answered or ""): reply id's distractors
    held: dict[str, tuple[tuple[str, str], ...]]
    total_items: int  # before --limit


def _jsonl(path: Path) -> list[dict]:
    try:
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    except (OSError, json.JSONDecodeError) as exc:
        raise EvalError(f"{path}: cannot read it ({exc}) — {FIX}") from None


def _said(row: dict) -> Said:
    return Said(row.get("author"), str(row.get("name") or "someone"), str(row.get("text") or ""))


def _stimulus(row: dict) -> Stimulus:
    return Stimulus(
        str(row["id"]), _said(row), tuple(_said(c) for c in row.get("context") or ()),
        row.get("answers"), frozenset(row.get("replied") or ()),
        frozenset(row.get("reacted") or ()))


def load_eval_set(pack_ref: str, *, limit: int | None = None, seed: int = 0) -> EvalSet:
    pack = load_pack(pack_ref)
    folder = pack.path / HOLDOUT_DIR
    if not (folder / STIMULI_FILE).is_file():
        raise EvalError(f"{pack_ref}: no held-out replies with what they answered — {FIX}")
    stimuli = {s.id: s for s in map(_stimulus, _jsonl(folder / STIMULI_FILE))}
    items, held = [], {}
    for persona in pack.personas:
        rows = _jsonl(folder / f"{persona.id}.jsonl") if (
            folder / f"{persona.id}.jsonl").is_file() else []
        held[persona.id] = tuple(
            (str(r["text"]), stimuli[r["reply_to"]].said.text if r.get("reply_to") in stimuli
             else "") for r in rows if r.get("text"))
        items += [Item(persona.id, stimuli[r["reply_to"]], str(r["text"])) for r in rows
                  if r.get("reply_to") in stimuli and r.get("text")]
    speakers = {item.persona for item in items}
    if len(items) < MIN_ITEMS or len(speakers) < MIN_PERSONAS:
        raise EvalError(
            f"{pack_ref}: {len(items)} held-out replies with a known stimulus, by {len(speakers)} "
            f"personas (at least {MIN_ITEMS} by {MIN_PERSONAS} are needed) — {FIX}, or a larger "
            "--holdout, or an export with more replies")
    total = len(items)
    if limit is not None and limit < total:
        items = random.Random(seed).sample(items, limit)
    return EvalSet(pack, tuple(items), tuple(stimuli.values()), held, total)
