"""Agents never ping a whole channel, however the ping is dressed up."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from agents.sanitize import strip_mass_mentions

PINGS = ["@everyone", "@here", "@channel", "@EveryOne", "@@everyone", "@@@everyone", "@@@@@@here",
         "@\u200beveryone", "@\u2060here", "\uff20everyone", "\ufe6bhere", "@ @everyone",
         "<!channel>", "<!here>", "<!everyone>", "<!here|here>", "<!subteam^S012ABC|@team>",
         "<!<!here>here>", "<@&123>", "<@!456>"]
_LEFT = re.compile(r"[@\uff20\ufe6b][\s\u200b-\u200f\u2060\ufeff]*(everyone|here|channel)\b"
                   r"|<!(everyone|here|channel|subteam)[^>]*>",
                   re.IGNORECASE)


@pytest.mark.parametrize("ping", PINGS)
def test_each_disguise_is_stripped(ping: str) -> None:
    cleaned = strip_mass_mentions(f"look at this {ping} now")
    assert not _LEFT.search(cleaned) and "<@" not in cleaned, cleaned
    assert cleaned.startswith("look at this") and cleaned.endswith("now")


def test_ordinary_at_signs_stay() -> None:
    text = "email me at ann@example.org or ask @Helen; here is everyone's list"
    assert strip_mass_mentions(text) == text


@given(st.lists(st.sampled_from(["@", "\uff20", "\u200b", " ", "everyone", "here", "channel", "<!",
                                 ">", "|", "x", "<@&1>"]), max_size=12).map("".join))
def test_no_arrangement_leaves_a_ping(text: str) -> None:
    cleaned = strip_mass_mentions(text)
    assert not _LEFT.search(cleaned) and not re.search(r"<@[!&]?\d+>", cleaned), cleaned
