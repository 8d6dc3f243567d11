"""From a History to personas: hold out the newest posts, measure style, pick examples, profile.

The persona files carry the statistics and provenance; the held-out posts go beside them for
evaluation later. Every piece of text that leaves here has been scrubbed of identifiers.
"""

from __future__ import annotations

import asyncio
import hashlib
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from agents.importers.examples import pick_examples
from agents.importers.history import History, ImportFailed, Person, Post
from agents.importers.profile import Profile, model_profile, statistics_profile
from agents.importers.scrub import scrub
from agents.importers.stimuli import Stimuli
from agents.importers.style import StyleStats, distinctive_words, style_stats
from agents.llm import LLM, LLMError
from agents.persona import Activity, Example, Persona, Provenance

PALETTE = [
    "#e67e22",
    "#1abc9c",
    "#3498db",
    "#9b59b6",
    "#e74c3c",
    "#16a085",
    "#f1c40f",
    "#2ecc71",
    "#d35400",
    "#8e44ad",
    "#2980b9",
    "#c0392b",
    "#27ae60",
    "#7f8c8d",
]
AVATARS = ["🦊", "🐢", "🦉", "🐙", "🦔", "🐝", "🦋", "🐳", "🦜", "🐧", "🦩", "🐿️", "🦦", "🐞"]
MAX_EXAMPLES = 12
PROFILE_CONCURRENCY = 4


@dataclass(frozen=True)
class BuildOptions:
    min_posts: int = 5
    holdout: float = 0.2
    consent: str = "unknown"
    examples: int = MAX_EXAMPLES


@dataclass
class Built:
    persona: Persona
    held_out: list[dict] = field(default_factory=list)
    profile_note: str | None = None  # why the statistics profile was used despite --model


@dataclass
class BuiltPack:
    personas: list[Built]
    follows: dict[str, list[str]]
    skipped: int  # people below --min-posts (or bots)
    source_name: str
    places: list[str]
    stimuli: list[dict] = field(default_factory=list)  # what the held-out posts answered


def persona_id(person: Person, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9_-]+", "-", (person.handle or person.name).lower()).strip("-_")[:44]
    base = base or "person"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _by_time(posts: list[Post]) -> list[Post]:
    """Oldest first; undated posts keep their file order ahead of the dated ones."""
    return sorted(posts, key=lambda p: (p.when is not None, p.when or datetime.min))


def split_holdout(posts: list[Post], fraction: float) -> tuple[list[Post], list[Post]]:
    ordered = _by_time(posts)
    held = min(int(len(ordered) * fraction), len(ordered) - 1)
    return (
        (ordered[: len(ordered) - held], ordered[len(ordered) - held :])
        if held > 0
        else (ordered, [])
    )


def _date_range(posts: list[Post]) -> str | None:
    dated = [p.when for p in posts if p.when is not None]
    if not dated:
        return None
    return f"{min(dated):%Y-%m-%d} – {max(dated):%Y-%m-%d}"


def _talkativeness(count: int, most: int, posts: list[Post], group: bool) -> float:
    """Relative to the busiest person in a group export; from posts per day for a single account."""
    if group:
        return round(0.05 + 0.55 * math.sqrt(count / most), 2)
    dated = [p.when for p in posts if p.when is not None]
    days = max(1.0, (max(dated) - min(dated)).total_seconds() / 86400) if dated else 1.0
    return round(min(0.7, max(0.05, 0.1 + 0.1 * math.log2(1 + count / days))), 2)


def _pick(seed: str, options: list[str]) -> str:
    return options[
        int(hashlib.blake2b(seed.encode(), digest_size=4).hexdigest(), 16) % len(options)
    ]


