"""From a batch's runs in SQLite to the numbers of its report, per variant.

Every number is computed from the transcript (messages, reactions, decisions), only over the one
finished run per (variant, seed) the ledger picks, and only over what personas did (never the
human's own post).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import aiosqlite
import numpy as np

from agents import tone
from bot.batch.stance import Reply, StanceClassifier
from bot.batch.themes import Quote, Theme, group
from bot.transcript import batches

BOOTSTRAP_RESAMPLES = 10_000
TIMELINE_BINS = 12
# A run is a backlash when at least this share of the personas who responded to the stimulus
# (replied or reacted) replied against it, and at least --backlash of them: 3 objectors out of
# 60 responders is a few voices, not a backlash; 3 out of 7 is.
BACKLASH_SHARE = 0.25


@dataclass
class Interval:
    estimate: float
    low: float
    high: float


@dataclass
class PersonaStats:
    id: str
    name: str
    replies: int
    negative: int
    positive: int
    reactions: int
    negative_runs: int  # runs in which this persona posted at least one negative reply
    first_negative: int  # runs in which this persona posted the first negative reply
    negative_per_run: float
    voted_against: int = 0  # meetings: votes against the motion, over all runs


@dataclass
class VariantStats:
    name: str
    text: str
    runs: int
    replies_per_run: float
    reactions_per_run: float
    reply_rate: float  # share of persona turns that ended in a reply
    reaction_rate: float  # share of persona turns that ended in a reaction
    turns: int
    emoji: dict[str, int]
    stance: dict[str, int]  # negative / neutral / positive reply counts
    negative_per_run: list[int]
    objectors_per_run: list[int]  # personas with at least one negative reply
    objector_share_per_run: list[float]  # … of the personas who responded at all
    backlash: Interval
    backlash_runs: int
    first_negative_seconds: list[float]  # per run that had one (simulated seconds after the post)
    first_negative_median: float | None
    personas: list[PersonaStats]
    themes: list[Theme]
    hits: dict[str, int]  # what the objections were about, by the appraisal: reason → personas
    timeline: list[float | None]  # mean stance of replies per time bin
    timeline_counts: list[int]
    endings: dict[str, int]  # how the runs ended: quiet, a budget, …
    tokens_per_run: float
    cost_per_run: float
    votes: dict[str, int] = field(default_factory=dict)  # meetings: for / against / abstain
    carried: Interval | None = None  # meetings: share of agenda items carried, over all runs
    verdict: str = ""


@dataclass
class BatchReport:
    batch_id: str
    pack: str
    scenario: str
    model: str
    classifier: str
    backlash_threshold: int  # the fewest objectors that make a backlash
    runs: int
    timeline_edges: list[float]
    variants: list[VariantStats] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    backlash_share: float = BACKLASH_SHARE


def bootstrap_interval(hits: list[bool], *, resamples: int = BOOTSTRAP_RESAMPLES,
                       seed: int = 0, level: float = 0.95) -> Interval:
    """Percentile bootstrap of a share; seeded, so the same runs give the same interval."""
    data = np.asarray(hits, dtype=np.float64)
    if data.size == 0:
        return Interval(0.0, 0.0, 0.0)
    rng = np.random.default_rng(seed)
    means = data[rng.integers(0, data.size, size=(resamples, data.size))].mean(axis=1)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return Interval(float(data.mean()), float(low), float(high))


async def aggregate(conn: aiosqlite.Connection, batch_id: str, classifier: StanceClassifier, *,
                    backlash_threshold: int = 3) -> BatchReport:
    runs = await batches.batch_runs(conn, batch_id)
    if not runs:
        raise LookupError(f"batch {batch_id} has no finished runs")
    run_ids = {r["id"] for r in runs}
    variant_of = {r["id"]: r["variant"] for r in runs}
    texts: dict[str, str] = {r["variant"]: r["title"] or "" for r in runs}

    names = await batches.persona_names(conn, batch_id)
    posted_at: dict[str, float] = {}
    replies: list[aiosqlite.Row] = []
    for r in await batches.messages(conn, batch_id):
        if r["run_id"] not in run_ids:
            continue
        if r["author_kind"] == "human":
            posted_at.setdefault(r["run_id"], r["vtime"])
        elif r["own_turn"] and r["run_id"] in posted_at:  # a feed's older posts do not respond
            replies.append(r)
    reactions = [r for r in await batches.reactions(conn, batch_id) if r["run_id"] in run_ids]
    turns: Counter[tuple[str, str]] = Counter()
    for r in await batches.turn_counts(conn, batch_id):
        if r["run_id"] in run_ids:
            turns[(variant_of[r["run_id"]], r["action"])] += r["n"]
    votes = [r for r in await batches.votes(conn, batch_id) if r["run_id"] in run_ids]
    spent = await batches.spending(conn, batch_id)

    stance_of: dict[int, int] = {}  # id(reply row) → its label
    for variant in sorted(texts):
        mine = [r for r in replies if variant_of[r["run_id"]] == variant]
        labels = await classifier.classify(texts[variant], [Reply(r["text"], r["lean"]) for r in mine])
        stance_of.update(zip(map(id, mine), labels, strict=True))

    horizon = max((r["vtime"] - posted_at.get(r["run_id"], 0.0) for r in replies), default=0.0)
    edges = list(np.linspace(0.0, max(horizon, 1e-9), TIMELINE_BINS + 1))
    report = BatchReport(batch_id, runs[0]["pack"], runs[0]["scenario"], runs[0]["model"],
                         classifier.name, backlash_threshold, len(runs), [float(e) for e in edges])
    for variant in sorted(texts):
        report.variants.append(_variant(
            variant, texts[variant], [r for r in runs if r["variant"] == variant],
            [r for r in replies if variant_of[r["run_id"]] == variant],
            [r for r in reactions if variant_of[r["run_id"]] == variant],
            turns, stance_of, posted_at, names, edges, backlash_threshold, spent,
            [r for r in votes if variant_of[r["run_id"]] == variant]))
    for v in report.variants:
        v.verdict = verdict(v, report.variants, backlash_threshold)
    return report


def _variant(name: str, text: str, runs: list[dict], replies: list, reactions: list,
             turns: Counter, stance_of: dict, posted_at: dict[str, float], names: dict[str, str],
             edges: list[float], threshold: int,
             spent: dict[str, tuple[int, float]], votes: list) -> VariantStats:
    n = len(runs)
    negative_in: Counter[str] = Counter()
    first_negative: dict[str, tuple[float, str]] = {}
    per_persona: dict[str, Counter] = defaultdict(Counter)
    negative_runs_of: dict[str, set[str]] = defaultdict(set)
    stance_counts: Counter[str] = Counter()
    bins: list[list[int]] = [[] for _ in range(len(edges) - 1)]
    quotes: list[Quote] = []
    hit_by: dict[str, set[str]] = defaultdict(set)

    for r in replies:
        label = stance_of[id(r)]
        stance_counts[("negative", "neutral", "positive")[label + 1]] += 1
        who = r["author_id"]
        per_persona[who]["replies"] += 1
        t = r["vtime"] - posted_at.get(r["run_id"], 0.0)
        index = min(int(np.searchsorted(edges, t, side="right")) - 1, len(bins) - 1)
        bins[max(index, 0)].append(label)
        if label < 0:
            negative_in[r["run_id"]] += 1
            per_persona[who]["negative"] += 1
            negative_runs_of[who].add(r["run_id"])
            if r["run_id"] not in first_negative or t < first_negative[r["run_id"]][0]:
                first_negative[r["run_id"]] = (t, who)
            # Lexicon scores order the example quotes, whatever labelled them.
            if r["concern"]:
                hit_by[r["concern"]].add(who)
            quotes.append(Quote(r["text"], names.get(who, who), r["run_id"],
                                tone.score(r["text"])))
        elif label > 0:
            per_persona[who]["positive"] += 1
    emoji: Counter[str] = Counter()
    for r in reactions:
        emoji[r["emoji"]] += 1
        per_persona[r["author_id"]]["reactions"] += 1

    negative_per_run = [negative_in[r["id"]] for r in runs]
    objecting: dict[str, set[str]] = defaultdict(set)
    responding: dict[str, set[str]] = defaultdict(set)
    for r in replies:
        responding[r["run_id"]].add(r["author_id"])
        if stance_of[id(r)] < 0:
            objecting[r["run_id"]].add(r["author_id"])
    for r in reactions:
        responding[r["run_id"]].add(r["author_id"])
    objectors = [len(objecting[r["id"]]) for r in runs]
    shares = [len(objecting[r["id"]]) / max(1, len(responding[r["id"]])) for r in runs]
    hits = [count >= threshold and share >= BACKLASH_SHARE
            for count, share in zip(objectors, shares, strict=True)]
    firsts = sorted(t for t, _ in first_negative.values())
    first_by = Counter(who for _, who in first_negative.values())
    total_turns = sum(turns[(name, a)] for a in ("reply", "react", "ignore"))
    personas = [
        PersonaStats(pid, names.get(pid, pid), c["replies"], c["negative"], c["positive"],
                     c["reactions"], len(negative_runs_of[pid]), first_by[pid],
                     c["negative"] / n)
        for pid, c in per_persona.items()]
    tally, carried, against = _tally(votes)
    for p in personas:
        p.voted_against = against[p.id]
    personas.sort(key=lambda p: (-p.negative, -p.first_negative, p.name))
    ignore = frozenset(w for p in personas for w in p.name.lower().split())
    return VariantStats(
        name=name, text=text, runs=n,
        replies_per_run=len(replies) / n, reactions_per_run=len(reactions) / n,
        reply_rate=turns[(name, "reply")] / total_turns if total_turns else 0.0,
        reaction_rate=turns[(name, "react")] / total_turns if total_turns else 0.0,
        turns=total_turns, emoji=dict(emoji.most_common()),
        stance={k: stance_counts[k] for k in ("negative", "neutral", "positive")},
        negative_per_run=negative_per_run, objectors_per_run=objectors,
        objector_share_per_run=shares, backlash=bootstrap_interval(hits),
        backlash_runs=sum(hits), first_negative_seconds=firsts,
        first_negative_median=float(np.median(firsts)) if firsts else None,
        personas=personas, themes=group(quotes, ignore, [r["text"] for r in replies]),
        hits={why: len(who) for why, who in sorted(hit_by.items(), key=lambda kv: (-len(kv[1]), kv[0]))},
        timeline=[float(np.mean(b)) if b else None for b in bins],
        timeline_counts=[len(b) for b in bins],
        endings=dict(Counter(_ending(r["stop_reason"]) for r in runs).most_common()),
        tokens_per_run=sum(spent.get(r["id"], (0, 0.0))[0] for r in runs) / n,
        cost_per_run=sum(spent.get(r["id"], (0, 0.0))[1] for r in runs) / n,
        votes=tally, carried=bootstrap_interval(carried) if carried else None)


def _tally(votes: list) -> tuple[dict[str, int], list[bool], Counter[str]]:
    """Votes by choice; for each (run, item), whether it carried (more for than against, as the
    chair counts it); votes against by persona."""
    tally = Counter(v["choice"] for v in votes)
    items: dict[tuple[str, int], Counter[str]] = defaultdict(Counter)
    for v in votes:
        items[(v["run_id"], v["item"])][v["choice"]] += 1
    carried = [c["for"] > c["against"] for _, c in sorted(items.items())]
    against = Counter(v["persona_id"] for v in votes if v["choice"] == "against")
    return {k: tally[k] for k in ("for", "against", "abstain")} if votes else {}, carried, against


def _ending(reason: str | None) -> str:
    """'budget: max-messages 60' → 'budget: max-messages'; 'quiet: nobody …' → 'quiet'."""
    reason = reason or "unknown"
    if reason.startswith("budget:"):
        return " ".join(reason.split()[:2])
    return reason.split(":")[0]


def duration(seconds: float) -> str:
    """Simulated time the way a reader thinks of it: 40 s, 12 min, 7.5 h."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _risk(p: float) -> str:
    return "low" if p < 0.1 else "moderate" if p < 0.33 else "high"


