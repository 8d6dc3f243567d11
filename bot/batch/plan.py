"""What a batch is: its variants (the stimuli), how many seeds each, and the room they run in.

A batch is identified by its id; every run it writes carries that id, its variant and its seed, so
a batch can be resumed by id: (variant, seed) pairs with a finished run are skipped.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from bot.engine.human_input import MAX_HUMAN_MESSAGE_CHARS
from bot.engine.settings import RunSettings

_VARIANT_NAME = re.compile(r"^[\w.-]{1,40}$")


class BatchError(ValueError):
    """A user-fixable problem with a batch's inputs; the message names the input and the fix."""


@dataclass(frozen=True)
class Variant:
    name: str
    text: str


@dataclass(frozen=True)
class Job:
    variant: str
    seed: int
    text: str


@dataclass(frozen=True)
class ScenarioOptions:
    """What `townhall run` takes for meetings and feeds, passed on to every run of the batch."""

    minutes_per_item: float = 10.0
    hours: float = 12.0
    population: int | None = None


@dataclass(frozen=True)
class BatchPlan:
    batch_id: str
    pack: str
    scenario: str
    model: str
    variants: tuple[Variant, ...]
    runs: int
    first_seed: int = 0
    settings: RunSettings = field(default_factory=RunSettings)
    human_name: str = "You"
    batch_api: bool = False  # send model calls through the provider's batch API
    batch_window: float = 2.0  # seconds to gather calls into one provider batch
    scenario_options: ScenarioOptions = field(default_factory=ScenarioOptions)

    def jobs(self) -> list[Job]:
        """Variants interleaved seed by seed, so a batch stopped early is still balanced."""
        return [Job(v.name, self.first_seed + i, v.text)
                for i in range(self.runs) for v in self.variants]


def new_batch_id() -> str:
    return "b" + uuid.uuid4().hex[:9]


def parse_variant(spec: str) -> Variant:
    """`NAME=FILE.md` (or .txt) or `NAME=the text itself`."""
    name, sep, value = spec.partition("=")
    name, value = name.strip(), value.strip()
    if not sep or not name or not value:
        raise BatchError(f"--variant {spec!r}: expected NAME=FILE or NAME=TEXT — fix: e.g. "
                         "--variant a=ad_a.md")
    if not _VARIANT_NAME.match(name):
        raise BatchError(f"--variant {spec!r}: the name '{name}' may only hold letters, digits, "
                         "'_', '-' or '.' (at most 40)")
    path = Path(value).expanduser()
    if path.suffix.lower() in {".md", ".txt"}:
        if not path.is_file():
            raise BatchError(f"--variant {name}: no file {path} — fix: check the path")
        try:
            value = path.read_text(encoding="utf-8").strip()
        except UnicodeDecodeError:
            raise BatchError(f"--variant {name}: {path} is not UTF-8 text — fix: save it as UTF-8"
                             ) from None
    if not value:
        raise BatchError(f"--variant {name}: the text is empty")
    if len(value) > MAX_HUMAN_MESSAGE_CHARS:  # what a room accepts from a human
        raise BatchError(f"--variant {name}: {len(value)} characters; the limit is "
                         f"{MAX_HUMAN_MESSAGE_CHARS} — fix: shorten it")
    return Variant(name, value)


def parse_variants(specs: list[str]) -> tuple[Variant, ...]:
    if not specs:
        raise BatchError("no --variant given — fix: e.g. --variant a=ad_a.md --variant b=ad_b.md")
    variants = tuple(parse_variant(s) for s in specs)
    names = [v.name for v in variants]
    for name in names:
        if names.count(name) > 1:
            raise BatchError(f"--variant {name}: given twice — fix: give each variant its own name")
    return variants
