"""Loading and validating persona packs: a folder with room.yaml and one Markdown file per persona."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Literal

import frontmatter
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agents import safe_yaml
from agents.persona import Persona

ROOM_FILE = "room.yaml"


class PackError(Exception):
    """A user-fixable problem with a pack; the message names the file, the field and the fix."""


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise PackError(f"{path}: not UTF-8 text — fix: save the file as UTF-8") from None


class Room(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    topic: str = ""
    description: str = ""
    default_scenario: Literal["discussion", "meeting", "feed"] = "discussion"
    chair: str | None = Field(None, description="persona id that chairs meetings")
    follows: dict[str, list[str]] = Field(default_factory=dict)


@dataclass(frozen=True)
class Pack:
    name: str
    path: Path
    room: Room
    personas: tuple[Persona, ...]

    def persona(self, persona_id: str) -> Persona:
        for persona in self.personas:
            if persona.id == persona_id:
                return persona
        raise KeyError(persona_id)


def bundled_root() -> Path:
    return Path(str(files("personas")))


def bundled_pack_names() -> list[str]:
    root = bundled_root()
    return sorted(p.name for p in root.iterdir() if (p / ROOM_FILE).is_file())


def resolve_pack_path(name_or_dir: str) -> Path:
    candidate = Path(name_or_dir).expanduser()
    if candidate.is_dir():
        return candidate
    bundled = bundled_root() / name_or_dir
    if bundled.is_dir():
        return bundled
    known = ", ".join(bundled_pack_names())
    raise PackError(f"{name_or_dir}: no such pack — use a bundled pack ({known}) or a folder path")


def _describe(error: ValidationError) -> str:
    first = error.errors()[0]
    field = ".".join(str(part) for part in first["loc"]) or "(file)"
    fix = _fix_for(first)
    more = len(error.errors()) - 1
    suffix = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
    got = "" if first["type"] in {"missing", "extra_forbidden"} else f" (got {first.get('input')!r})"
    return f"field '{field}': {first['msg']}{got} — fix: {fix}{suffix}"


def _fix_for(err: dict) -> str:
    kind = err["type"]
    if kind == "missing":
        return "add this field"
    if kind == "extra_forbidden":
        return "remove it or check its spelling"
    if kind in {"less_than_equal", "greater_than_equal", "greater_than", "less_than"}:
        return "use a number in the allowed range"
    if kind == "list_type":
        return "give a list, like [first thing, second thing]"
    if kind in {"string_too_short", "string_too_long", "too_short", "too_long"}:
        return "keep within the allowed size (see the message)"
    if kind == "string_pattern_mismatch":
        return "ids are lower-case letters, digits, '-' or '_'; colours are like #1abc9c"
    if kind.endswith("_type") or kind.endswith("_parsing"):
        return "give a value of the right type"
    if kind == "literal_error":
        return "use one of the listed values"
    return "correct the value"


def load_persona_file(path: Path) -> Persona:
    try:
        post = frontmatter.loads(_read_text(path), handler=safe_yaml.FrontMatter())
    except yaml.YAMLError as exc:
        raise PackError(safe_yaml.describe(path, exc)) from None
    if not post.metadata:
        raise PackError(
            f"{path}: no front matter — fix: start the file with '---', the persona's fields "
            "(id, name, role …) and another '---'"
        )
    data = dict(post.metadata)
    if post.content.strip() and not data.get("bio"):
        data["bio"] = post.content.strip()
    try:
        return Persona.model_validate(data)
    except ValidationError as exc:
        raise PackError(f"{path}: {_describe(exc)}") from None


def load_room(path: Path) -> Room:
    room_file = path / ROOM_FILE
    if not room_file.is_file():
        raise PackError(f"{room_file}: missing — fix: add a room.yaml with at least 'name:'")
    try:
        data = safe_yaml.load(_read_text(room_file)) or {}
    except yaml.YAMLError as exc:
        raise PackError(safe_yaml.describe(room_file, exc)) from None
    if not isinstance(data, dict):
        raise PackError(f"{room_file}: must be a mapping of fields — fix: write 'name: My room'")
    try:
        return Room.model_validate(data)
    except ValidationError as exc:
        raise PackError(f"{room_file}: {_describe(exc)}") from None


def load_pack(name_or_dir: str) -> Pack:
    path = resolve_pack_path(name_or_dir)
    room = load_room(path)
    persona_files = [f for f in sorted(path.glob("*.md")) if f.is_file() and f.name != "README.md"]
    if not persona_files:
        raise PackError(f"{path}: no persona files — fix: add one <id>.md file per persona")
    personas = tuple(load_persona_file(f) for f in persona_files)
    seen: dict[str, Path] = {}
    for persona, file in zip(personas, persona_files, strict=True):
        if persona.id in seen:
            raise PackError(f"{file}: field 'id': '{persona.id}' is used twice — fix: make ids unique")
        seen[persona.id] = file
    if room.chair and room.chair not in seen:
        raise PackError(f"{path / ROOM_FILE}: field 'chair': no persona '{room.chair}' — fix: use one "
                        f"of {', '.join(seen)}")
    return Pack(name=path.name, path=path, room=room, personas=personas)