def verdict(v: VariantStats, every: list[VariantStats], threshold: int) -> str:
    """One sentence a reader can act on: the risk, its uncertainty, when, who and why."""
    b = v.backlash
    sentence = (f"{_risk(b.estimate).capitalize()} backlash risk: in {b.estimate:.0%} of {v.runs} "
                f"runs (95% CI {b.low:.0%}–{b.high:.0%}) a quarter or more of those who "
                f"responded, and {threshold}+ personas, replied against it")
    if v.first_negative_median is not None:
        sentence += (f"; the first negative reply came after a median "
                     f"{duration(v.first_negative_median)}")
    drivers = [p.name for p in v.personas if p.negative][:2]
    if drivers:
        sentence += f", driven by {' and '.join(drivers)}"
    if v.themes:
        sentence += f"; main objection: {v.themes[0].label}"
    if v.hits:
        why, count = next(iter(v.hits.items()))
        sentence += f" ({count} of them on {why})"
    if v.carried is not None:
        c = v.carried
        sentence += f"; the motion carried {c.estimate:.0%} of the time (95% CI {c.low:.0%}–{c.high:.0%})"
    others = [o for o in every if o is not v]
    if others and all(v.backlash.estimate < o.backlash.estimate for o in others):
        sentence += " (the safest variant)"
    return sentence + "."
