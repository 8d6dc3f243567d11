"""The batch report: one self-contained HTML page (inline CSS and SVG), or JSON for machines.

Everything persona- or human-written is escaped: an objection quoted in the report is data.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from html import escape

from bot.batch import plots
from bot.batch.aggregate import BatchReport, VariantStats, duration

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;color:#222;max-width:1000px;
margin:2em auto;padding:0 1em}h1{font-size:1.5em;margin-bottom:.2em}h2{margin-top:1.8em;
border-bottom:1px solid #ddd;padding-bottom:.2em}h3{margin-bottom:.3em}.meta{color:#666}
.verdict{border-left:4px solid #5865f2;background:#f5f6ff;padding:.6em .9em;margin:.6em 0}
.risk-high{border-color:#e74c3c;background:#fdf0ef}.risk-moderate{border-color:#e67e22;
background:#fdf6ee}.risk-low{border-color:#2ecc71;background:#effaf3}
table{border-collapse:collapse;margin:.5em 0}td,th{padding:.25em .7em;border-bottom:1px solid #eee;
text-align:left}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
figure{margin:1em 0}figcaption{color:#666;font-size:.9em}.plot svg{max-width:100%;height:auto}
.bar{display:inline-block;height:.8em;background:#5865f2;vertical-align:middle}
blockquote{margin:.3em 0 .3em 1em;color:#444;border-left:3px solid #ccc;padding-left:.6em}
.wide{overflow-x:auto}.pitch{white-space:pre-wrap;background:#fafafa;border:1px solid #eee;padding:.5em .8em}
"""


def to_json(report: BatchReport) -> str:
    return json.dumps(asdict(report), ensure_ascii=False, indent=2)


def _risk_class(v: VariantStats) -> str:
    p = v.backlash.estimate
    return "risk-low" if p < 0.1 else "risk-moderate" if p < 0.33 else "risk-high"


def _pct(x: float) -> str:
    return f"{x:.0%}"


def _carried(v: VariantStats) -> str:
    c = v.carried
    return "—" if c is None else f"{_pct(c.estimate)} ({_pct(c.low)}–{_pct(c.high)})"


def _summary_table(report: BatchReport) -> str:
    meeting = any(v.carried is not None for v in report.variants)
    head = ("<tr><th>variant</th><th class=n>runs</th><th class=n>P(backlash)</th>"
            "<th class=n>95% CI</th><th class=n>replies/run</th><th class=n>reactions/run</th>"
            "<th class=n>reply rate</th><th class=n>reaction rate</th>"
            "<th class=n>negative / neutral / positive</th><th class=n>first negative (median)</th>"
            "<th class=n>$ / run</th><th>runs ended</th>"
            + ("<th class=n>carried</th>" if meeting else "") + "</tr>")
    rows = []
    for v in report.variants:
        first = "—" if v.first_negative_median is None else duration(v.first_negative_median)
        endings = ", ".join(f"{why} {count}" for why, count in v.endings.items())
        total = max(1, sum(v.stance.values()))
        stance = " / ".join(_pct(v.stance[k] / total) for k in ("negative", "neutral", "positive"))
        rows.append(
            f"<tr><td>{escape(v.name)}</td><td class=n>{v.runs}</td>"
            f"<td class=n>{_pct(v.backlash.estimate)}</td>"
            f"<td class=n>{_pct(v.backlash.low)}–{_pct(v.backlash.high)}</td>"
            f"<td class=n>{v.replies_per_run:.2f}</td><td class=n>{v.reactions_per_run:.2f}</td>"
            f"<td class=n>{_pct(v.reply_rate)}</td><td class=n>{_pct(v.reaction_rate)}</td>"
            f"<td class=n>{stance}</td><td class=n>{first}</td>"
            f"<td class=n>{v.cost_per_run:.4f}</td><td>{escape(endings)}</td>"
            + (f"<td class=n>{_carried(v)}</td>" if meeting else "") + "</tr>")
    return f"<div class=wide><table>{head}{''.join(rows)}</table></div>"


def _emoji(v: VariantStats) -> str:
    if not v.emoji:
        return "<p class=meta>No reactions.</p>"
    top = max(v.emoji.values())
    rows = "".join(
        f"<tr><td>{escape(e)}</td><td class=n>{n}</td>"
        f"<td><span class=bar style='width:{160 * n / top:.0f}px'></span></td></tr>"
        for e, n in v.emoji.items())
    return f"<table>{rows}</table>"


