"""How figures look: a qualitative palette, panel grids, plain tick labels, log axes for ratios that
span decades, and the caption line (node, clock, baseline) every figure carries.

Pure helpers on matplotlib Figures and Axes; ``plots``, ``layer_plots``, ``density`` and ``pareto``
draw with them so that all figures read alike.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, LogLocator, MaxNLocator, NullFormatter

# Seaborn's "deep" palette for the first ten series, then colours picked greedily from Kelly's
# "twenty-two colours of maximum contrast" (Color Engineering, 1965) to keep every pair apart:
# the 21 colours differ pairwise by CIEDE2000 >= 12 (tests/test_plots.py measures it). Series
# beyond 21 repeat the colours with a hatch, so 42 stay distinguishable.
PALETTE = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3", "#8C8C8C",
           "#CCB974", "#64B5CD", "#222222", "#654522", "#8DB600", "#F6A600", "#2B3D26", "#882D17",
           "#DCD300", "#604E97", "#A1CAF1", "#008856", "#B3446C")
HATCHES = ("", "///", "...", "xxx")
MAX_COLUMNS = 3          # panels per row: a grid, never one wide row
DECADE_SPAN = 10.0       # a ratio axis spanning this factor or more is drawn logarithmic


def colors(n: int) -> list[str]:
    return [PALETTE[i % len(PALETTE)] for i in range(n)]


def hatches(n: int) -> list[str]:
    return [HATCHES[(i // len(PALETTE)) % len(HATCHES)] for i in range(n)]


def panels(n: int, width: float = 3.6, height: float = 3.0, extra_width: float = 1.6,
           sharey: bool = False) -> tuple[Figure, list]:
    """A figure with ``n`` panels in rows of at most MAX_COLUMNS (unused cells removed), plus
    ``extra_width`` inches on the right for a legend."""
    cols = min(n, MAX_COLUMNS)
    rows = math.ceil(n / cols)
    fig = Figure(figsize=(width * cols + extra_width, height * rows + 0.4), layout="constrained")
    axes = fig.subplots(rows, cols, squeeze=False, sharey=sharey).ravel()
    for ax in axes[n:]:
        fig.delaxes(ax)
    return fig, list(axes[:n])


def plain(value: float, _pos=None) -> str:
    """A tick label without exponents: 0.05, 0.6, 2, 10, 300, 4,000, 40k, 1.5M, 2G."""
    if value == 0 or not np.isfinite(value):
        return "0" if value == 0 else ""
    for above, scale, suffix in ((1e12, 1e12, "T"), (1e9, 1e9, "G"), (1e6, 1e6, "M"), (1e4, 1e3, "k")):
        if abs(value) >= above:
            return f"{value / scale:.4g}{suffix}"
    if abs(value) < 1e-3:
        return f"{value:.1e}"
    return f"{value:.3g}" if abs(value) < 1 else f"{value:,.6g}"


def log_if_decades(ax, values: Sequence[float], axis: str = "y") -> bool:
    """Make ``axis`` logarithmic when the positive ``values`` span DECADE_SPAN or more (small
    bars stay visible next to large ones); ticks stay plain numbers either way."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    log = v.size > 1 and v.max() / v.min() >= DECADE_SPAN
    if log:
        (ax.set_yscale if axis == "y" else ax.set_xscale)("log")
    plain_ticks(ax, axis)
    return log


def plain_ticks(ax, axis: str = "y") -> None:
    which = ax.yaxis if axis == "y" else ax.xaxis
    if which.get_scale() == "log":
        which.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0), numticks=30))
        which.set_minor_formatter(NullFormatter())
    else:
        which.set_major_locator(MaxNLocator(6, steps=[1, 2, 2.5, 5, 10]))
    which.set_major_formatter(FuncFormatter(plain))


def caption(fig: Figure, t: pd.DataFrame) -> str:
    """Node, clock and baseline of the results in ``t`` as one line under the figure; returns it."""
    parts = []
    if "node_nm" in t.columns and t["node_nm"].notna().any():
        parts.append("node " + _values(t["node_nm"], " nm"))
    if "frequency_hz" in t.columns and t["frequency_hz"].notna().any():
        parts.append("clock " + _values(t["frequency_hz"] / 1e6, " MHz"))
    if "baseline" in t.columns and t["baseline"].notna().any():
        base = "baseline " + ", ".join(dict.fromkeys(map(str, t["baseline"].dropna())))
        extra = []
        if "baseline_node_nm" in t.columns and t["baseline_node_nm"].notna().any():
            extra.append(_values(t["baseline_node_nm"], " nm"))
        if "baseline_frequency_hz" in t.columns and t["baseline_frequency_hz"].notna().any():
            extra.append(_values(t["baseline_frequency_hz"] / 1e6, " MHz"))
        parts.append(base + (f" ({', '.join(extra)})" if extra else ""))
    else:
        parts.append("no baseline")
    text = "; ".join(parts)
    fig.supxlabel(text, fontsize="small", color="0.35")
    return text


def _values(s: pd.Series, unit: str) -> str:
    vals = sorted(set(float(v) for v in s.dropna()))
    return ", ".join(f"{v:g}" for v in vals) + unit


def legend(fig: Figure, ax, title: str | None = None) -> None:
    """One legend right of the panels (a grid shares it)."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, title=title, fontsize="small", loc="outside right upper")
