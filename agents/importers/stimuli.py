"""What each held-out post answered, so the hold-out can be used as test prompts (`townhall eval`).

For every held-out reply whose parent is in the export, the parent is a *stimulus*: its text and
author, the few messages before it (the reply chain it answers; for a post that starts one, what
came just before it in the same channel or file), and who in the pack
really answered it or reacted to it. People outside the pack are named "someone", like their
@handles; every text is scrubbed like the rest of the pack.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from agents.importers.history import History, Post
from agents.importers.scrub import scrub

CONTEXT = 4  # messages shown before the stimulus: enough to know what it is about
OUTSIDER = "someone"


def _order(post: Post) -> tuple:
    return (post.when is not None, post.when or datetime.min)


class Stimuli:
    def __init__(self, history: History, ids: dict[str, str], keep: set[str]) -> None:
        """`ids`: a person's source key → their persona id, for the people in the pack."""
        self.history = history
        self.ids = ids
        self.keep = keep
        self.by_id = {p.id: p for p in history.posts if p.id}
        self._place: dict[str, list[Post]] = defaultdict(list)
        for post in sorted(history.posts, key=_order):  # stable: file order breaks ties
            self._place[post.where].append(post)
        self._position = {id(p): i for posts in self._place.values() for i, p in enumerate(posts)}

    def parent(self, post: Post) -> Post | None:
        """The post this one answers, when it is in the export (not a thread of one's own)."""
        parent = self.by_id.get(post.reply_to or "")
        return parent if parent is not None and parent.author != post.author else None

    def rows(self, held: list[Post]) -> list[dict]:
        """One row per post that some held-out post answers, in time order."""
        parents = {p.id: p for post in held if (p := self.parent(post)) is not None}
        replied: dict[str, set[str]] = defaultdict(set)
        for post in self.history.posts:
            if post.reply_to in parents and post.author in self.ids:
                replied[post.reply_to].add(self.ids[post.author])
        reacted: dict[str, set[str]] = defaultdict(set)
        for reaction in self.history.reactions:
            if reaction.to_post in parents and reaction.author in self.ids:
                reacted[reaction.to_post].add(self.ids[reaction.author])
        return [
            {
                **self._message(post),
                "id": post.id,
                "date": post.when.isoformat() if post.when else None,
                "where": post.where,
                "answers": self._member(self.by_id.get(post.reply_to or "")),  # drawn back in
                "context": [self._message(p) for p in self._before(post)],
                "replied": sorted(replied[post.id] - {self.ids.get(post.author)}),
                "reacted": sorted(reacted[post.id] - {self.ids.get(post.author)}),
            }
            for post in sorted(parents.values(), key=_order)
        ]

    def _member(self, post: Post | None) -> str | None:
        return self.ids.get(post.author) if post is not None else None

    def _message(self, post: Post) -> dict:
        pid = self.ids.get(post.author)
        name = self.history.people[post.author].name if pid else OUTSIDER
        return {"author": pid, "name": name, "text": scrub(post.text, self.keep)}

    def _before(self, post: Post) -> list[Post]:
        chain, seen = [], {post.id}
        parent = self.by_id.get(post.reply_to or "")
        while parent is not None and len(chain) < CONTEXT and parent.id not in seen:
            chain.append(parent)
            seen.add(parent.id)
            parent = self.by_id.get(parent.reply_to or "")
        if chain:
            return chain[::-1]
        place = self._place[post.where]
        at = self._position[id(post)]
        return place[max(0, at - CONTEXT) : at]
