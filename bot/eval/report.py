"""The eval report: one self-contained HTML page (inline CSS and SVG, like the batch report).

Quoted posts and replies are real people's words and a model's: escaped, shown as data.
"""

from __future__ import annotations

from html import escape

import matplotlib.pyplot as plt
import numpy as np

from bot.batch.plots import COLORS, svg_of
from bot.batch.report import CSS

STYLE_FEATURES = ("length", "punctuation", "emoji", "capitals", "lowercase_start")
SENTIMENT_LABELS = ("very −", "−", "neutral", "+", "very +")


def _systems(result: dict) -> dict[str, dict]:
    """The model first, then each baseline (the model's own name once)."""
    return {result["model"]: {**result["tasks"], "copy_rate": result["copy_rate"]},
            **{n: b for n, b in result["baselines"].items() if n != result["model"]}}


def _colors(result: dict) -> dict[str, str]:
    """One color per system, the same in every plot."""
    return {name: COLORS[i % len(COLORS)] for i, name in enumerate(_systems(result))}


def accuracy_plot(result: dict) -> str:
    systems = _systems(result)
    color = _colors(result)
    fig, axes = plt.subplots(1, 2, figsize=(8.4, 3.0), sharey=True)
    for ax, task, title in ((axes[0], "who_said_it", "who said it"),
                            (axes[1], "reply_id", "reply id")):
        names = list(systems)
        values = [systems[n][task]["accuracy"] for n in names]
        low = [v - systems[n][task]["ci95"][0] for n, v in zip(names, values, strict=True)]
        high = [systems[n][task]["ci95"][1] - v for n, v in zip(names, values, strict=True)]
        ax.bar(names, values, yerr=[low, high], capsize=3, color=[color[n] for n in names])
        ax.tick_params(axis="x", labelrotation=30)
        chance = result["tasks"][task]["chance"]
        ax.axhline(chance, color="#c0392b", linestyle="--", linewidth=1)
        ax.text(len(names) - 0.5, chance, "chance", color="#c0392b", va="bottom", ha="right")
        ax.set_title(f"{title} (k={result['tasks'][task]['k']})")
        ax.set_ylim(0, 1)
    axes[0].set_ylabel("accuracy (95% CI)")
    return svg_of(fig)


def style_plot(result: dict) -> str:
    rows = {n: s["style"] for n, s in _systems(result).items() if s.get("style", {}).get("n")}
    color = _colors(result)
    fig, ax = plt.subplots(figsize=(6.4, 2.6))
    width = 0.8 / max(1, len(rows))
    x = np.arange(len(STYLE_FEATURES))
    for i, (name, style) in enumerate(rows.items()):
        ax.bar(x + i * width, [style[f] for f in STYLE_FEATURES], width, label=name,
               color=color[name])
    ax.set_xticks(x + width * (len(rows) - 1) / 2, [f.replace("_", " ") for f in STYLE_FEATURES])
    ax.set_ylabel("gap from the real replies")
    ax.legend(frameon=False)
    return svg_of(fig)


def sentiment_plot(result: dict) -> str:
    style = result["tasks"]["style"]
    fig, ax = plt.subplots(figsize=(6.4, 2.6))
    x = np.arange(len(SENTIMENT_LABELS))
    for i, (key, label) in enumerate((("sentiment_real", "real replies"),
                                      ("sentiment_generated", result["model"]))):
        counts = np.asarray(style[key], dtype=float)
        ax.bar(x + i * 0.4, counts / max(1.0, counts.sum()), 0.4, label=label, color=COLORS[i])
    ax.set_xticks(x + 0.2, SENTIMENT_LABELS)
    ax.set_ylabel("share of replies")
    ax.legend(frameon=False)
    return svg_of(fig)


def _ci(task: dict) -> str:
    return f"{task['accuracy']:.0%} <span class=meta>({task['ci95'][0]:.0%}–{task['ci95'][1]:.0%})</span>"


def _table(result: dict) -> str:
    rows = []
    for name, s in _systems(result).items():
        auc = s["participation"].get("auc")
        copy = s.get("copy_rate")
        rows.append(f"<tr><td>{escape(name)}</td><td class=n>{_ci(s['who_said_it'])}</td>"
                    f"<td class=n>{_ci(s['reply_id'])}</td>"
                    f"<td class=n>{s['reply_id']['mrr']:.2f}</td>"
                    f"<td class=n>{'—' if auc is None else f'{auc:.2f}'}</td>"
                    f"<td class=n>{'—' if copy is None else f'{copy:.0%}'}</td></tr>")
    t = result["tasks"]
    rows.append(f"<tr class=meta><td>chance</td><td class=n>{t['who_said_it']['chance']:.0%}</td>"
                f"<td class=n>{t['reply_id']['chance']:.0%}</td>"
                f"<td class=n>{t['reply_id']['mrr_chance']:.2f}</td><td class=n>0.50</td><td></td>"
                "</tr>")
    return ("<table><tr><th>system</th><th class=n>who said it</th><th class=n>reply id</th>"
            "<th class=n>MRR</th><th class=n>participation AUC</th><th class=n>copies a "
            f"training post</th></tr>{''.join(rows)}</table>")


def _samples(result: dict) -> str:
    rows = "".join(
        f"<tr><td>{escape(s['persona'])}</td><td>{escape(s['stimulus'][:300])}</td>"
        f"<td>{escape(s['real'][:300])}</td><td>{escape(s['generated'][:300]) or '<i>silent</i>'}"
        "</td></tr>" for s in result["samples"])
    return ("<table><tr><th>persona</th><th>answering</th><th>really wrote</th>"
            f"<th>{escape(result['model'])} wrote</th></tr>{rows}</table>")


def _figure(svg: str, caption: str, name: str) -> str:
    return (f"<figure class=plot data-plot='{name}'>{svg}<figcaption>{escape(caption)}"
            "</figcaption></figure>")


def to_html(result: dict) -> str:
    style = result["tasks"]["style"]
    figures = _figure(accuracy_plot(result), "Accuracy with 95% bootstrap intervals; the dashed "
                      "line is chance (1/k).", "accuracy")
    if style.get("n"):
        figures += (
            _figure(style_plot(result), "Mean gap, per persona, between the generated and the "
                    "real replies (length in log characters; marks and emoji per reply; shares "
                    "for capitals and lower-case starts). Lower is closer.", "style")
            + _figure(sentiment_plot(result), f"Sentiment (VADER) of real vs generated replies: "
                      f"JSD {style['sentiment_jsd']:.2f}, variance ratio "
                      f"{style['sentiment_variance_ratio']}.", "sentiment"))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>townhall eval {escape(result['pack'])}</title><style>{CSS}</style></head>
<body>
<h1>Eval: {escape(result['pack'])} · {escape(result['model'])}</h1>
<p class=meta>{result['personas']} personas · {result['items']} of {result['held_out_items']}
held-out replies · seed {result['seed']} · {result['replies_given']} replies given ·
{result['calls']} calls ({result['cached_calls']} cached) · ${result['cost']:.4f} ·
{result['seconds']:.0f} s</p>
<p>Does this model beat the free baselines on this community? Who-said-it attributes each
generated reply among {result['tasks']['who_said_it']['k']} personas with a classifier fitted on
their training posts only; reply id asks which of {result['tasks']['reply_id']['k']} real held-out
replies the generated one is closest to; participation is how well the room's speak gate ranks who
really answered. A system that copies training posts wins who-said-it for free: read it with the
copy rate. See docs/eval.md.</p>
{_table(result)}
{figures}
<h2>Samples</h2>
{_samples(result)}
</body></html>
"""
