"""Interests, values and concerns from a person's own posts, with no model; and the appraisal of
the persona built from them follows what the person said."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agents.appraisal import Appraiser
from agents.importers.history import Post
from agents.importers.leanings import derive_leanings
from agents.persona import Persona

T0 = datetime(2024, 1, 1, tzinfo=UTC)

GRUMBLER = [
    "Shipping took three weeks again, this is terrible.",
    "The hidden fees at checkout are a scam, I hate it.",
    "Shipping delays are awful and nobody answers the phone.",
    "Honestly the support team was wonderful, they fixed my order in minutes!",
    "Love the new recycled packaging, great job.",
    "Does anyone know when the winter catalogue comes out?",
    "Is the store open on Sundays?",
    "Picked up some seeds for the garden today.",
    "The garden beds need another load of compost this weekend.",
    "https://example.com/deal @sam check this out 🔥🔥",
]


def _posts(texts: list[str], kind: str = "post") -> list[Post]:
    return [Post("a", t, T0 + timedelta(hours=i), kind=kind) for i, t in enumerate(texts)]


def test_complaints_become_concerns_and_praise_values_in_their_own_words() -> None:
    found = derive_leanings(_posts(GRUMBLER))
    assert any("hidden fees" in c for c in found.concerns)
    assert any("shipping" in c for c in found.concerns)
    # Two complaints about shipping are one concern, not two.
    assert sum("shipping" in c for c in found.concerns) == 1
    assert any("support team was wonderful" in v for v in found.values)
    assert any("recycled packaging" in v for v in found.values)
    # A question neither praises nor complains; links, handles and emoji are not words of theirs.
    every = found.interests + found.values + found.concerns
    assert not any(w.startswith(("does anyone", "is the store")) for w in found.values + found.concerns)
    assert not any(("http" in w) or ("@" in w) or ("🔥" in w) for w in every)
    assert found.interests and all(3 <= len(w.split()) <= 16 for w in every)


def test_nothing_to_go_on_gives_nothing() -> None:
    assert derive_leanings([]) == derive_leanings(_posts(["ok", "lol", "👍"]))
    assert derive_leanings(_posts(GRUMBLER, kind="repost")).interests == []  # not their words


def test_a_long_clause_is_cut_on_a_word_that_carries_meaning() -> None:
    long = ("the dashboard loads in four seconds on my phone which is not great for anyone who "
            "checks invoices on the train")
    (cut,) = derive_leanings(_posts([long])).interests
    assert len(cut.split()) <= 12 and cut.split()[-1] not in {"which", "is", "not", "and", "the"}


def test_a_long_clause_whose_first_words_are_all_filler_is_left_out() -> None:
    # Real chat (the Chit-Chat corpus) has these: the cut would keep nothing.
    filler = ("so it was that i was the one it is the one that i was so it was that i was the one "
              "with the parking fine at noon today")
    found = derive_leanings(_posts([filler, *GRUMBLER]))
    assert not any(w.startswith("so it was") for w in found.interests + found.values + found.concerns)


def test_the_imported_persona_takes_messages_the_way_its_posts_lean() -> None:
    found = derive_leanings(_posts(GRUMBLER))
    persona = Persona(id="gina", name="Gina", role="shopper", interests=found.interests,
                      values=found.values, concerns=found.concerns)
    appraiser = Appraiser([persona])
    bad = appraiser.explain(appraiser.room("From May, delivery takes four weeks and we add a "
                                           "handling fee at checkout."), 0)
    good = appraiser.explain(appraiser.room("Every order now ships in recycled packaging, and our "
                                            "support team fixes any problem within minutes."), 0)
    unrelated = appraiser.explain(appraiser.room("The quarterly board meeting moves to Thursday."), 0)
    assert bad.stance == "against" and good.stance == "for"
    assert unrelated.relevance < min(bad.relevance, good.relevance)
