"""A Twitter-like feed: posts, replies, likes, reposts and quotes; each agent on its own ranked
feed.

Nobody sees everything. Agents open the app in sessions that follow their habits (their online
hours; posters more often than lurkers); each session ranks the recent pool for that agent
(recency, engagement, whom it follows and who reposted, a little randomness) and shows the top
few. An agent can only act on what its feed showed it. A human post (the ad, the statement) is
seeded into the pool as a promoted post; the run ends with a report on how it travelled.

Scoring is vectorised over a fixed-size pool (numpy), so a session costs tens of microseconds
whatever the population.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from agents.agent import Outcome
from agents.context import DecisionContext, VisibleMessage
from agents.feed_actions import LIKE, REPOST, choose_feed_action, write_post
from bot.engine.policy import Engine, Policy, Turn
from bot.scenarios.feed.report import FeedStats, post_figures, render_report

HUMAN = -1
REACH_EVERY = 900.0  # simulated seconds between live reach events (a live view's pinned post)


@dataclass
class Feed(Policy):
    hours: float = 12.0  # simulated hours the community is watched for
    start_hour: int = 9  # local hour at simulated time 0 (who is online depends on it)
    feed_size: int = 8  # posts shown per session
    max_actions_per_session: int = 2
    pool_size: int = 512  # the recent posts a feed is ranked from
    recency_hours: float = 3.0
    promoted_boost: float = 0.5  # the seeded human post is promoted, like an ad
    follows: dict[str, list[str]] | None = None  # None: the pack's Room.follows
    warmup_posts: int | None = None  # timeline before the human post; None: about 1 in 20 members
    name: str = field(default="feed", init=False)

    def options(self) -> dict:
        return {
            "hours": self.hours,
            "start_hour": self.start_hour,
            "feed_size": self.feed_size,
            "max_actions_per_session": self.max_actions_per_session,
            "pool_size": self.pool_size,
            "recency_hours": self.recency_hours,
            "promoted_boost": self.promoted_boost,
            "warmup_posts": self.warmup_posts,
        }

    def bind(self, engine: Engine) -> None:
        super().bind(engine)
        n = len(engine.personas)
        seed = engine.settings.seed
        self.rng = np.random.default_rng([seed, 0xFEED])
        follows = self.follows if self.follows is not None else engine.pack.room.follows
        self.following = [self._indices(follows.get(p.id, ())) for p in engine.personas]
        self.talk = np.array([p.activity.talkativeness for p in engine.personas])
        react = np.array([p.activity.reaction_propensity for p in engine.personas])
        self.engage = np.clip(0.06 + 0.45 * np.maximum(self.talk, react), 0, 0.9)
        self.post_chance = 0.35 * self.talk
        cap = self.pool_size
        self.pool_ids = np.zeros(cap, dtype=np.int64)
        self.pool_times = np.zeros(cap)
        self.pool_sharers = np.full(cap, HUMAN, dtype=np.int64)
        self.pool_filled, self.pool_next = 0, 0
        size = 1024
        self.author = np.full(size, HUMAN, dtype=np.int64)
        self.promoted = np.zeros(size, dtype=bool)
        self.counts = np.zeros((4, size), dtype=np.int64)  # likes, reposts, replies, quotes
        self.seen_by: dict[int, set[int]] = {}
        self._last_reach: list[dict] = []
        self.stats = FeedStats()
        self.n = n

    def _indices(self, ids) -> np.ndarray:
        found = {self.engine.index_of(i) for i in ids} - {None}
        return np.array(sorted(found), dtype=np.int64)

    # -- the pool ----------------------------------------------------------------------------

    def _grow(self, message_id: int) -> None:
        size = self.author.shape[0]
        if message_id < size:
            return
        new = max(size * 2, message_id + 1)
        self.author = np.concatenate([self.author, np.full(new - size, HUMAN, dtype=np.int64)])
        self.promoted = np.concatenate([self.promoted, np.zeros(new - size, dtype=bool)])
        self.counts = np.concatenate([self.counts, np.zeros((4, new - size), dtype=np.int64)], 1)

    def _share(self, message_id: int, sharer: int, vtime: float) -> None:
        slot = self.pool_next
        if self.pool_filled == self.pool_size:
            # A promoted human post stays in the pool for the whole run (a campaign), however
            # busy the feed gets; everything else ages out oldest first.
            for _ in range(self.pool_size):
                if not (self.pool_sharers[slot] == HUMAN and self.promoted[self.pool_ids[slot]]):
                    break
                slot = (slot + 1) % self.pool_size
        self.pool_ids[slot], self.pool_times[slot], self.pool_sharers[slot] = (
            message_id,
            vtime,
            sharer,
        )
        self.pool_next = (slot + 1) % self.pool_size
        self.pool_filled = min(self.pool_filled + 1, self.pool_size)

    def on_message(self, message: VisibleMessage, author: int | None, vtime: float) -> None:
        self._grow(message.id)
        self.author[message.id] = HUMAN if author is None else author
        if message.author_kind == "human" and message.reply_to is None:  # the ad, the statement
            self.promoted[message.id] = True
            self.stats.seeded.append(message.id)
        if message.reply_to is not None:
            self.counts[2, message.reply_to] += 1
        if message.quote_of is not None:
            self.counts[3, message.quote_of] += 1
        target = message.reply_to if message.reply_to is not None else message.quote_of
        if target is not None and self.promoted[target]:
            self.stats.responses.append(
                (vtime, "reply" if message.quote_of is None else "quote", message.text, target)
            )
        self._share(message.id, HUMAN if author is None else author, vtime)

    def on_inherited(self, message: VisibleMessage) -> None:
        self.on_message(message, self.engine.index_of(message.author_id), self.engine.clock.now)

    def on_inherited_reaction(
        self, message_id: int, author: int | None, emoji: str, vtime: float
    ) -> None:
        if emoji == LIKE:
            self.counts[0, message_id] += 1
        elif emoji == REPOST:
            self.counts[1, message_id] += 1
            self._share(message_id, HUMAN if author is None else author, vtime)

    # -- sessions ----------------------------------------------------------------------------

    def begin(self) -> None:
        engine = self.engine
        self._warm_up()
        hours = max(1, math.ceil(self.hours))
        online = np.zeros((self.n, 24), dtype=bool)
        for i, p in enumerate(engine.personas):
            online[i, p.activity.active_hours or list(range(8, 24))] = True
        # Posters open the app often, lurkers now and then: ~1 to ~12 sessions a day.
        per_day = 1.0 + 11.0 * self.talk
        per_hour = per_day / online.sum(axis=1)
        clock_hours = (self.start_hour + np.arange(hours)) % 24
        rates = online[:, clock_hours] * per_hour[:, None]
        counts = self.rng.poisson(rates)
        limit = self.hours * 3600
        for persona, hour in zip(*np.nonzero(counts), strict=True):
            for offset in self.rng.uniform(0, 3600, counts[persona, hour]):
                at = hour * 3600 + offset
                if engine.clock.now <= at < limit:  # a fork starts where its parent was
                    engine.schedule(at, lambda p=int(persona): self._session(p))
        for at in np.arange(REACH_EVERY, limit, REACH_EVERY).tolist():
            if engine.clock.now <= at:
                engine.schedule(at, self._report_reach)
        engine.schedule(limit, lambda: engine.request_stop(f"feed: {self.hours:g} simulated hours"))

    def _warm_up(self) -> None:
        """The timeline before the human post: posters' own past posts, so the ad competes."""
        engine = self.engine
        if self.pool_filled:  # a fork inherited its parent's timeline
            return
        count = self.warmup_posts if self.warmup_posts is not None else max(3, self.n // 20)
        posters = np.argsort(-self.talk, kind="stable")[:count]
        for persona in posters.tolist():
            examples = engine.personas[persona].examples
            if examples:
                engine.post(engine.personas[persona].id, examples[0].text)

    def _rank(self, persona: int, now: float) -> list[int]:
        n = self.pool_filled
        if n == 0:
            return []
        ids = self.pool_ids[:n]
        sharers = self.pool_sharers[:n]
        c = self.counts[:, ids]
        engagement = np.log1p(c[0] + 2 * c[1] + 2 * c[2] + 3 * c[3])
        recency = np.exp(-(now - self.pool_times[:n]) / (self.recency_hours * 3600))
        follows = np.isin(sharers, self.following[persona])
        score = (
            recency
            + 0.5 * engagement
            + 1.2 * follows
            + self.promoted_boost * self.promoted[ids]
            + 0.4 * self.rng.random(n)
        )
        score[self.author[ids] == persona] = -np.inf  # not your own posts
        want = min(n, 3 * self.feed_size)
        top = np.argpartition(-score, want - 1)[:want] if want < n else np.arange(n)
        top = top[np.argsort(-score[top], kind="stable")]
        feed: list[int] = []
        for j in top.tolist():
            message_id = int(ids[j])
            if score[j] == -np.inf or message_id in feed:
                continue
            viewers = self.seen_by.get(message_id)
            if viewers is not None and persona in viewers:
                continue  # seen in an earlier session
            feed.append(message_id)
            if len(feed) == self.feed_size:
                break
        return feed

    def _session(self, persona: int) -> None:
        engine = self.engine
        now = engine.clock.now
        feed = self._rank(persona, now)
        if not feed:
            return
        for message_id in feed:
            self.seen_by.setdefault(message_id, set()).add(persona)
        window = tuple(engine.message(m) for m in feed)
        rolls = self.rng.random(len(feed) + 1)
        acted = 0
        for k, message_id in enumerate(feed):
            if acted == self.max_actions_per_session:
                break
            # A post that touches what they care about stops the scroll; the rest mostly does not.
            care = engine.opinions.of(message_id).relevance_of(persona)
            if rolls[k] < self.engage[persona] * (0.35 + 1.3 * care):
                acted += 1
                engine.give_turn(
                    persona,
                    message_id,
                    now + 2.0 * (k + 1),
                    act=choose_feed_action,
                    context=self._context(persona, message_id, window),
                )
        if rolls[-1] < self.post_chance[persona]:
            engine.give_turn(
                persona,
                feed[0],
                now + 2.0 * (len(feed) + 1),
                act=write_post,
                context=self._context(persona, feed[0], window),
                tag="post",
            )

    def _context(
        self, persona: int, message_id: int, window: tuple[VisibleMessage, ...]
    ) -> DecisionContext:
        engine = self.engine
        trigger = engine.message(message_id)
        parent = engine.message(trigger.reply_to)
        me = engine.personas[persona].id
        shown = window if parent is None or parent in window else (parent, *window)
        return DecisionContext(
            room_name=engine.pack.room.name,
            room_topic=engine.pack.room.topic,
            trigger=trigger,
            window=shown,
            replied_to_me=parent is not None and parent.author_id == me,
            my_recent_texts=engine.conversation.said(persona),
            seed=engine.settings.seed,
        )

    def context(self, turn: Turn) -> DecisionContext:
        # Every feed turn carries the context of the session that made it; this is a safeguard.
        return replace(self.engine.open_context(turn), window=(self.engine.message(turn.trigger_id),))

    # -- actions -----------------------------------------------------------------------------

    def apply(self, turn: Turn, outcome: Outcome) -> None:
        engine, kind = self.engine, outcome.payload
        persona = engine.personas[turn.persona]
        target = turn.trigger_id
        if kind == "like" and engine.react(turn.persona, target, LIKE):
            self.counts[0, target] += 1
        elif kind == "repost" and engine.react(turn.persona, target, REPOST):
            self.counts[1, target] += 1
            self._share(target, turn.persona, engine.clock.now)
        elif kind == "reply":
            engine.post(persona.id, outcome.decision.text or "", reply_to=target)
        elif kind == "quote":
            engine.post(persona.id, outcome.decision.text or "", quote_of=target)
        elif kind == "post":
            engine.post(persona.id, outcome.decision.text or "")

    # -- the report --------------------------------------------------------------------------

    def _tally_seeded(self) -> None:
        stats = self.stats
        stats.members = self.n
        stats.hours, stats.start_hour = self.hours, self.start_hour
        for seeded in stats.seeded:
            stats.reach[seeded] = len(self.seen_by.get(seeded, ()))
            stats.likes[seeded] = int(self.counts[0, seeded])
            stats.reposts[seeded] = int(self.counts[1, seeded])

    def _report_reach(self) -> None:
        """Every REACH_EVERY simulated seconds, how far the human posts have got: a live view
        shows it (and plots it); nothing is recorded while it has not changed."""
        self._tally_seeded()
        posts = [post_figures(self.stats, post) for post in self.stats.seeded]
        if posts and posts != self._last_reach:
            self._last_reach = posts
            self.engine.status("reach", posts=posts, members=self.n, start_hour=self.start_hour)

    def finish(self, reason: str) -> None:
        self._tally_seeded()
        markdown, data = render_report(self.stats, reason)
        self.engine.status("report", markdown=markdown, data=data)
