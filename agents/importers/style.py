"""Style statistics from one person's posts and reactions: how they write, when, how they react."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from statistics import median

import emoji as emoji_lib

from agents.importers.history import Post, Reaction

WORD = re.compile(r"[^\W\d_][\w'’-]*")
_HASHTAG = re.compile(r"(?<![\w#])#\w+")
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_MENTION = re.compile(r"(?<![\w@])@\w+")
_LINK = re.compile(r"https?://\S+|\[link\]")
_PLACEHOLDER = re.compile(r"\[(?:email|phone|ip|token)\]")  # left by scrub
_STOPWORD_TEXT = """
a about above after again against all also am an and any are aren't as at be because been
before being below between both but by can can't cannot could couldn't did didn't do does
doesn't doing don't down during each even few for from further get gets got had hadn't has
hasn't have haven't having he he'd he'll he's her here here's hers herself him himself his how
how's i i'd i'll i'm i've if in into is isn't it it's its itself just let's like me more most
much mustn't my myself no nor not now of off on once one only or other ought our ours
ourselves out over own really same shan't she she'd she'll she's should shouldn't so some such
than that that's the their theirs them themselves then there there's these they they'd they'll
they're they've this those through to too under until up us very was wasn't we we'd we'll
we're we've were weren't what what's when when's where where's which while who who's whom why
why's will with won't would wouldn't yes yet you you'd you'll you're you've your yours
yourself yourselves im dont thats ive youre cant didnt doesnt isnt wont gonna want think know
see make go going way still well yeah ok okay oh lol rt amp someone link email phone token
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())  # noqa: SIM905 - a word list reads better as text


def emoji_in(text: str) -> list[str]:
    """Emoji are never ASCII, and the library's scan is slow: look only at non-ASCII runs."""
    return [e["emoji"] for run in _NON_ASCII.findall(text) for e in emoji_lib.emoji_list(run)]


def words(text: str) -> list[str]:
    return [w.lower().strip("'’-") for w in WORD.findall(text)]


def content_words(text: str) -> set[str]:
    """Words that say what a post is about: no links, @handles or stopwords."""
    text = _MENTION.sub(" ", _PLACEHOLDER.sub(" ", _LINK.sub(" ", text)))
    return {w for w in words(text) if len(w) > 2 and w not in STOPWORDS}


@dataclass(frozen=True)
class StyleStats:
    posts: int
    replies: int
    quotes: int
    reposts: int
    chars_median: int
    words_mean: float
    emoji_per_post: float
    hashtags_per_post: float
    mentions_per_post: float
    links_per_post: float
    capitals_share: float  # upper-case letters among letters
    lowercase_start_share: float  # posts that start with a lower-case letter
    exclamations_per_post: float
    questions_per_post: float
    ellipses_per_post: float
    active_hours_utc: list[int]
    top_emoji: list[str]  # used in their own posts
    reactions_given: int
    top_reactions: list[str]
    reactions_received_per_post: float
    median_reply_seconds: float | None
    top_words: list[str]
    top_hashtags: list[str]

    @property
    def reply_ratio(self) -> float:
        return self.replies / max(1, self.posts)

    def as_dict(self) -> dict:
        """For the persona file's `stats:`; empty or unknown figures are left out."""
        out: dict = {}
        for key, value in self.__dict__.items():
            if value is None or value == []:
                continue
            out[key] = round(value, 3) if isinstance(value, float) else value
        out["reply_ratio"] = round(self.reply_ratio, 3)
        return out


def active_hours(posts: list[Post], coverage: float = 0.8, minimum: int = 10) -> list[int]:
    """The fewest hours (UTC) holding `coverage` of their posts; [] if too few are dated."""
    hours = Counter(p.when.hour for p in posts if p.when is not None)
    total = sum(hours.values())
    if total < minimum:
        return []
    chosen, covered = [], 0
    for hour, count in sorted(hours.items(), key=lambda item: (-item[1], item[0])):
        if covered >= coverage * total:
            break
        chosen.append(hour)
        covered += count
    return sorted(chosen)


def _share(count: int, total: int) -> float:
    return count / total if total else 0.0


def style_stats(
    posts: list[Post], reactions: list[Reaction], reply_gaps: list[float], distinctive: list[str]
) -> StyleStats:
    """`posts` are one person's own posts (reposts included, they are counted but not read)."""
    own = [p for p in posts if p.kind != "repost"]
    texts = [p.text for p in own]
    n = len(own)
    letters = "".join(ch for t in texts for ch in t if ch.isalpha())
    emoji_used = Counter(e for t in texts for e in emoji_in(t))
    hashtags = Counter(h.lower() for t in texts for h in _HASHTAG.findall(t))
    return StyleStats(
        posts=n,
        replies=sum(p.kind == "reply" for p in own),
        quotes=sum(p.kind == "quote" for p in own),
        reposts=len(posts) - n,
        chars_median=int(median(len(t) for t in texts)) if texts else 0,
        words_mean=_share(sum(len(words(t)) for t in texts), n),
        emoji_per_post=_share(sum(emoji_used.values()), n),
        hashtags_per_post=_share(sum(hashtags.values()), n),
        mentions_per_post=_share(sum(len(_MENTION.findall(t)) for t in texts), n),
        links_per_post=_share(sum(len(_LINK.findall(t)) for t in texts), n),
        capitals_share=_share(sum(ch.isupper() for ch in letters), len(letters)),
        lowercase_start_share=_share(sum(t.lstrip()[:1].islower() for t in texts), n),
        exclamations_per_post=_share(sum(t.count("!") for t in texts), n),
        questions_per_post=_share(sum("?" in t for t in texts), n),
        ellipses_per_post=_share(sum(t.count("...") + t.count("…") for t in texts), n),
        active_hours_utc=active_hours(own),
        top_emoji=[e for e, _ in emoji_used.most_common(5)],
        reactions_given=len(reactions),
        top_reactions=[e for e, _ in Counter(r.emoji for r in reactions).most_common(5)],
        reactions_received_per_post=_share(sum(p.reactions_received for p in own), n),
        median_reply_seconds=float(median(reply_gaps)) if reply_gaps else None,
        top_words=distinctive,
        top_hashtags=[h for h, _ in hashtags.most_common(5)],
    )


def distinctive_words(texts_by_person: dict[str, list[str]], top: int = 8) -> dict[str, list[str]]:
    """Each person's characteristic words: frequent for them, rarer for the others (tf-idf)."""
    counts = {
        key: Counter(w for t in texts for w in content_words(t))
        for key, texts in texts_by_person.items()
    }
    people_with = Counter(w for c in counts.values() for w in c)
    n = len(counts)
    result = {}
    for key, counter in counts.items():

        def score(item: tuple[str, int], _n: int = n) -> tuple[float, str]:
            word, count = item
            rarity = 1.0 if _n == 1 else 1.0 + (_n - people_with[word]) / _n
            return (-(count * rarity), word)

        result[key] = [w for w, c in sorted(counter.items(), key=score) if c >= 2][:top]
    return result