class Builder:
    def __init__(self, history: History, options: BuildOptions, llm: LLM | None = None) -> None:
        self.history = history
        self.options = options
        self.llm = llm
        self.posts_by: dict[str, list[Post]] = defaultdict(list)
        for post in history.posts:
            self.posts_by[post.author].append(post)
        self.post_author = {p.id: p.author for p in history.posts if p.id}
        self.post_time = {p.id: p.when for p in history.posts if p.id and p.when}
        self.stimuli: Stimuli | None = None

    def chosen_people(self) -> list[Person]:
        own = Counter(p.author for p in self.history.posts if p.kind != "repost")
        people = [
            self.history.people[key]
            for key in own
            if not self.history.people[key].is_bot and own[key] >= self.options.min_posts
        ]
        if not self.history.posts:
            raise ImportFailed(
                f"{self.history.source}: no posts found — fix: check it is a "
                f"{self.history.kind} export with messages in it"
            )
        if not people:
            key, most = own.most_common(1)[0] if own else ("", 0)
            who = self.history.people[key].name if key else "nobody"
            raise ImportFailed(
                f"{self.history.source}: nobody has {self.options.min_posts} posts "
                f"(the most is {most}, by {who}) — fix: lower --min-posts"
            )
        return sorted(people, key=lambda p: -own[p.key])

    async def build(self) -> BuiltPack:
        people = self.chosen_people()
        taken: set[str] = set()
        ids = {person.key: persona_id(person, taken) for person in people}
        keep = set(ids.values()) | {p.handle.lower() for p in people}
        splits = {p.key: split_holdout(self.posts_by[p.key], self.options.holdout) for p in people}
        for train, held in splits.values():  # before anything reads the text, words included
            for post in (*train, *held):
                post.text = scrub(post.text, keep)
        self.stimuli = Stimuli(self.history, ids, keep)
        own_counts = {
            key: sum(p.kind != "repost" for p in train) for key, (train, _) in splits.items()
        }
        distinct = distinctive_words(
            {
                key: [p.text for p in train if p.kind != "repost"]
                for key, (train, _) in splits.items()
            }
        )
        reactions_by: dict[str, list] = defaultdict(list)
        for reaction in self.history.reactions:
            reactions_by[reaction.author].append(reaction)
        most = max(own_counts.values())
        semaphore = asyncio.Semaphore(PROFILE_CONCURRENCY)

        async def one(person: Person) -> Built:
            async with semaphore:
                return await self._persona(
                    person,
                    ids[person.key],
                    splits[person.key],
                    distinct[person.key],
                    reactions_by[person.key],
                    most,
                    len(people) > 1,
                )

        built = await asyncio.gather(*(one(p) for p in people))
        return BuiltPack(
            list(built),
            self._follows(ids),
            len(self.history.people) - len(people),
            Path(self.history.source).name,
            sorted(self.history.places),
            self.stimuli.rows([p for _, held in splits.values() for p in held]),
        )

    async def _persona(
        self,
        person: Person,
        pid: str,
        split: tuple[list[Post], list[Post]],
        top_words: list[str],
        reactions: list,
        most: int,
        group: bool,
    ) -> Built:
        train, held = split
        gaps = [
            (p.when - self.post_time[p.reply_to]).total_seconds()
            for p in train
            if p.kind == "reply" and p.when and p.reply_to in self.post_time
        ]
        stats = style_stats(train, reactions, [g for g in gaps if g > 0], top_words)
        talk = _talkativeness(stats.posts, most, train, group)
        has_reactions = bool(self.history.reactions)
        propensity = (
            round(min(0.95, max(0.02, len(reactions) / (len(reactions) + stats.posts))), 2)
            if has_reactions
            else None
        )
        examples = pick_examples(train, self.options.examples)
        role = self._role(person)
        profile, note = statistics_profile(role, stats, talk, propensity, train), None
        if self.llm is not None:
            try:
                written = await model_profile(
                    self.llm, person.name, stats, pick_examples(train, 40)
                )
                # What the model left empty, the person's own words still say.
                profile = written.model_copy(update={
                    kind: getattr(profile, kind) for kind in ("interests", "values", "concerns")
                    if not getattr(written, kind)})
            except LLMError as exc:
                note = f"model profile failed, used statistics instead: {exc}"
        activity = Activity(
            talkativeness=talk,
            reaction_propensity=propensity if propensity is not None else 0.3,
            reply_delay=round(min(120.0, max(3.0, stats.median_reply_seconds)), 1)
            if stats.median_reply_seconds
            else 8.0,
            emoji=(stats.top_reactions or stats.top_emoji or ["👍", "🤔"])[:4],
            active_hours=stats.active_hours_utc,
        )
        persona = Persona(
            id=pid,
            name=person.name[:80] or pid,
            role=profile.role[:200],
            avatar=_pick(pid, AVATARS),
            color=_pick(pid + "#", PALETTE),
            bio=self._bio(profile),
            traits=profile.traits,
            stances={s.topic: s.stance for s in profile.stances},
            interests=profile.interests,
            values=profile.values,
            concerns=profile.concerns,
            style=profile.style,
            activity=activity,
            examples=[
                Example(
                    text=p.text[:4000],
                    source=p.where or None,
                    date=f"{p.when:%Y-%m-%d}" if p.when else None,
                    kind=p.kind,
                )
                for p in examples
            ],
            provenance=Provenance(
                source=f"{self.history.kind} export {Path(self.history.source).name}",
                consent=self.options.consent,
                date_range=_date_range(train),
                post_count=stats.posts,
                notes=self._notes(held, note),
            ),
            stats=self._stats(stats, has_reactions, len(held)),
        )
        held_rows = [
            {
                "text": p.text,
                "date": p.when.isoformat() if p.when else None,
                "kind": p.kind,
                "where": p.where,
                "id": p.id,
                "reply_to": parent.id if (parent := self.stimuli.parent(p)) else None,
            }
            for p in held
        ]
        return Built(persona, held_rows, note)

    def _role(self, person: Person) -> str:
        if self.history.kind == "twitter":
            return f"@{person.handle} on X"
        places = sorted({p.where for p in self.posts_by[person.key] if p.where})
        shown = ", ".join(places[:3]) + (" …" if len(places) > 3 else "")
        return f"member of {shown}" if shown else f"member of {self.history.kind} export"

    @staticmethod
    def _bio(profile: Profile) -> str:
        topics = f"\n\nTopics: {', '.join(profile.topics)}." if profile.topics else ""
        return profile.bio + topics

    def _notes(self, held: list[Post], note: str | None) -> str | None:
        parts = []
        if held:
            since = _date_range(held)
            parts.append(
                f"newest {len(held)} posts held out for evaluation"
                + (f" ({since})" if since else "")
            )
        if note:
            parts.append(note)
        return "; ".join(parts) or None

    @staticmethod
    def _stats(stats: StyleStats, has_reactions: bool, held: int) -> dict:
        out = stats.as_dict()
        if not has_reactions:
            out.pop("reactions_given", None)
            out["reactions"] = "not in the export"
        out["held_out"] = held
        return out

    def _follows(self, ids: dict[str, str]) -> dict[str, list[str]]:
        """Who pays attention to whom: two or more replies or reactions to someone's posts."""
        seen: Counter[tuple[str, str]] = Counter()
        for post in self.history.posts:
            target = self.post_author.get(post.reply_to or "")
            if post.kind == "reply" and target:
                seen[(post.author, target)] += 1
        for reaction in self.history.reactions:
            target = self.post_author.get(reaction.to_post or "")
            if target:
                seen[(reaction.author, target)] += 1
        follows: dict[str, list[str]] = defaultdict(list)
        for (who, whom), count in sorted(seen.items()):
            if count >= 2 and who != whom and who in ids and whom in ids:
                follows[ids[who]].append(ids[whom])
        return dict(follows)
