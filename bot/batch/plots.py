"""The report's plots: matplotlib drawn into inline SVG (no files, no CDN, text kept as text)."""

from __future__ import annotations

import io
import re

import matplotlib

matplotlib.use("Agg")  # never a window; safe in workers and CI
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from bot.batch.aggregate import BatchReport  # noqa: E402

plt.rcParams.update({"svg.fonttype": "none", "font.size": 9, "axes.spines.top": False,
                     "axes.spines.right": False, "svg.hashsalt": "townhall"})
_METADATA = re.compile(r"<metadata>.*?</metadata>", re.DOTALL)
COLORS = ["#5865f2", "#e67e22", "#2ecc71", "#e74c3c", "#9b59b6", "#1abc9c", "#f1c40f", "#34495e"]


def svg_of(fig: plt.Figure) -> str:
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(fig)
    text = buffer.getvalue()
    text = _METADATA.sub("", text)  # an RDF block nobody reads inline
    return text[text.index("<svg"):]  # drop the XML prolog and doctype: the SVG goes inline


def distribution(report: BatchReport) -> str:
    """Per run, the share of responders who replied against the stimulus, one histogram per
    variant, with the backlash line."""
    fig, ax = plt.subplots(figsize=(6.4, 3.0))
    edges = np.linspace(0.0, 1.0, 11)
    width = 0.08 / max(1, len(report.variants))
    for i, v in enumerate(report.variants):
        counts, _ = np.histogram(v.objector_share_per_run, bins=edges)
        shares = counts / max(1, v.runs)
        ax.bar(edges[:-1] + 0.01 + width * i, shares, width=width, align="edge",
               color=COLORS[i % len(COLORS)],
               label=f"{v.name} (P(backlash) {v.backlash.estimate:.0%})")
    ax.axvline(report.backlash_share, color="#c0392b", linestyle="--", linewidth=1)
    ax.text(report.backlash_share + 0.01, ax.get_ylim()[1] * 0.95, "backlash →", color="#c0392b",
            va="top")
    ax.set_xlabel("share of responders who replied against it")
    ax.set_ylabel("share of runs")
    ax.set_xticks(edges, [f"{e:.0%}" for e in edges])
    ax.legend(frameon=False)
    return svg_of(fig)


def timeline(report: BatchReport) -> str:
    """Mean stance of replies (−1 negative … +1 positive) over simulated time since the post."""
    fig, ax = plt.subplots(figsize=(6.4, 2.8))
    edges = np.asarray(report.timeline_edges)
    hours = edges[-1] > 3 * 3600  # a feed is watched for hours, a meeting for minutes
    unit, scale = ("hours", 3600) if hours else ("minutes", 60)
    middles = (edges[:-1] + edges[1:]) / 2 / scale
    for i, v in enumerate(report.variants):
        values = np.array([np.nan if x is None else x for x in v.timeline], dtype=float)
        ax.plot(middles, values, marker="o", markersize=3, color=COLORS[i % len(COLORS)],
                label=v.name)
    ax.axhline(0, color="#999", linewidth=0.8)
    ax.set_ylim(-1.05, 1.05)
    ax.set_xlabel(f"simulated {unit} after the post")
    ax.set_ylabel("mean stance of replies")
    ax.legend(frameon=False)
    return svg_of(fig)


def persona_heatmap(report: BatchReport) -> str:
    """Negative replies per run, persona by variant: who drives the backlash, where."""
    names: dict[str, str] = {}
    for v in report.variants:
        for p in v.personas:
            names.setdefault(p.id, p.name)
    ids = sorted(names, key=lambda pid: -sum(p.negative for v in report.variants
                                              for p in v.personas if p.id == pid))
    if not ids:
        fig, ax = plt.subplots(figsize=(6.4, 1.0))
        ax.axis("off")
        ax.text(0.5, 0.5, "No persona replied or reacted in any run.", ha="center", va="center")
        return svg_of(fig)
    grid = np.zeros((len(ids), len(report.variants)))
    for j, v in enumerate(report.variants):
        per = {p.id: p.negative_per_run for p in v.personas}
        for i, pid in enumerate(ids):
            grid[i, j] = per.get(pid, 0.0)
    fig, ax = plt.subplots(figsize=(1.6 + 1.1 * len(report.variants), 0.9 + 0.32 * len(ids)))
    image = ax.imshow(grid, cmap="Reds", aspect="auto", vmin=0, vmax=max(1.0, float(grid.max())))
    ax.set_xticks(range(len(report.variants)), [v.name for v in report.variants])
    ax.set_yticks(range(len(ids)), [names[i] for i in ids])
    for i in range(len(ids)):
        for j in range(len(report.variants)):
            ax.text(j, i, f"{grid[i, j]:.2f}", ha="center", va="center", fontsize=8,
                    color="white" if grid[i, j] > 0.6 * max(1.0, grid.max()) else "black")
    fig.colorbar(image, ax=ax, label="negative replies per run")
    ax.spines[:].set_visible(False)
    return svg_of(fig)
