"""Batch throughput: runs/minute for a 10-persona meeting-like room with a zero-latency model.

Locally (asyncio, one process) and on a local Ray cluster with 1 and 2 workers. The model is the
instant fake backend, so this measures townhall itself: orchestration, the SQLite writer, and for
Ray the shipping and merging of runs.

    PYTHONPATH=. python bench/bench_batch.py [--runs 40] [--scenario meeting]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sqlite3
import tempfile
import time
from pathlib import Path

from agents.backends.pool import LLMPool
from agents.packs import bundled_root, load_pack
from bot.batch.plan import BatchPlan, Variant
from bot.batch.runner import LocalRunner
from bot.engine.budgets import Budgets
from bot.engine.settings import RunSettings

PARALLEL = 16  # rooms at once, in every mode
EXTRA = [("nadia", "Nadia Brooks", "Independent director, former CFO"),
         ("oskar", "Oskar Lind", "Head of sales"),
         ("rosa", "Rosa Vidal", "Employee representative")]


def ten_person_pack(root: Path) -> Path:
    """The bundled board (7) plus three more members: a 10-seat board room."""
    pack = root / "board10"
    shutil.copytree(bundled_root() / "board", pack)
    for pid, name, role in EXTRA:
        (pack / f"{pid}.md").write_text(
            f"---\nid: {pid}\nname: {name}\nrole: {role}\nactivity:\n  talkativeness: 0.35\n"
            f"  reaction_propensity: 0.4\n  reply_delay: 8\n---\nA board member.\n",
            encoding="utf-8")
    return pack


def meeting_script(root: Path) -> str:
    """Answers for `fake:FILE`, used in turn: members mostly speak when they look (6 in 10)."""
    answers = ([{"action": "reply", "text": f"A point on item {i}."} for i in range(6)]
               + [{"action": "react", "emoji": "👍"}, {"action": "react", "emoji": "🤔"},
                  {"action": "ignore"}, {"action": "ignore"}])
    path = root / "meeting.jsonl"
    path.write_text("\n".join(json.dumps(a) for a in answers), encoding="utf-8")
    return f"fake:{path}"


def plan(batch_id: str, runs: int, scenario: str, model: str) -> BatchPlan:
    variants = (Variant("a", "We propose a $2M Super Bowl ad to grow sign-ups."),
                Variant("b", "We propose $2M for onboarding and reliability work instead."))
    # A meeting is bounded: cap each run at 60 messages, like a time-boxed agenda item.
    settings = RunSettings(speed=0, budgets=Budgets(max_messages=60))
    return BatchPlan(batch_id, "board10", scenario, model, variants, runs // 2, 0, settings)


def report(label: str, runs: int, seconds: float, messages: int, db: Path) -> float:
    """Wall time of the whole call, and the steady rate from the first run's start to the last
    run's end as the transcript records them (without starting Ray's worker processes)."""
    with sqlite3.connect(db) as conn:
        first, last = conn.execute("SELECT MIN(started_at), MAX(finished_at) FROM runs").fetchone()
    rate = runs / (last - first) * 60
    print(f"{label:<27} {runs:>4} runs, wall {seconds:5.2f} s ({runs / seconds * 60:6.0f} runs/min)"
          f", running {last - first:5.2f} s → {rate:6.0f} runs/min, "
          f"{messages / max(runs, 1):.1f} messages/run")
    return rate


async def local(pack_dir: Path, db: Path, runs: int, scenario: str, model: str) -> float:
    pack = load_pack(str(pack_dir))
    runner = LocalRunner(plan("local", runs, scenario, model), pack, LLMPool(model), db,
                         parallel=PARALLEL)
    started = time.perf_counter()
    result = await runner.run()
    return report("local asyncio (1 process)", result.totals.runs_done,
                  time.perf_counter() - started, result.totals.messages, db)


async def on_ray(pack_dir: Path, db: Path, runs: int, scenario: str, model: str,
                 workers: int) -> float:
    from bot.batch.ray_cluster import RayRunner

    runner = RayRunner(plan(f"ray{workers}", runs, scenario, model), load_pack(str(pack_dir)), db,
                       address="local", workers=workers, parallel=PARALLEL)
    started = time.perf_counter()
    result = await runner.run()
    return report(f"Ray, {workers} worker{'s' * (workers > 1)}", result.totals.runs_done,
                  time.perf_counter() - started, result.totals.messages, db)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--scenario", default="meeting", help="meeting | discussion | feed")
    args = parser.parse_args()
    print(f"10-persona board room, scenario {args.scenario}, zero-latency fake model, "
          f"{os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        pack = ten_person_pack(root)
        model = meeting_script(root)
        asyncio.run(local(pack, root / "local.db", args.runs, args.scenario, model))
        try:
            import ray
        except ImportError:
            print("Ray not installed (pip install 'townhall[ray]'): skipping the cluster runs")
            return
        started = time.perf_counter()
        ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False,
                 logging_level="ERROR", runtime_env={"py_modules": _our_packages()})
        print(f"local Ray cluster started in {time.perf_counter() - started:.1f} s (not counted)")
        try:
            one = asyncio.run(on_ray(pack, root / "ray1.db", args.runs, args.scenario, model, 1))
            two = asyncio.run(on_ray(pack, root / "ray2.db", args.runs, args.scenario, model, 2))
            print(f"1 → 2 Ray workers: ×{two / one:.2f}")
        finally:
            ray.shutdown()


def _our_packages() -> list:
    import agents
    import bot
    import personas
    return [agents, bot, personas]


if __name__ == "__main__":
    main()
