"""How fast `personas import` turns a large export into a pack, and how much memory it takes.

Writes a synthetic DiscordChatExporter JSON and a JSONL file of the same posts (AUTHORS people,
POSTS messages, a reaction on every third) to a temp folder, imports each in a fresh process and
prints posts/s and peak RSS.

    PYTHONPATH=. python bench/import_speed.py [POSTS] [AUTHORS]
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

WORDS = (  # noqa: SIM905 - a word list reads better as text
    "launch price team coffee weekend city rain budget design music game school market "
    "river bakery train bike library doctor garden festival election concert phone app "
    "update ticket rent bus council startup recipe movie book podcast delivery"
).split()

MEASURE = """
import resource, sys, time
from pathlib import Path
from agents.importers.builder import BuildOptions
from agents.importers.importer import import_pack
t = time.perf_counter()
result = import_pack(Path(sys.argv[1]), Path(sys.argv[2]), options=BuildOptions(min_posts=5))
print(time.perf_counter() - t, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
      len(result.pack.personas))
"""


def messages(posts: int, authors: int) -> list[dict]:
    rng = random.Random(7)
    start = datetime(2023, 1, 1, tzinfo=UTC)
    weights = [1 / (rank + 1) for rank in range(authors)]  # a few power posters, a long tail
    people = rng.choices(range(authors), weights, k=posts)
    out = []
    for n, who in enumerate(people):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 30)))
        message = {
            "id": str(10**9 + n),
            "type": "Default",
            "timestamp": (start + timedelta(seconds=n * 37)).isoformat(),
            "content": text.capitalize() + rng.choice([".", "!", "?", " 🙂"]),
            "author": {"id": str(who), "name": f"user{who}", "nickname": None, "isBot": False},
            "reactions": [],
        }
        if n % 3 == 0:
            reactor = rng.choices(range(authors), weights)[0]
            message["reactions"].append(
                {
                    "emoji": {"name": "👍"},
                    "count": 1,
                    "users": [{"id": str(reactor), "name": f"user{reactor}"}],
                }
            )
        out.append(message)
    return out


def main() -> None:
    posts = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    authors = int(sys.argv[2]) if len(sys.argv) > 2 else 500
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = messages(posts, authors)
        discord = folder / "general.json"
        discord.write_text(
            json.dumps(
                {"guild": {"name": "Bench"}, "channel": {"name": "general"}, "messages": rows}
            ),
            encoding="utf-8",
        )
        jsonl = folder / "posts.jsonl"
        with jsonl.open("w", encoding="utf-8") as handle:
            for m in rows:
                handle.write(
                    json.dumps(
                        {
                            "author": m["author"]["name"],
                            "text": m["content"],
                            "timestamp": m["timestamp"],
                        }
                    )
                    + "\n"
                )
        print(f"{posts:,} posts by {authors} authors (Zipf), one process per import")
        for label, source in (("discord json", discord), ("jsonl", jsonl)):
            size = source.stat().st_size / 1024**2
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", MEASURE, str(source), str(folder / label)],
                capture_output=True,
                text=True,
                check=True,
            )
            seconds, rss, personas = done.stdout.split()
            print(
                f"{label:>13}: {size:6.1f} MB → {personas} personas in {float(seconds):5.1f} s "
                f"({posts / float(seconds):,.0f} posts/s), peak RSS {float(rss):.1f} MB, "
                f"process wall {time.perf_counter() - started:.1f} s"
            )


if __name__ == "__main__":
    main()
