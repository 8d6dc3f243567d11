"""The appraisal reads what was said: pairs of stimuli that should split a room do split it.

The personas here are written for the test (not the bundled packs), so the checks are about how
phrases and texts meet, not about one pack's wording.
"""

from __future__ import annotations

import pytest

from agents.appraisal import Appraiser
from agents.persona import Persona

PEOPLE = {
    "cfo": dict(
        interests=["cash flow", "marketing budgets", "payback periods"],
        values=["measurable returns with a clear payback", "a small test with a kill criterion",
                "measuring every channel before we spend more", "cutting costs that do not pay back"],
        concerns=["spending millions on advertising we cannot measure",
                  "one-off bets that burn a quarter's free cash flow",
                  "spending our whole cash reserve"]),
    "investor": dict(
        interests=["growth", "market share", "marketing"],
        values=["a big bold bet on growth", "becoming the category leader",
                "a big national advertising campaign"],
        concerns=["playing it safe", "slow incremental growth", "cutting the marketing budget"]),
    "counsel": dict(
        interests=["contracts", "advertising claims", "customer data"],
        values=["legal review before launch", "claims we can substantiate"],
        concerns=["selling or sharing customer data", "ad claims we cannot prove",
                  "naming competitors in our ads", "lawsuits and regulator fines"]),
    "neighbour": dict(
        interests=["local news", "shops in town", "prices"],
        values=["donating to local causes", "treating customers with respect",
                "free events for the community"],
        concerns=["insulting or looking down on customers", "price hikes with no explanation",
                  "companies that only care about profit"]),
    "engineer": dict(
        interests=["the product", "reliability"],
        values=["investing in the product"],
        concerns=["a clunky signup flow with twelve steps", "outages during month-end close"]),
}


@pytest.fixture(scope="module")
def room() -> Appraiser:
    personas = [Persona(id=pid, name=pid.title(), role=pid, **fields)
                for pid, fields in PEOPLE.items()]
    return Appraiser(personas)


def feel(room: Appraiser, who: str, text: str):
    return room.of(list(PEOPLE).index(who), text)


KIND = [
    "Big news, neighbours: we're donating all of this year's profits to the children's hospital.",
    "Thank you all for ten wonderful years. This weekend everything in the shop is half price.",
    "We're opening our garden to everyone, free, every Saturday this summer.",
]
RUDE = [
    "Honestly, the people in this town are lazy idiots who complain about everything.",
    "If you don't like our prices, shop somewhere else. We don't need your business.",
    "Our customers are too stupid to read the instructions, so stop emailing us.",
]


@pytest.mark.parametrize("kind, rude", list(zip(KIND, RUDE, strict=True)))
def test_kind_words_are_liked_better_than_insults_by_everyone(room, kind, rude):
    for who in PEOPLE:
        assert feel(room, who, kind).valence > feel(room, who, rude).valence, who
    assert all(feel(room, who, rude).valence < 0 for who in PEOPLE)
    assert feel(room, "neighbour", kind).valence > 0
    assert feel(room, "neighbour", rude).relevance >= 0.5  # an insult is aimed at them


RECKLESS = [
    "We should spend $2M on a Super Bowl ad for our accounting software.",
    "Let's put our entire cash reserve into one national TV campaign this quarter.",
    "I want to triple the advertising budget before we know what the last campaign returned.",
]
CAUTIOUS = [
    "I propose a $250k test campaign with a clear kill criterion after 90 days.",
    "Let's run a small paid-search test and only scale what pays back within a year.",
    "We keep the ad budget flat and measure every channel before adding a dollar.",
]


@pytest.mark.parametrize("reckless, cautious", list(zip(RECKLESS, CAUTIOUS, strict=True)))
def test_reckless_spending_splits_the_cfo_from_the_growth_investor(room, reckless, cautious):
    cfo_reckless, cfo_cautious = feel(room, "cfo", reckless), feel(room, "cfo", cautious)
    assert cfo_reckless.stance == "against" and cfo_reckless.why == "concern"
    assert cfo_cautious.valence > cfo_reckless.valence + 0.4
    assert feel(room, "investor", reckless).valence > cfo_reckless.valence + 0.4
    assert cfo_reckless.reason in PEOPLE["cfo"]["concerns"]


