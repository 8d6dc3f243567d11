"""`townhall personas list | show | check | import`: the packs, their personas, and new packs from
real post history (bot.cli.persona_import)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from agents.packs import PackError, bundled_pack_names, load_pack, resolve_pack_path
from bot.cli.common import PackOption, console, print_error, user_errors
from bot.cli.persona_card import render_card


def personas_list(pack: Annotated[str | None, typer.Option("--pack")] = None,
                  as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List bundled packs, or the personas of one pack."""
    with user_errors():
        if pack is None:
            packs = [load_pack(n) for n in bundled_pack_names()]
            if as_json:
                console.print_json(json.dumps([{"name": p.name, "room": p.room.name,
                                                "personas": len(p.personas)} for p in packs]))
                return
            table = Table("pack", "room", "personas", "default scenario")
            for p in packs:
                table.add_row(p.name, p.room.name, str(len(p.personas)), p.room.default_scenario)
            console.print(table)
            return
        loaded = load_pack(pack)
    if as_json:
        console.print_json(json.dumps([p.model_dump(mode="json") for p in loaded.personas]))
        return
    table = Table("id", "name", "role", "talk", "react", title=loaded.room.name)
    for p in loaded.personas:
        table.add_row(p.id, Text(p.name, style=p.color or ""), p.role, f"{p.activity.talkativeness:.2f}",
                      f"{p.activity.reaction_propensity:.2f}")
    console.print(table)


def personas_show(persona_id: str, pack: PackOption = "board",
                  as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Print one persona's card."""
    with user_errors():
        loaded = load_pack(pack)
        try:
            persona = loaded.persona(persona_id)
        except KeyError:
            raise ValueError(f"no persona '{persona_id}' in pack {loaded.name} — fix: use one of "
                             + ", ".join(p.id for p in loaded.personas)) from None
    if as_json:
        console.print_json(persona.model_dump_json())
        return
    console.print(render_card(persona))


def personas_check(pack: Annotated[list[str] | None,
                                   typer.Option("--pack", help="pack name or folder; repeatable")] = None,
                   as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Validate packs (all bundled packs by default); exit 1 on the first problem in each."""
    names = pack or bundled_pack_names()
    results = []
    for name in names:
        try:
            loaded = load_pack(name)
            results.append({"pack": name, "ok": True, "personas": len(loaded.personas),
                            "path": str(resolve_pack_path(name))})
        except PackError as exc:
            results.append({"pack": name, "ok": False, "error": str(exc)})
    if as_json:
        console.print_json(json.dumps(results))
    else:
        for r in results:
            if r["ok"]:
                console.print(f"[green]ok[/green]  {r['pack']}: {r['personas']} personas")
            else:
                print_error(r["error"], label="[red]bad[/red]")
    if not all(r["ok"] for r in results):
        raise typer.Exit(1)
