"""One evaluation end to end: generate the replies, score every task for the model and for the
free baselines on the same candidates, and gather the numbers into one JSON-ready object.

Baselines: `random` (scores nothing: chance by construction), `activity` (guesses the busiest
candidate, and that busy people respond), `echo` (repeats the stimulus back: how far being on topic
alone goes), `history` (each persona's closest own past post), and for
a language model `name_only` (the same model told only each persona's name: what the persona file
adds over the model's guess from a name).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from agents.backends.past_posts import PastPostsLLM
from agents.backends.prices import price_for
from agents.embedding import shared_encoder
from agents.llm import LLM
from agents.persona import Persona
from agents.prompts import persona_prefix, reply_prompt
from bot.eval import tasks
from bot.eval.attribution import Attributor, masker
from bot.eval.generate import Generated, Room, generate
from bot.eval.items import EvalSet

OUTPUT_TOKENS = 80  # a chat reply; what the estimate assumes each call writes
SAMPLES = 8  # real vs generated pairs shown in the report


@dataclass(frozen=True)
class EvalOptions:
    model: str
    seed: int = 0
    concurrency: int = 4
    max_cost: float | None = None


def name_only(persona: Persona) -> Persona:
    return Persona(id=persona.id, name=persona.name, role="a member", activity=persona.activity)


def training_attributor(eval_set: EvalSet) -> Attributor:
    """Fitted on each persona's training posts (its examples) by position; ids and names hidden."""
    personas = eval_set.pack.personas
    names = [n for p in personas for n in (p.id, p.name, p.first_name)]
    return Attributor([[ex.text for ex in p.examples] for p in personas], masker(names))


def estimate_cost(room: Room, eval_set: EvalSet, spec: str) -> float | None:
    """Dollars for the model's uncached calls at list price (one per item, and as many for the
    name-only baseline); 0 for the embedded model; None for a model with no known price."""
    kind, _, name = spec.partition(":")
    if kind == "local":  # runs on this machine
        return 0.0
    price = price_for(name.rpartition("@")[0] or name)
    if price is None:
        return None
    chars = sum(len(persona_prefix(room.pack.persona(i.persona), room.pack.room.name,
                                   room.pack.room.topic))
                + len(reply_prompt(room.context(i.persona, i.stimulus)).content)
                for i in eval_set.items)
    items = len(eval_set.items)
    once = (chars / 4 * price.input + items * OUTPUT_TOKENS * price.output) / 1_000_000
    return once * 2  # the name-only baseline asks the same model again, with shorter prompts


def _closeness(text: str, others: list[str]) -> np.ndarray:
    vectors = shared_encoder().encode([text, *others])
    return vectors[1:] @ vectors[0]


class Scoring:
    """The systems' scorers over one set of candidates."""

    def __init__(self, eval_set: EvalSet, room: Room, seed: int) -> None:
        self.eval_set = eval_set
        self.room = room
        self.seed = seed
        self.cands = tasks.draw_candidates(eval_set, seed, _closeness)
        self.attributor = training_attributor(eval_set)
        self.posts = {p.id: p.stats.get("posts", len(p.examples)) for p in eval_set.pack.personas}
        self.talk = np.array([p.activity.talkativeness for p in eval_set.pack.personas])

    def of_replies(self, generated: Sequence[str]) -> dict:
        """Every task for a system that answers: its replies attributed and matched."""
        index = self.room.index

        def who(n: int, cands: Sequence[str]) -> np.ndarray:
            if not generated[n]:
                return np.zeros(len(cands))
            every = self.attributor.scores(generated[n])
            return np.array([every[index[c]] for c in cands])

        def reply(n: int, cands: Sequence[tuple[str, str]]) -> np.ndarray:
            if not generated[n]:
                return np.zeros(len(cands))
            return _closeness(generated[n], [text for _, text in cands])

        return {
            "who_said_it": tasks.who_said_it(self.eval_set, self.cands, who, self.seed),
            "reply_id": tasks.reply_id(self.eval_set, self.cands, reply, self.seed),
            "participation": tasks.participation(self.eval_set, self.room.chances),
            "style": tasks.style(self.eval_set.items, generated),
            "copy_rate": tasks.copy_rate(self.eval_set, generated),
        }

    def guessing(self, guess: Callable[[str], float], chances: Callable) -> dict:
        """A baseline that writes nothing: it scores each candidate by its author alone."""
        def who(n: int, cands: Sequence[str]) -> np.ndarray:
            return np.array([guess(c) for c in cands])

        def reply(n: int, cands: Sequence[tuple[str, str]]) -> np.ndarray:
            return np.array([guess(pid) for pid, _ in cands])

        return {
            "who_said_it": tasks.who_said_it(self.eval_set, self.cands, who, self.seed),
            "reply_id": tasks.reply_id(self.eval_set, self.cands, reply, self.seed),
            "participation": tasks.participation(self.eval_set, chances),
        }

    def random(self) -> dict:
        rng = np.random.default_rng(self.seed + 3)
        n = len(self.eval_set.pack.personas)
        return self.guessing(lambda _: 0.0, lambda _: rng.random(n))

    def activity(self) -> dict:
        return self.guessing(lambda pid: float(self.posts[pid]), lambda _: self.talk)


