"""Write a built pack all at once: into a hidden temp folder beside the target, validated by the
same loader every run uses, then renamed into place. A failure leaves nothing behind."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import yaml

from agents.importers.builder import BuiltPack
from agents.importers.history import ImportFailed
from agents.packs import PackError, load_pack
from agents.persona import Persona

HOLDOUT_DIR = "holdout"
STIMULI_FILE = "_stimuli.jsonl"  # persona ids never start with "_"
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml when present: ~10× faster


def persona_markdown(persona: Persona) -> str:
    data = persona.model_dump(mode="json", exclude={"bio"}, exclude_none=True)
    front = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return f"---\n{front}---\n{persona.bio.strip()}\n"


def room_yaml(pack: BuiltPack, kind: str) -> str:
    where = ", ".join(pack.places[:4]) + (" …" if len(pack.places) > 4 else "")
    room = {
        "name": f"{where or pack.source_name} (imported)",
        "topic": f"People rebuilt from a {kind} export ({pack.source_name})",
        "description": f"{len(pack.personas)} personas imported by `townhall personas import` on "
        f"{datetime.now(UTC):%Y-%m-%d}. Consent: see each persona's provenance.",
        "default_scenario": "discussion",
    }
    if pack.follows:
        room["follows"] = pack.follows
    return yaml.dump(room, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)


def readme(pack: BuiltPack, kind: str, consent: str) -> str:
    return (
        f"# Imported pack: {pack.source_name}\n\n"
        f"Built by `townhall personas import` from a {kind} export on "
        f"{datetime.now(UTC):%Y-%m-%d}: {len(pack.personas)} personas, "
        f"{pack.skipped} people skipped (bots or too few posts).\n\n"
        f"Consent recorded: **{consent}**. These personas imitate real people's writing. Use "
        "them only with those people's consent, never to impersonate anyone to others, and do "
        "not publish their transcripts as things the real people said.\n\n"
        f"Identifiers (emails, phone numbers, tokens in links) were scrubbed. The newest posts "
        f"of each person are in `{HOLDOUT_DIR}/<id>.jsonl`, kept out of the personas for "
        f"evaluation; `{HOLDOUT_DIR}/{STIMULI_FILE}` has what they answered (`townhall eval`).\n"
    )


def _write_into(folder: Path, pack: BuiltPack, kind: str, consent: str) -> None:
    (folder / "room.yaml").write_text(room_yaml(pack, kind), encoding="utf-8")
    (folder / "README.md").write_text(readme(pack, kind, consent), encoding="utf-8")
    holdout = folder / HOLDOUT_DIR
    holdout.mkdir()
    for built in pack.personas:
        (folder / f"{built.persona.id}.md").write_text(
            persona_markdown(built.persona), encoding="utf-8"
        )
        _write_jsonl(holdout / f"{built.persona.id}.jsonl", built.held_out)
    _write_jsonl(holdout / STIMULI_FILE, pack.stimuli)


def _write_jsonl(path: Path, rows: list[dict]) -> None:
    lines = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    path.write_text(lines, encoding="utf-8")


def check_target(out: Path, force: bool) -> None:
    """Fail before any work if the target is taken (and --force was not given)."""
    if out.exists() and not out.is_dir():  # --force replaces a pack, never someone's file
        raise ImportFailed(f"{out}: is a file, not a pack folder — fix: choose another --out folder")
    if out.exists() and not force and (not out.is_dir() or any(out.iterdir())):
        raise ImportFailed(
            f"{out}: already exists — fix: choose a new --out folder, or pass --force to replace it"
        )
    if not out.parent.is_dir():
        raise ImportFailed(f"{out.parent}: no such folder — fix: create it first")


def write_pack(out: Path, pack: BuiltPack, kind: str, consent: str, force: bool) -> None:
    check_target(out, force)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.importing-", dir=out.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; a pack is an ordinary folder
    try:
        try:
            _write_into(staging, pack, kind, consent)
        except OSError as exc:  # disk full, quota, permissions
            raise ImportFailed(
                f"{out}: cannot write the pack ({exc.strerror or exc}) — fix: free "
                "space or choose another --out folder; nothing was written"
            ) from None
        try:
            load_pack(str(staging))
        except PackError as exc:  # a builder bug, not the user's: still, publish nothing
            raise ImportFailed(
                f"the built pack does not validate ({exc}) — nothing was written; "
                "please report this"
            ) from None
        if out.exists():
            retired = out.with_name(f".{out.name}.replaced-{os.getpid()}")
            os.rename(out, retired)
            os.rename(staging, out)
            shutil.rmtree(retired)
        else:
            os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
