"""What has been said in one run, as the personas can see it: every message by id, the recent
window they are shown, whom each message @mentions, what each persona said lately, and how long two
personas have been going back and forth."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Sequence

from agents.context import BlockWindow, DecisionContext, VisibleMessage
from agents.persona import Persona

_MENTION = re.compile(r"@([\w.\-]+)")
RECENT_SAID = 20  # a persona's own recent lines, so it does not repeat itself


class Conversation:
    def __init__(self, personas: Sequence[Persona], window: int, window_block: int,
                 max_exchange: int) -> None:
        self.personas = personas
        self.max_exchange = max_exchange
        self._index = {p.id: i for i, p in enumerate(personas)}
        self._handles: dict[str, int] = {}
        for i, p in enumerate(personas):
            for handle in p.handles():
                self._handles.setdefault(handle, i)
        self._messages: dict[int, VisibleMessage] = {}
        self._mentions: dict[int, tuple[int, ...]] = {}
        self._window = BlockWindow(window, window_block)
        self._said: list[deque[str]] = [deque(maxlen=RECENT_SAID) for _ in personas]
        self._roots: dict[int, int] = {}  # message → the message that started its thread

    def add(self, message: VisibleMessage) -> int | None:
        """Take a message in; returns its author's persona index (None for a human)."""
        self._messages[message.id] = message
        self._roots[message.id] = self._roots.get(message.reply_to, message.id)
        self._window.append(message)
        self._mentions[message.id] = self._mentioned(message.text)
        author = self._index.get(message.author_id)
        if author is not None:
            self._said[author].append(message.text)
        return author

    def _mentioned(self, text: str) -> tuple[int, ...]:
        found = {self._handles[h.lower()] for h in _MENTION.findall(text)
                 if h.lower() in self._handles}
        return tuple(sorted(found))

    def message(self, message_id: int | None) -> VisibleMessage | None:
        return self._messages.get(message_id) if message_id is not None else None

    def index_of(self, author_id: str) -> int | None:
        """The persona index of an author, or None for a human."""
        return self._index.get(author_id)

    def recent(self) -> tuple[VisibleMessage, ...]:
        """The messages personas are shown now (the block window)."""
        return self._window.view()

    def root_of(self, message_id: int) -> int:
        """The message its reply chain started from (itself, if it replies to nothing)."""
        return self._roots.get(message_id, message_id)

    def mentions(self, message_id: int) -> tuple[int, ...]:
        return self._mentions[message_id]

    def said(self, persona: int) -> tuple[str, ...]:
        return tuple(self._said[persona])

    def exchange_partner(self, author: int, reply_to: int | None) -> int | None:
        """If `author` and someone have gone back and forth too long, that someone must not answer."""
        parent = self.message(reply_to)
        partner = self._index.get(parent.author_id) if parent else None
        if partner is None:
            return None
        pair = {self.personas[author].id, self.personas[partner].id}
        length, cursor = 1, parent
        while cursor and cursor.author_id in pair and length < self.max_exchange:
            length += 1
            cursor = self.message(cursor.reply_to)
        return partner if length >= self.max_exchange else None

    def open_context(self, persona: int, trigger_id: int, room_name: str, room_topic: str,
                     seed: int) -> DecisionContext:
        """What a persona sees in an open room: the recent window, and whether it was addressed."""
        trigger = self._messages[trigger_id]
        parent = self.message(trigger.reply_to)
        return DecisionContext(
            room_name=room_name, room_topic=room_topic, trigger=trigger,
            window=self._window.view(), mentioned=persona in self._mentions[trigger.id],
            replied_to_me=parent is not None and parent.author_id == self.personas[persona].id,
            my_recent_texts=self.said(persona), seed=seed)
