"""What a run may spend (its budgets) and what it has spent so far (its totals).

A budget ends a run cleanly: the message budget at the message that reaches it, the spending
budgets before the next model call would go over, the wall-time budget at the next step.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from agents.llm import CallRecord

# Each failed call has already been retried by its backend; this many in a row is an outage or a
# misconfiguration, and waiting out every persona's turn would only burn the user's time.
MAX_FAILED_CALLS_IN_A_ROW = 5


@dataclass(frozen=True)
class Budgets:
    max_messages: int | None = None
    max_llm_calls: int | None = None
    max_tokens: int | None = None
    max_cost: float | None = None
    max_seconds: float | None = None

    def messages_reached(self, totals: RunTotals) -> str | None:
        if self.max_messages is not None and totals.messages >= self.max_messages:
            return f"budget: max-messages {self.max_messages}"
        return None

    def spending_reached(self, totals: RunTotals, calls_in_flight: int = 0) -> str | None:
        """Why no further model call may start, or None. Calls in flight count as made."""
        if self.max_llm_calls is not None and totals.llm_calls + calls_in_flight >= self.max_llm_calls:
            return f"budget: max-llm-calls {self.max_llm_calls}"
        if self.max_tokens is not None and totals.tokens >= self.max_tokens:
            return f"budget: max-tokens {self.max_tokens}"
        if self.max_cost is not None and totals.cost_usd >= self.max_cost:
            return f"budget: max-cost ${self.max_cost:g}"
        return None

    def seconds_left(self, started: float) -> float | None:
        """Wall seconds left of --max-seconds for a run started at `started` (time.monotonic)."""
        if self.max_seconds is None:
            return None
        return self.max_seconds - (time.monotonic() - started)


@dataclass
class RunTotals:
    """Running totals of a run (and, summed, of a batch): what the budgets are checked against."""

    messages: int = 0
    reactions: int = 0
    llm_calls: int = 0
    tokens: int = 0
    cost_usd: float = 0.0
    failed_in_a_row: int = 0

    def add_call(self, call: CallRecord) -> str | None:
        """Count one model call; returns why the run must end if the model keeps failing."""
        self.llm_calls += 1
        self.tokens += call.usage.tokens
        self.cost_usd += call.cost_usd
        self.failed_in_a_row = self.failed_in_a_row + 1 if call.error else 0
        if self.failed_in_a_row != MAX_FAILED_CALLS_IN_A_ROW:
            return None
        return (f"the model keeps failing ({MAX_FAILED_CALLS_IN_A_ROW} calls in a row, after "
                f"retries): {call.error} — fix: check the --model spec, that its server is "
                "reachable and its key is valid")