async def evaluate(eval_set: EvalSet, llm: LLM, options: EvalOptions, *,
                   room: Room | None = None, on_done: Callable[[], None] = lambda: None) -> dict:
    started = time.perf_counter()
    room = room or Room(eval_set, options.seed)
    scoring = Scoring(eval_set, room, options.seed)
    made = await generate(room, eval_set, llm, concurrency=options.concurrency,
                          max_cost=options.max_cost, on_done=on_done)
    scored = scoring.of_replies(made.texts)
    echo = scoring.of_replies([i.stimulus.said.text for i in eval_set.items])
    del echo["copy_rate"]  # it repeats the stimulus, often someone's old post: no copying of its own
    result = {
        "pack": eval_set.pack.name, "model": options.model,
        "personas": len(eval_set.pack.personas), "held_out_items": eval_set.total_items,
        "items": len(eval_set.items), "seed": options.seed,
        "tasks": {k: v for k, v in scored.items() if k != "copy_rate"},
        "copy_rate": scored["copy_rate"],
        "replies_given": sum(bool(t) for t in made.texts),
        "baselines": {"random": scoring.random(), "activity": scoring.activity(), "echo": echo},
        "samples": _samples(eval_set, made.texts),
    }
    if options.model == "history":  # the model is the baseline: scored once
        result["baselines"]["history"] = scored
    else:
        history = await generate(room, eval_set, PastPostsLLM(), concurrency=options.concurrency)
        result["baselines"]["history"] = scoring.of_replies(history.texts)
        left = None if options.max_cost is None else max(0.0, options.max_cost - made.cost)
        named = await generate(room, eval_set, llm, concurrency=options.concurrency, max_cost=left,
                               who=[name_only(p) for p in room.personas])
        result["baselines"]["name_only"] = scoring.of_replies(named.texts)
        made = _together(made, named)
    result.update(_spend(made), seconds=round(time.perf_counter() - started, 1))
    return result


def _samples(eval_set: EvalSet, texts: Sequence[str]) -> list[dict]:
    """Real vs generated for the report: one item from each of the first few personas."""
    first: dict[str, int] = {}
    for n, item in enumerate(eval_set.items):
        first.setdefault(item.persona, n)
    return [{"persona": eval_set.items[n].persona, "stimulus": eval_set.items[n].stimulus.said.text,
             "real": eval_set.items[n].real, "generated": texts[n]}
            for n in list(first.values())[:SAMPLES]]


def _together(a: Generated, b: Generated) -> Generated:
    """What both runs of the model spent (the texts are the first's)."""
    return Generated(a.texts, a.cost + b.cost, a.calls + b.calls, a.cached + b.cached,
                     a.failed + b.failed, a.stopped or b.stopped, a.errors + b.errors)


def _spend(made: Generated) -> dict:
    return {"cost": round(made.cost, 4), "calls": made.calls, "cached_calls": made.cached,
            "failed_calls": made.failed, "errors": sorted(set(made.errors))[:3],
            "stopped_by_max_cost": made.stopped}
