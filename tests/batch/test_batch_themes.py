"""Objection themes: keyword groups, weighted toward what critics say and fans do not."""

from __future__ import annotations

from bot.batch.themes import Quote, group


def quote(text: str, who: str = "Dana") -> Quote:
    return Quote(text, who, "run1", -0.5)


def test_the_objection_specific_word_beats_the_stimulus_word():
    objections = [quote("The campaign is far too expensive for us."),
                  quote("Expensive stunt, the campaign will not convert."),
                  quote("A campaign during the game? Pricey and expensive."),
                  quote("Why this campaign, honestly.")]
    fans = ["Love the campaign!", "Great campaign, bold move.", "The campaign made me smile.",
            "Campaign of the year."]
    themes = group(objections, background=[q.text for q in objections] + fans)
    assert themes[0].keywords[0] == "expensive" and themes[0].count == 3
    # Without the other replies to compare with, plain frequency picks the shared word.
    assert group(objections)[0].keywords[0] == "campaign"


def test_a_lone_complaint_is_not_a_theme_and_quotes_are_distinct():
    objections = [quote("Too expensive."), quote("Too expensive.", "Eli"), quote("Ugly logo.")]
    themes = group(objections)
    assert [(t.label, t.count) for t in themes] == [("expensive", 2)]
    assert [q.text for q in themes[0].quotes] == ["Too expensive."]


def test_one_persona_repeating_itself_across_runs_is_not_a_theme():
    """The history backend says the same past post in many runs: that is one voice, however
    often it is heard. A second voice makes it a theme, counted with every repeat."""
    repeated = [quote("Far too expensive for what it is.")] * 5
    assert group(repeated) == []
    themes = group([*repeated, quote("Expensive, and the tub leaks.", "Eli")])
    assert [(t.keywords[0], t.count) for t in themes] == [("expensive", 6)]
