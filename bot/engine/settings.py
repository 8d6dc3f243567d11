"""How a run is set up: its seed, pace, model concurrency, what a persona sees, and its budgets."""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from agents.gate import GateSettings
from bot.engine.budgets import Budgets


@dataclass(frozen=True)
class RunSettings:
    seed: int = 0
    speed: float = 1.0
    concurrency: int = 8
    window: int = 12  # a persona sees at least this many recent messages...
    # ...and the oldest shown moves in jumps of this many (agents.context.BlockWindow): the prompt
    # stays append-only between jumps, so prompt caching serves it. 16 (bench_llm) keeps it at 12-27
    # messages, and under Anthropic's 20-block lookback: a persona's two calls between jumps are
    # never more than 15 message blocks apart, so the later one always finds the earlier's entry.
    window_block: int = 16
    stop_when_quiet: bool = True
    budgets: Budgets = field(default_factory=Budgets)
    gate: GateSettings = field(default_factory=GateSettings)

    @classmethod
    def restore(cls, stored: dict) -> RunSettings:
        """The settings a run stored (runs.settings, as JSON), for a fork or a rerun of it;
        keys a newer or older townhall does not know are left out."""

        def known(kind: type, data: dict) -> dict:
            names = {f.name for f in fields(kind)}
            return {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in names}

        base = known(cls, stored)
        base["budgets"] = Budgets(**known(Budgets, stored.get("budgets", {})))
        base["gate"] = GateSettings(**known(GateSettings, stored.get("gate", {})))
        return cls(**base)
