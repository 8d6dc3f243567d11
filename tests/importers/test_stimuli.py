"""Held-out posts keep what they answered: the stimulus, its context, and who really responded."""

from __future__ import annotations

import json
from pathlib import Path

from agents.importers.builder import BuildOptions
from agents.importers.importer import import_pack
from tests.support.export_samples import PLANTED_EMAIL, csv_file, discord_export, slack_export


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _import(source: Path, out: Path) -> Path:
    import_pack(source, out, options=BuildOptions(min_posts=5, holdout=0.2))
    return out / "holdout"


def test_a_held_out_reply_names_its_stimulus_and_who_answered(tmp_path: Path) -> None:
    holdout = _import(csv_file(tmp_path / "posts.csv"), tmp_path / "pack")
    raj = _jsonl(holdout / "raj.jsonl")
    reply = next(row for row in raj if row["reply_to"])
    (stimulus,) = _jsonl(holdout / "_stimuli.jsonl")
    assert reply["reply_to"] == stimulus["id"] == "dana-0"
    assert (stimulus["author"], stimulus["name"]) == ("dana", "dana")
    assert stimulus["text"].startswith("honestly the new pricing page")
    assert stimulus["replied"] == ["raj"] and stimulus["reacted"] == ["mo"]
    assert all(row["reply_to"] is None for row in _jsonl(holdout / "dana.jsonl"))


def test_context_is_the_reply_chain_and_is_scrubbed(tmp_path: Path) -> None:
    rows = [
        {"id": f"m{i}", "author": who, "text": f"{who} says {i} mail {PLANTED_EMAIL}",
         "timestamp": f"2024-03-{i + 1:02d}T10:00:00+00:00", "reply_to": f"m{i - 1}" if i else ""}
        for i, who in enumerate(["ann", "bob"] * 10 + ["carl"])
    ]
    rows[-1]["reply_to"] = "m18"
    holdout = _import(csv_file(tmp_path / "chat.csv", rows=rows), tmp_path / "pack")
    stimuli = {row["id"]: row for row in _jsonl(holdout / "_stimuli.jsonl")}
    assert sorted(stimuli) == ["m15", "m16", "m17", "m18"]  # what the newest 2 of each answer
    last = stimuli["m18"]
    assert [m["text"].split()[2] for m in last["context"]] == ["14", "15", "16", "17"]
    assert last["answers"] == "bob" and last["replied"] == ["bob"]  # carl (under --min-posts) is not in the pack
    text = (holdout / "_stimuli.jsonl").read_text(encoding="utf-8")
    assert PLANTED_EMAIL not in text and "[email]" in text


def test_discord_and_slack_keep_stimuli(tmp_path: Path) -> None:
    discord = _import(discord_export(tmp_path / "general.json"), tmp_path / "d")
    slack = _import(slack_export(tmp_path), tmp_path / "s")
    for holdout in (discord, slack):
        stimuli = _jsonl(holdout / "_stimuli.jsonl")
        assert stimuli and all(row["replied"] or row["reacted"] for row in stimuli)
