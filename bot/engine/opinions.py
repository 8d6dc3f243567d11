"""How the room takes what is said (agents.appraisal, per message, for everyone) and where each
persona stands in a conversation: who a message pulls in, and how one persona takes another's
reply.

A message that starts a thread (a pitch, an ad) pulls in those it touches. A reply pulls in those
who disagree with its author about what started the thread, and those it touches itself; while
the people who have spoken stand far apart, the controversy draws in the rest of the room too.
Someone who has already had their say in a thread is pulled less each time, so a room talks while
positions differ and settles when everyone has been heard.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable

import numpy as np

from agents.appraisal import STANCE_BAND, Appraisal, Appraiser, RoomAppraisal
from agents.context import VisibleMessage
from agents.gate import GateSettings
from bot.engine.conversation import Conversation

_KEPT = 4096  # message appraisals kept (a message is appraised when it arrives and at its turns)


def opening_pull(relevance: np.ndarray) -> np.ndarray:
    """How strongly a message that starts a thread draws each persona in, from how much it
    touches them (also `townhall eval`'s estimate of who answers a message)."""
    return 0.3 + 1.2 * relevance


class Opinions:
    def __init__(self, appraiser: Appraiser, conversation: Conversation,
                 settings: GateSettings, matter_of: Callable[[int], int] | None = None) -> None:
        """`matter_of`: the message that states what a message is about (by default the start of
        its reply chain; in a meeting, the agenda item being debated)."""
        self.appraiser = appraiser
        self.conversation = conversation
        self.settings = settings
        self.matter_of = matter_of or conversation.root_of
        self._appraised: OrderedDict[int, RoomAppraisal] = OrderedDict()
        self._heard: OrderedDict[int, np.ndarray] = OrderedDict()  # thread root → messages each
        self._stands: dict[int, tuple[float, float]] = {}  # thread root → (lowest, highest) heard
        # reply → (the matter it argues, where its author stands on it), or None: asked for every
        # recent reply at every turn, so kept once worked out
        self._sides: OrderedDict[int, tuple[int, float] | None] = OrderedDict()

    def of(self, message_id: int) -> RoomAppraisal:
        found = self._appraised.get(message_id)
        if found is None:
            message = self.conversation.message(message_id)
            found = self._appraised[message_id] = self.appraiser.room(message.text)
            if len(self._appraised) > _KEPT:
                self._appraised.popitem(last=False)
        return found

    def spoke(self, message: VisibleMessage, author: int) -> None:
        root = self.matter_of(message.id)
        if root not in self._heard:
            self._heard[root] = np.zeros(len(self.conversation.personas), dtype=np.int32)
            if len(self._heard) > _KEPT:
                self._stands.pop(self._heard.popitem(last=False)[0], None)
        self._heard[root][author] += 1
        stand = self.of(root).valence_of(author)
        low, high = self._stands.get(root, (stand, stand))
        self._stands[root] = (min(low, stand), max(high, stand))

    def _thread(self, message: VisibleMessage, author: int | None) -> int | None:
        """The matter a persona's reply argues about, or None for anything else."""
        root = self.matter_of(message.id)
        return None if author is None or root == message.id else root

    def pull(self, message: VisibleMessage, author: int | None) -> np.ndarray:
        """Per persona, how strongly this message draws them in (multiplies the speak-gate)."""
        said = self.of(message.id)
        root = self._thread(message, author)
        if root is None:
            return opening_pull(said.relevance)
        topic = self.of(root)
        against = np.clip(-topic.valence * topic.valence_of(author) * 4.0, 0.0, 1.0)
        care = np.maximum(topic.relevance, said.relevance)
        heard = self._heard.get(root, np.zeros(len(care), dtype=np.int32))
        s = self.settings
        draw = (0.25 + 0.9 * care) * (1.0 + s.disagreement_pull * against)
        # Those it touches who have not had their say yet want to.
        unheard = s.unheard_pull * topic.relevance * (heard == 0)
        return (draw + unheard + s.controversy_pull * self.controversy(root)) * s.heard_damping ** heard

    def disagree(self, persona: int, message: VisibleMessage) -> bool:
        """Do the persona and the author of this reply stand on opposite sides of what started
        its thread?"""
        side = self._side(message)
        if side is None:
            return False
        root, theirs = side
        mine = self.of(root).valence_of(persona)
        return mine * theirs < 0 and min(abs(mine), abs(theirs)) >= STANCE_BAND

    def _side(self, message: VisibleMessage) -> tuple[int, float] | None:
        if message.id in self._sides:
            return self._sides[message.id]
        author = self.conversation.index_of(message.author_id)
        root = self._thread(message, author)
        side = None if root is None else (root, self.of(root).valence_of(author))
        self._sides[message.id] = side
        if len(self._sides) > _KEPT:
            self._sides.popitem(last=False)
        return side

    def controversy(self, root: int) -> float:
        """0 … 1: how far apart those who have spoken in the thread stand on what started it."""
        low, high = self._stands.get(root, (0.0, 0.0))
        return min(1.0, (high - low) / 2.0)

    def of_turn(self, persona: int, message_id: int, author: int | None) -> Appraisal:
        """How `persona` takes the message; for a reply in a thread, also where they stand on
        what started it, and whether they side with the reply's author."""
        message = self.conversation.message(message_id)
        own = self.appraiser.explain(self.of(message_id), persona)
        root = self._thread(message, author)
        if root is None:
            return own
        topic = self.of(root)
        stand = self.appraiser.explain(topic, persona)
        theirs = topic.valence_of(author)
        toward = stand.valence * np.sign(theirs) if abs(theirs) >= STANCE_BAND else own.valence
        reason, why = (stand.reason, stand.why) if stand.reason else (own.reason, own.why)
        # A heated thread is everyone's business, even those with no stake of their own in it.
        care = max(own.relevance, stand.relevance, 0.5 * self.controversy(root))
        return Appraisal(care, float(toward), reason, why, position=stand.valence)
