"""The two queues of the run's discrete-event simulation, both in simulated time (ties in the order
they were made): what waits to happen (a persona's turn to look, a scenario's timer) by when it is
due, and turns being decided by when their action lands."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable
from typing import Any

from agents.context import DecisionContext
from bot.engine.policy import Act, Timer, Turn

NEVER = float("inf")


class Schedule:
    def __init__(self) -> None:
        self._waiting: list[tuple[float, int, Turn | Timer]] = []
        self._landing: list[tuple[float, int, Turn]] = []
        self._order = itertools.count()

    def turn(self, persona: int, trigger_id: int, due: float, *, act: Act | None = None,
             context: DecisionContext | None = None, tag: Any = None) -> Turn:
        turn = Turn(next(self._order), persona, trigger_id, due, act=act, context=context, tag=tag)
        heapq.heappush(self._waiting, (due, turn.order, turn))
        return turn

    def timer(self, due: float, fire: Callable[[], None]) -> Timer:
        timer = Timer(due, fire)
        heapq.heappush(self._waiting, (due, next(self._order), timer))
        return timer

    @property
    def next_due(self) -> float:
        return self._waiting[0][0] if self._waiting else NEVER

    @property
    def next_landing(self) -> float:
        return self._landing[0][0] if self._landing else NEVER

    def pop_due(self) -> Turn | Timer:
        return heapq.heappop(self._waiting)[2]

    def deciding(self, turn: Turn, landing: float, task: asyncio.Task) -> None:
        """The turn's persona is deciding now (`task`); its action lands at `landing`."""
        turn.landing, turn.task = landing, task
        heapq.heappush(self._landing, (landing, turn.order, turn))

    def first_landing(self) -> Turn:
        return self._landing[0][2]

    def pop_landing(self) -> Turn:
        return heapq.heappop(self._landing)[2]

    @property
    def in_flight(self) -> int:
        return len(self._landing)

    def drop_waiting(self) -> None:
        """Nothing new starts (a spending budget is reached); what is in flight still lands."""
        self._waiting.clear()

    def undecided(self) -> list[asyncio.Task]:
        return [t.task for _, _, t in self._landing if t.task is not None and not t.task.done()]