def _themes(v: VariantStats) -> str:
    if not v.themes:
        return "<p class=meta>No objection shared by two or more negative replies.</p>"
    parts = []
    for t in v.themes:
        quotes = "".join(f"<blockquote>{escape(q.text)} <span class=meta>— {escape(q.persona)}"
                         f"</span></blockquote>" for q in t.quotes)
        parts.append(f"<h4>{escape(t.label)} <span class=meta>({t.count} replies; keywords: "
                     f"{escape(', '.join(t.keywords))})</span></h4>{quotes}")
    return "".join(parts)


def _personas(v: VariantStats) -> str:
    voted = bool(v.votes)
    rows = "".join(
        f"<tr><td>{escape(p.name)}</td><td class=n>{p.replies}</td><td class=n>{p.negative}</td>"
        f"<td class=n>{p.positive}</td><td class=n>{p.reactions}</td>"
        f"<td class=n>{p.negative_runs}</td><td class=n>{p.first_negative}</td>"
        + (f"<td class=n>{p.voted_against}</td>" if voted else "") + "</tr>"
        for p in v.personas)
    return ("<table><tr><th>persona</th><th class=n>replies</th><th class=n>negative</th>"
            "<th class=n>positive</th><th class=n>reactions</th><th class=n>runs negative</th>"
            "<th class=n>first to object</th>"
            + ("<th class=n>voted against</th>" if voted else "") + f"</tr>{rows}</table>")


def _hits(v: VariantStats) -> str:
    """What the objections were about, as the personas' appraisals read the stimulus."""
    if not v.hits:
        return ""
    rows = "".join(f"<tr><td>{escape(why)}</td><td class=n>{count}</td></tr>"
                   for why, count in list(v.hits.items())[:6])
    return ("<p class=meta>What it touched in those who objected (their own concerns, as the "
            f"appraisal read it):</p><table><tr><th>concern</th><th class=n>personas</th></tr>"
            f"{rows}</table>")


def _variant(v: VariantStats) -> str:
    return (f"<section id='variant-{escape(v.name, quote=True)}'><h2>Variant {escape(v.name)}</h2>"
            f"<div class='verdict {_risk_class(v)}'>{escape(v.verdict)}</div>"
            f"<div class=pitch>{escape(v.text)}</div>"
            f"<h3>Main objections</h3>{_themes(v)}{_hits(v)}"
            f"<h3>Who drives it</h3>{_personas(v)}"
            f"<h3>Reactions</h3>{_emoji(v)}{_votes(v)}</section>")


def _votes(v: VariantStats) -> str:
    if not v.votes:
        return ""
    tally = " · ".join(f"{choice} {count}" for choice, count in v.votes.items())
    return f"<h3>Votes</h3><p>{escape(tally)} — carried: {_carried(v)}</p>"


def _figure(svg: str, caption: str, name: str) -> str:
    return (f"<figure class=plot data-plot='{name}'>{svg}<figcaption>{escape(caption)}"
            "</figcaption></figure>")


def to_html(report: BatchReport) -> str:
    verdicts = "".join(f"<div class='verdict {_risk_class(v)}'><b>{escape(v.name)}</b>: "
                       f"{escape(v.verdict)}</div>" for v in report.variants)
    notes = "".join(f"<li>{escape(n)}</li>" for n in report.notes)
    figures = (
        _figure(plots.distribution(report), "Share of responders who replied against the "
                "stimulus, per run, by variant. Backlash = a quarter or more of them, and at least "
                f"{report.backlash_threshold}.", "distribution")
        + _figure(plots.timeline(report), "Mean stance of replies over simulated time "
                  "(−1 negative, +1 positive).", "timeline")
        + _figure(plots.persona_heatmap(report), "Negative replies per run, by persona and "
                  "variant.", "heatmap"))
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>townhall batch {escape(report.batch_id)}</title><style>{CSS}</style></head>
<body>
<h1>Batch {escape(report.batch_id)}</h1>
<p class=meta>pack {escape(report.pack)} · scenario {escape(report.scenario)} · model
{escape(report.model)} · {report.runs} runs · stance by {escape(report.classifier)} ·
backlash = a quarter or more of a run's responders, and {report.backlash_threshold}+ personas,
replied against it</p>
{verdicts}
{_summary_table(report)}
{figures}
{''.join(_variant(v) for v in report.variants)}
{f'<h2>Notes</h2><ul>{notes}</ul>' if notes else ''}
</body></html>
"""
