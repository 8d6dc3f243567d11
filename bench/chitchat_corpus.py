"""A community for `townhall eval` from a public corpus: the BYU PCC Chit-Chat dataset (MIT licence,
PyPI `chitchat-dataset`, 7,168 one-to-one chats by 1,315 anonymous speakers).

The N speakers in the most conversations and the chats among them become one JSONL export
(`townhall personas import --kind jsonl`): one row per turn (a speaker's consecutive messages,
joined), a reply to the other speaker's previous turn. Speakers are named
by the first 6 characters of their corpus id.

    pip install chitchat-dataset
    python bench/chitchat_corpus.py --speakers 70 --out chitchat-70.jsonl
    townhall personas import chitchat-70.jsonl --out chitchat-70 --holdout 0.2
    townhall eval chitchat-70 --model history

`docs/examples/chitchat/sample.jsonl` is `--speakers 12 --per-pair 2 --turns 12` (its LICENSE beside it).
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path


def corpus() -> dict:
    import chitchat_dataset  # only this script needs it

    path = Path(chitchat_dataset.__file__).with_name("dataset.json")
    return json.loads(path.read_text(encoding="utf-8"))


def _speakers(chat: dict) -> set[str]:
    return {m["sender"] for turn in chat["messages"] for m in turn}


def rows(data: dict, speakers: int, per_pair: int | None, turns: int | None) -> list[dict]:
    count = Counter(s for chat in data.values() for s in _speakers(chat))
    chosen = {s for s, _ in count.most_common(speakers)}
    by_pair: dict[frozenset, list] = {}
    for cid, chat in data.items():
        pair = frozenset(_speakers(chat))
        if chat["messages"] and len(pair) == 2 and pair <= chosen:
            by_pair.setdefault(pair, []).append((chat["messages"][0][0]["timestamp"], cid))
    kept = sorted(chat for chats in by_pair.values() for chat in sorted(chats)[:per_pair])
    out = []
    for _, cid in kept:
        previous = None
        for n, turn in enumerate(data[cid]["messages"][:turns]):
            row_id = f"{cid[:8]}-{n}"
            out.append({
                "id": row_id,
                "author": turn[0]["sender"][:6],
                "text": "\n".join(m["text"] for m in turn),
                "timestamp": turn[0]["timestamp"],
                "reply_to": previous or "",
            })
            previous = row_id
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speakers", type=int, default=70)
    parser.add_argument("--per-pair", type=int, default=None,
                        help="the earliest N chats of each pair of speakers only")
    parser.add_argument("--turns", type=int, default=None, help="the first N turns of a chat only")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    lines = rows(corpus(), args.speakers, args.per_pair, args.turns)
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines),
                        encoding="utf-8")
    print(f"{args.out}: {len(lines)} turns by {len({r['author'] for r in lines})} speakers")


if __name__ == "__main__":
    main()
