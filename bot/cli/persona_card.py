"""A persona's card for the terminal: who they are, how they act, their statistics, provenance."""

from __future__ import annotations

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from agents.persona import Persona


def _shown(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, list):
        return " ".join(map(str, value)) or "—"
    return str(value)


def _one_line(text: str, limit: int = 160) -> str:
    """Imported examples can be long pastes; the card shows a line of each."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def render_card(persona: Persona) -> Panel:
    parts: list = [Text(persona.role, style="italic")]
    if persona.bio:
        parts += [Text(""), Text(persona.bio)]
    facts = Table.grid(padding=(0, 2))
    facts.add_column(style="dim")
    facts.add_column()
    if persona.traits:
        facts.add_row("traits", ", ".join(persona.traits))
    for topic, stance in persona.stances.items():
        facts.add_row(f"on {topic}", stance)
    if persona.style:
        facts.add_row("style", persona.style)
    a = persona.activity
    facts.add_row("activity", f"talkativeness {a.talkativeness:.2f} · reactions "
                              f"{a.reaction_propensity:.2f} · ~{a.reply_delay:g}s to respond · "
                              f"{' '.join(a.emoji)}")
    if persona.model:
        facts.add_row("model", persona.model)
    if persona.activity.active_hours:
        hours = ", ".join(f"{h:02d}" for h in persona.activity.active_hours)
        facts.add_row("active hours", f"{hours} (UTC)")
    if persona.stats:
        facts.add_row("statistics", " · ".join(f"{key.replace('_', ' ')} {_shown(value)}"
                                               for key, value in persona.stats.items()))
    p = persona.provenance
    facts.add_row("provenance", f"{p.source} · consent: {p.consent}"
                  + (f" · {p.date_range}" if p.date_range else "")
                  + (f" · {p.post_count} posts" if p.post_count is not None else ""))
    if p.notes:
        facts.add_row("", p.notes)
    parts += [Text(""), facts]
    if persona.examples:
        parts += [Text(""), Text("example posts", style="dim")]
        parts += [Text(f"• {_one_line(ex.text)}") for ex in persona.examples[:6]]
    # Text, not markup: a name or avatar is the persona file's text ("[link=…]" is not a link)
    title = Text.assemble(f"{persona.avatar or ''} ", (persona.name, f"bold {persona.color}"),
                          " ", (f"({persona.id})", "dim"))
    return Panel(Group(*parts), title=title, title_align="left")