def test_what_the_neighbour_values_wins_them_over(room):
    for text in (KIND[0], KIND[2]):
        seen = feel(room, "neighbour", text)
        assert seen.stance == "for" and seen.why == "value", text


def test_the_reason_names_the_concern_the_text_hits(room):
    data = feel(room, "counsel", "We will sell customer data to advertisers to fund growth.")
    assert data.stance == "against" and data.reason == "selling or sharing customer data"
    claim = feel(room, "counsel", "Our new ad names our competitors and says we beat them.")
    assert claim.valence < 0 and claim.why == "concern"


ON_TOPIC = [
    ("cfo", "Our cash flow this quarter will fund the marketing budget increase."),
    ("counsel", "The new contract changes how we store customer data."),
    ("neighbour", "The bakery on Main Street is raising its prices next month."),
]
UNRELATED = [
    "The weather was lovely at the beach this weekend.",
    "My cat learned to open the fridge.",
    "Which football team do you support?",
]


@pytest.mark.parametrize("who, text", ON_TOPIC)
def test_what_they_care_about_is_more_relevant_than_small_talk(room, who, text):
    on_topic = feel(room, who, text).relevance
    assert on_topic >= 0.3
    assert all(feel(room, who, small).relevance < on_topic for small in UNRELATED)


def test_small_talk_leaves_everyone_cold(room):
    for text in UNRELATED:
        for who in PEOPLE:
            seen = feel(room, who, text)
            assert seen.relevance < 0.3 and seen.stance == "neutral", (who, text)


def test_a_long_pitch_is_judged_by_its_worst_line(room):
    harmless = "Our team had a great quarter. Customers love the new dashboard. Hiring is on plan."
    hidden = harmless + " We will also spend our whole cash reserve on a stadium sponsorship."
    assert feel(room, "cfo", hidden).valence < feel(room, "cfo", harmless).valence - 0.3


def test_a_grown_population_is_appraised_per_archetype_at_one_product_per_message():
    base = Persona(id="a", name="A", role="r", **PEOPLE["cfo"])
    crowd = [base.model_copy(update={"id": f"a-{i}"}) for i in range(2000)]
    room = Appraiser(crowd, seed=3)
    seen = room.room(RECKLESS[0])
    assert len(room.phrases) == 10 and seen.valence.shape == (2000,)
    assert (seen.valence < 0).all() and seen.valence.std() > 0  # alike, not clones


@pytest.mark.parametrize(("better", "worse"), [
    ("We're fixing the signup flow next quarter.", "We're adding five more steps to signup."),
    ("We are upgrading the servers that run month-end close.",
     "Expect more outages during month-end close while we migrate."),
    ("We are simplifying signup to three steps.", "Signup now asks twelve questions."),
])
def test_fixing_what_someone_worries_about_wins_them_over(room, better, worse):
    fixed, broken = feel(room, "engineer", better), feel(room, "engineer", worse)
    assert fixed.stance == "for" and fixed.reason.startswith("not ")
    assert broken.stance == "against"


@pytest.mark.parametrize(("refusal", "doing"), [
    ("We will never sell your data to anyone.", "We are selling customer data to a broker."),
    ("Launch next month, with a full legal review first.", "Launch next month without a legal review."),
])
def test_refusing_or_leaving_out_a_thing_goes_the_other_way(room, refusal, doing):
    assert feel(room, "counsel", refusal).valence > feel(room, "counsel", doing).valence
    assert feel(room, "counsel", doing).stance == "against"


@pytest.mark.parametrize(("who", "text"), [
    ("neighbour", "Price hikes across the store tomorrow, without telling anyone why."),
    ("counsel", "We are sharing customer data with a partner, without asking our customers."),
    ("cfo", "Spend our whole cash reserve on one campaign without waiting for the test results."),
])
def test_leaving_out_another_action_does_not_answer_a_concern(who, text, room):
    """'without telling…' leaves out telling; the price hike it announces is still a price hike."""
    felt = feel(room, who, text)
    assert felt.stance == "against" and not felt.reason.startswith("not "), felt


def test_leaving_out_the_very_action_a_concern_is_about_still_answers_it(room):
    assert feel(room, "cfo", "We will grow this year without spending millions on advertising "
                             "we cannot measure.").valence > 0
