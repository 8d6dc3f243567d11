"""The one console every command prints through: text is rendered with its control characters
shown, not obeyed (agents.printable), while rich's own colour and cursor codes pass."""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console, ConsoleOptions, RenderableType
from rich.segment import Segment

from agents.printable import printable


class SafeConsole(Console):
    def render(
        self, renderable: RenderableType, options: ConsoleOptions | None = None
    ) -> Iterable[Segment]:
        for segment in super().render(renderable, options):
            # A segment with `control` set is rich's own (cursor moves for Live); the rest is text.
            yield segment if segment.control else Segment(
                printable(segment.text), segment.style, None
            )
