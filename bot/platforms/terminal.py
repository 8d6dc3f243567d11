"""The terminal: a live, coloured view of the room (rich), with typing into the room when interactive."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from datetime import datetime

from rich.console import Console
from rich.live import Live
from rich.markdown import Markdown
from rich.text import Text

from bot.platforms.base import Capabilities, HumanPost
from bot.transcript.events import MessageEvent, ReactionEvent, RoomEvent, StatusEvent, TypingEvent

HUMAN_COLOR = "#f0f0f0"
CROWD_SIZE = 50  # above this many personas, print what answers the humans and count the rest


class TranscriptPrinter:
    """Renders events as lines; shared by live runs, `show` and `replay`."""

    def __init__(self, console: Console, colors: dict[str, str], roles: dict[str, str]) -> None:
        self.console = console
        self.colors = colors
        self.roles = roles
        self.messages: dict[int, MessageEvent] = {}

    def _quote(self, message_id: int | None, mark: str = "  ╭ ") -> Text | None:
        parent = self.messages.get(message_id) if message_id is not None else None
        if parent is None:
            return None
        snippet = parent.text.replace("\n", " ")
        snippet = snippet if len(snippet) <= 70 else snippet[:69] + "…"
        return Text.assemble((mark, "dim"), (parent.author_name, self.colors.get(parent.author_id, HUMAN_COLOR)),
                             (f": {snippet}", "dim italic"))

    def render(self, event: MessageEvent | ReactionEvent | StatusEvent) -> None:
        if isinstance(event, MessageEvent):
            self.messages[event.id] = event
            quote = self._quote(event.reply_to)
            if quote is not None:
                self.console.print(quote)
            role = self.roles.get(event.author_id)
            stamp = datetime.fromtimestamp(event.created_at).strftime("%H:%M:%S")
            header = Text.assemble(
                (f"#{event.id} ", "dim"),
                (event.author_name, f"bold {self.colors.get(event.author_id, HUMAN_COLOR)}"),
                (f" · {role}" if role else (" · human" if event.author_kind == "human" else ""), "dim"),
                (f"  {stamp}", "dim"))
            self.console.print(header)
            self.console.print(Text(event.text), style="default")
            quoted = self._quote(event.quote_of, "  ❝ quoting ")
            if quoted is not None:
                self.console.print(quoted)
            self.console.print()
        elif isinstance(event, ReactionEvent):
            target = self.messages.get(event.message_id)
            whom = f" {target.author_name}'s #{event.message_id}" if target else f" #{event.message_id}"
            self.console.print(Text.assemble(
                ("  ", ""), (event.emoji + " ", ""),
                (event.author_name, self.colors.get(event.author_id, HUMAN_COLOR)),
                (f" reacted to{whom}", "dim")))
        elif isinstance(event, StatusEvent) and event.kind in {"minutes", "report"}:
            self.console.print(Markdown(str(event.data.get("markdown", ""))))
            self.console.print()
        elif isinstance(event, StatusEvent) and event.kind in {"paused", "resumed", "joined"}:
            label = event.data.get("name", "") if event.kind == "joined" else ""
            self.console.print(Text(f"— {event.kind} {label}".rstrip() + " —", style="dim"))


class TerminalPlatform:
    name = "terminal"
    capabilities = Capabilities(per_persona_identity=True, per_persona_reactions=True, threads=False)

    def __init__(self, console: Console, printer: TranscriptPrinter, *, human_name: str = "You",
                 interactive: bool = False, crowd: bool = False) -> None:
        # A crowd (a 5,000-member feed) would scroll thousands of lines past: print only the humans'
        # posts and what replies to or quotes them, and keep a running count of everything else.
        self.crowd = crowd
        self._human_posts: set[int] = set()
        self._unprinted = Counter()
        self.console = console
        self.printer = printer
        self.human_name = human_name
        self.interactive = interactive
        self._typing: dict[str, str] = {}
        self._live: Live | None = None
        self._post_human: HumanPost | None = None
        self._inputs: set[asyncio.Task] = set()

    def _typing_line(self) -> Text:
        line = Text("", style="dim italic")
        names = list(self._typing.values())
        if names:
            who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
            line.append(f"{who} {'is' if len(names) == 1 else 'are'} typing…  ")
        if self._unprinted:
            line.append(f"elsewhere in the crowd: {self._unprinted['messages']:,} posts · "
                        f"{self._unprinted['reactions']:,} reactions")
        return line

    def _worth_printing(self, event: RoomEvent) -> bool:
        if not self.crowd:
            return True
        if isinstance(event, MessageEvent):
            if event.author_kind == "human":
                self._human_posts.add(event.id)
                return True
            if event.reply_to in self._human_posts or event.quote_of in self._human_posts:
                return True
            self._unprinted["messages"] += 1
        elif isinstance(event, ReactionEvent):
            self._unprinted["reactions"] += 1
        else:
            return True
        if self._live:
            self._live.update(self._typing_line())
        return False

    async def start(self, post_human: HumanPost) -> None:
        self._post_human = post_human
        self._live = Live(self._typing_line(), console=self.console, transient=True,
                          refresh_per_second=8, auto_refresh=self.console.is_terminal)
        self._live.start()
        if self.interactive:
            asyncio.get_running_loop().add_reader(sys.stdin.fileno(), self._read_line)
            self.console.print(Text("Type into the room and press Enter (@Name to ask someone). "
                                    "Ctrl-C ends the run.", style="dim"))

    def _read_line(self) -> None:
        line = sys.stdin.readline()
        if not line:  # end of input: stop listening, the run goes on
            asyncio.get_running_loop().remove_reader(sys.stdin.fileno())
            return
        if line.strip() and self._post_human:
            task = asyncio.ensure_future(self._post(line.strip()))
            self._inputs.add(task)
            task.add_done_callback(self._inputs.discard)

    async def _post(self, text: str) -> None:
        try:
            await self._post_human(self.human_name, text, None)
        except ValueError as exc:
            self.console.print(Text(f"not posted: {exc}", style="red"))

    def deliver(self, event: RoomEvent) -> None:
        if isinstance(event, TypingEvent):
            if event.active:
                self._typing[event.persona_id] = event.persona_name
            else:
                self._typing.pop(event.persona_id, None)
            if self._live:
                self._live.update(self._typing_line())
            return
        if self._worth_printing(event):
            self.printer.render(event)

    async def stop(self, hurry: bool = False) -> None:  # printing is never behind: no hurry
        if self.interactive:
            asyncio.get_running_loop().remove_reader(sys.stdin.fileno())
        if self._live:
            self._live.stop()
        if self._unprinted:
            self.console.print(Text(f"{self._unprinted['messages']:,} posts and "
                                    f"{self._unprinted['reactions']:,} reactions elsewhere in the crowd "
                                    "were not printed; `townhall show` and `townhall export` have them "
                                    "all.", style="dim"))
