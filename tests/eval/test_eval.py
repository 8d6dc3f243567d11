"""`townhall eval` on real multi-speaker chat (the Chit-Chat corpus sample, MIT): honest by
construction — the classifier sees only training posts, content-free systems land at chance, and a
copier is caught copying."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from agents.backends.fake import FakeLLM
from agents.backends.past_posts import PastPostsLLM
from agents.llm import LLMError
from bot.eval import evaluate as evaluate_module
from bot.eval.attribution import Attributor
from bot.eval.evaluate import EvalOptions, evaluate, training_attributor
from bot.eval.items import load_eval_set
from tests.support.cli import invoke
from tests.support.processes import REPO


def _run(pack: Path, llm, model: str) -> dict:
    return asyncio.run(evaluate(load_eval_set(str(pack)), llm, EvalOptions(model)))


def _within(task: dict) -> bool:
    low, high = task["ci95"]
    return low <= task["chance"] <= high


def test_the_classifier_sees_only_training_posts_and_no_ids(pack: Path, monkeypatch) -> None:
    seen: list[list[str]] = []
    original = Attributor.__init__

    def spy(self, posts, hide=None) -> None:
        seen.extend(list(texts) for texts in posts)
        original(self, posts, hide)

    monkeypatch.setattr(Attributor, "__init__", spy)
    eval_set = load_eval_set(str(pack))
    attributor = training_attributor(eval_set)
    examples = {ex.text for p in eval_set.pack.personas for ex in p.examples}
    held = {text for posts in eval_set.held.values() for text, _ in posts}
    fitted = {text for texts in seen for text in texts}
    assert fitted == examples and not fitted & held
    ids = {p.id.lower() for p in eval_set.pack.personas}
    assert not {g[2:] for g in attributor.vocab if g.startswith("w:")} & ids
    # A reply that names its persona is attributed by how it is written, not by the name.
    first = eval_set.pack.personas[0]
    assert not attributor.scores(f"@{first.id} {first.name}").any()


def test_a_content_free_model_and_the_random_baseline_sit_at_chance(pack: Path) -> None:
    result = _run(pack, FakeLLM(), "fake")
    assert result["held_out_items"] >= 100 and result["replies_given"] == result["items"]
    for task in ("who_said_it", "reply_id"):
        assert result["tasks"][task]["ci95"][0] <= result["tasks"][task]["chance"]
        assert _within(result["baselines"]["random"][task])
    assert abs(result["baselines"]["random"]["participation"]["auc"] - 0.5) < 0.1
    assert result["copy_rate"] == 0.0
    assert result["tasks"]["style"]["sentiment_variance_ratio"] < 0.2  # one template: no spread


def test_history_copies_and_the_report_says_so(pack: Path) -> None:
    result = _run(pack, PastPostsLLM(), "history")
    assert result["copy_rate"] == 1.0
    assert result["tasks"]["who_said_it"]["accuracy"] > 0.9  # easy for a copier
    reply = result["tasks"]["reply_id"]
    assert reply["ci95"][0] > reply["chance"]  # its own old posts do resemble its new ones
    assert result["baselines"]["history"]["copy_rate"] == 1.0
    assert set(result["baselines"]) == {"random", "activity", "echo", "history"}


def test_cli_json_shape_limit_and_cache(pack: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "t.db")
    out = invoke("eval", str(pack), "--json", "--limit", "20", "--seed", "3", "--db", db)
    assert out.exit_code == 0, out.output
    result = json.loads(out.stdout)
    assert {"pack", "model", "personas", "held_out_items", "tasks", "copy_rate", "baselines",
            "seconds", "cost"} <= set(result)
    assert result["items"] == 20 and result["tasks"]["who_said_it"]["chance"] == 0.2
    assert {"k", "accuracy", "mrr", "chance", "n", "ci95"} <= set(result["tasks"]["reply_id"])
    again = json.loads(invoke("eval", str(pack), "--json", "--limit", "20", "--seed", "3",
                              "--db", db).stdout)
    assert again["tasks"] == result["tasks"]  # seeded: the same sample, candidates and scores


def test_a_pack_without_a_holdout_is_one_line(tmp_path: Path) -> None:
    out = invoke("eval", str(REPO / "docs" / "examples" / "my-pack"))
    assert out.exit_code == 2
    assert "--holdout 0.2" in out.output and len(out.output.strip().splitlines()) == 1


def test_max_cost_stops_asking(pack: Path, monkeypatch) -> None:
    priced = FakeLLM(price_per_token=0.001)
    result = asyncio.run(evaluate(load_eval_set(str(pack), limit=30), priced,
                                  EvalOptions("fake", concurrency=1, max_cost=0.05)))
    assert result["stopped_by_max_cost"] and result["replies_given"] < 30
    assert evaluate_module.OUTPUT_TOKENS > 0


def test_the_report_is_one_page_with_plots_and_escaped_samples(pack: Path, tmp_path: Path) -> None:
    report = tmp_path / "eval.html"
    out = invoke("eval", str(pack), "--model", "fake", "--limit", "12", "--report", str(report),
                 "--db", str(tmp_path / "t.db"))
    assert out.exit_code == 0, out.output
    assert "name_only" in out.stdout and "wall" in out.stdout
    page = report.read_text(encoding="utf-8")
    for plot in ("accuracy", "style", "sentiment"):
        assert f"data-plot='{plot}'" in page
    assert "<script" not in page and "http" not in page.split("</style>")[1].split("<svg")[0]


def test_failed_calls_are_counted_and_said(pack: Path) -> None:
    broken = FakeLLM([LLMError("the server said no")])
    result = asyncio.run(evaluate(load_eval_set(str(pack), limit=6), broken, EvalOptions("fake")))
    assert result["replies_given"] == 0 and result["failed_calls"] == 12  # model and name-only
    assert any("the server said no" in e for e in result["errors"])
