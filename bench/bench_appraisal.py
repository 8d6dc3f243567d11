"""What the appraisal costs (agents/appraisal.py, agents/embedding.py).

    PYTHONPATH=. python bench/bench_appraisal.py [--messages 60]

Prints, each measured in this run:
- loading all-MiniLM-L6-v2 (weights check, tokenizer, numpy arrays);
- embedding one sentence on its own, and per sentence in a batch of 256 (the anchor: the ratios
  below are to one sentence on its own);
- appraising a new message (two sentences, never seen before) for the board (7 personas), the
  community (21) and the community grown to 10,000 members: one embedding pass and a matrix
  product per message, whatever the size of the room;
- two processes embedding at once, with one BLAS thread each (what townhall does) and with
  OpenBLAS's default threads, against one process alone: why agents/embedding.py limits BLAS.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from agents.appraisal import Appraiser  # noqa: E402
from agents.embedding import SentenceEncoder  # noqa: E402
from agents.packs import load_pack  # noqa: E402
from agents.population import grow  # noqa: E402

SUBJECTS = ["prices", "the ad budget", "support hours", "the new app", "delivery fees", "the park",
            "our data policy", "the library", "payroll", "the Q3 plan"]
VERBS = ["go up", "are cut", "double", "stay the same", "are reviewed", "move to Thursday"]


def fresh_messages(count: int, salt: str) -> list[str]:
    """Distinct two-sentence messages nobody has embedded yet in this process."""
    return [f"From {salt} week {i}, {SUBJECTS[i % len(SUBJECTS)]} {VERBS[i % len(VERBS)]}. "
            f"Tell us what you think about item {i * 7 + 3} by Friday." for i in range(count)]


def per_call(fn, items) -> float:
    started = time.perf_counter()
    for item in items:
        fn(item)
    return (time.perf_counter() - started) / len(items)


_EMBED = ("import sys, time, contextlib; sys.path.insert(0, '.')\n"
          "from agents.embedding import SentenceEncoder\n"
          "e = SentenceEncoder()\n"
          "{undo}"
          "e.encode(['warm up'])\n"
          "t = time.perf_counter()\n"
          "e.encode([f'sentence number {{i}} about prices and the weather in town {{i * 7}}'\n"
          "          for i in range(SENTENCES)])\n"
          "print(time.perf_counter() - t)\n")
# OpenBLAS's default: as many threads as cores in each process (townhall's one-thread limit off).
_NO_LIMIT = "e._blas = type('NoLimit', (), {'limit': lambda self, **k: contextlib.nullcontext()})()\n"
SENTENCES = 400


def contention(limit: bool, processes: int) -> float:
    """Wall seconds for `processes` processes each embedding SENTENCES sentences at once."""
    code = _EMBED.format(undo="" if limit else _NO_LIMIT).replace("SENTENCES", str(SENTENCES))
    procs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                              cwd=Path(__file__).resolve().parent.parent)
             for _ in range(processes)]
    return max(float(p.communicate()[0]) for p in procs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=60)
    args = parser.parse_args()

    started = time.perf_counter()
    encoder = SentenceEncoder()
    loaded = time.perf_counter() - started
    singles = [f"a single sentence about {s} number {i}" for i, s in enumerate(SUBJECTS * 3)]
    one = per_call(lambda t: encoder.encode([t]), singles)
    batch = [f"batched sentence {i} about {SUBJECTS[i % 10]}" for i in range(256)]
    started = time.perf_counter()
    encoder.encode(batch)
    batched = (time.perf_counter() - started) / len(batch)

    print("appraisal cost · all-MiniLM-L6-v2 in numpy, one BLAS thread")
    print(f"  load the model                  {loaded:6.2f} s")
    print(f"  one sentence alone (anchor)     {one * 1000:6.1f} ms   1.00×")
    print(f"  per sentence, batch of 256      {batched * 1000:6.1f} ms   {batched / one:.2f}×")

    rooms = {"board (7)": load_pack("board").personas, "community (21)": load_pack("community").personas}
    community = load_pack("community")
    rooms["community grown to 10,000"] = grow(community.personas, community.room.follows, 10_000, 1)[0]
    for name, personas in rooms.items():
        appraiser = Appraiser(list(personas), encoder=encoder)
        appraiser.warm()
        appraiser.room("A first message, so the timing below is of the steady state.")
        cost = per_call(appraiser.room, fresh_messages(args.messages, name))
        print(f"  appraise a new message, {name:26}{cost * 1000:6.1f} ms   {cost / one:.2f}×")

    print(f"processes embedding {SENTENCES} sentences each at once, wall (anchor: one alone):")
    alone = contention(True, 1)
    for limit, label in ((True, "one BLAS thread (townhall)"), (False, "OpenBLAS default threads")):
        for processes in (1, 2):
            wall = contention(limit, processes)
            print(f"  {label:28} × {processes}  {wall:6.2f} s   {wall / alone:5.1f}×")


if __name__ == "__main__":
    main()
