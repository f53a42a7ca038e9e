"""Charts as PNG data URIs (matplotlib, Agg backend: no display needed)."""

from __future__ import annotations

import base64
import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # after use(): the backend must be chosen first

COLOURS = ("#a4006a", "#4d4d4d", "#c7a25b", "#2f6f8f", "#7a9a3a", "#b35a2b")


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def bars(labels: list[str], values: list[int], title: str, horizontal: bool = True) -> str:
    fig, ax = plt.subplots(figsize=(6.4, 0.45 * len(labels) + 1.2 if horizontal else 3.2))
    if horizontal:
        ax.barh(labels[::-1], values[::-1], color=COLOURS[0])
        # a linear scale: lengths compare as the numbers do (18,425 is 37 times 500), and
        # each bar carries its value, so a small one stays readable
        ax.set_xlim(0, max([*values, 1]) * 1.18)
        for y, v in enumerate(values[::-1]):
            ax.annotate(f"{v:,}", (v, y), xytext=(4, 0), textcoords="offset points",
                        va="center", fontsize=8)
    else:
        ax.bar(labels, values, color=COLOURS[0])
        for x, v in enumerate(values):
            ax.annotate(f"{v:,}", (x, v), xytext=(0, 3), textcoords="offset points",
                        ha="center", fontsize=8)
    ax.set_title(title, fontsize=10)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def grouped_bars(groups: list[str], series: dict[str, list[int]], title: str) -> str:
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
    width = 0.8 / max(len(series), 1)
    for i, (name, values) in enumerate(series.items()):
        xs = [x + i * width for x in range(len(groups))]
        bars_ = ax.bar(xs, values, width, label=name, color=COLOURS[i % len(COLOURS)])
        ax.bar_label(bars_, labels=[f"{v:,}" for v in values], fontsize=7, padding=2)
    ax.set_xticks([x + width * (len(series) - 1) / 2 for x in range(len(groups))], groups)
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)
