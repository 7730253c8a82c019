"""Figures of simulation results: speedup, energy efficiency, energy and area breakdowns, Pareto.

Every function takes results as a DataFrame (a sweep's tidy table from ``accelsim.load_sweep``, or
the per-layer table ``accelsim run -o`` writes, or a path to either) and returns a matplotlib
Figure. Figures are built without pyplot, so nothing here touches a GUI or global state: the
caller saves them (``fig.savefig``) or a notebook displays them.

Whole-network figures come from ``tables.totals``: per sweep point (or per run), cycles, time and
energy summed over layers; speedup and energy efficiency are ratios of those sums (time-weighted),
as ``Result.compare`` computes them. Where several points share a label (``by``), bar charts show
their geometric mean. Several result files plot together (``tables.load_many``); ``layer_plots`` draws
one run's figures per layer and ``figures`` picks a kind by name. Colours, grids, tick labels, log
axes and the caption line (node, clock, baseline) come from ``style``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from accelsim.errors import SpecError
from accelsim.report import style
from accelsim.report.tables import labels, totals

def _check_column(df: pd.DataFrame, col: str, what: str) -> None:
    if col not in df.columns:
        import difflib
        close = difflib.get_close_matches(col, [str(c) for c in df.columns], n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise SpecError(df.attrs.get("source", "results"), what,
                        message=f"no column '{col}' in these results{hint}")
    if what == "--by" and df[col].isna().any():
        # groupby drops rows without a label: a run file beside a sweep vanished from the figure
        who = ", ".join(dict.fromkeys(map(str, labels(df)[df[col].isna()])))
        raise SpecError(df.attrs.get("source", "results"), what, message=f"'{col}' has no value "
                        f"for {who}; plot those results apart, or by another column")


def _needs_baseline(df: pd.DataFrame, kind: str) -> None:
    if "speedup" not in df.columns or df["speedup"].isna().all():
        raise SpecError(df.attrs.get("source", "results"), kind, message="these results have no "
                        "baseline: give the sweep a 'baseline:' or run with --baseline")
    missing = df["speedup"].isna()
    if missing.any():
        # their bars were left empty under a legend entry, as if the ratio were not drawn yet
        who = ", ".join(dict.fromkeys(map(str, labels(df)[missing])))
        raise SpecError(df.attrs.get("source", "results"), kind, message=f"{who}: no baseline, "
                        "unlike the other results; plot them apart or run them with --baseline")


def _geomean(s: pd.Series) -> float:
    v = s.to_numpy(dtype=float)
    return float(np.exp(np.log(v).mean())) if len(v) else float("nan")


PAPER_STYLE_MAX = 8      # up to this many designs: bars grouped by network, as papers draw them


def bars(ax, table: pd.DataFrame, vertical: bool = True) -> None:
    """Grouped bars on ``ax``: rows of ``table`` are the groups, columns the bars of each group."""
    groups, series = [str(i) for i in table.index], [str(c) for c in table.columns]
    n = len(series)
    width = 0.8 / max(n, 1)
    pos = np.arange(len(groups))
    for i, (name, color, hatch) in enumerate(zip(series, style.colors(n), style.hatches(n))):
        offset = pos + (i - (n - 1) / 2) * width
        values = table.iloc[:, i].to_numpy(dtype=float)
        draw = ax.bar if vertical else ax.barh
        draw(offset, values, width, label=name, color=color, hatch=hatch, edgecolor="white", lw=0.3)
    if vertical:
        ax.set_xticks(pos, groups, rotation=30 if max(map(len, groups), default=0) > 8 else 0,
                      ha="right" if max(map(len, groups), default=0) > 8 else "center")
    else:
        ax.set_yticks(pos, groups, fontsize="small")
        ax.invert_yaxis()


def _grouped_bars(table: pd.DataFrame, legend: str | None, label: str, title: str,
                  ratio: bool = False) -> Figure:
    """Few rows with short names: vertical groups along x; otherwise horizontal, one labelled row
    per group. A ratio axis goes logarithmic when its bars span a decade or more."""
    groups, n = [str(i) for i in table.index], len(table.columns)
    vertical = len(groups) <= PAPER_STYLE_MAX and len(groups) * n <= 60 and max(map(len, groups)) <= 14
    if vertical:
        fig = Figure(figsize=(max(5.5, 2.8 + 0.28 * len(groups) * max(n, 2)), 4.0), layout="constrained")
    else:
        fig = Figure(figsize=(7.5, 1.5 + 0.22 * len(groups) * max(n, 1.5)), layout="constrained")
    ax = fig.add_subplot()
    bars(ax, table, vertical)
    (ax.set_ylabel if vertical else ax.set_xlabel)(label)
    if ratio:
        style.log_if_decades(ax, table.to_numpy().ravel(), "y" if vertical else "x")
        (ax.axhline if vertical else ax.axvline)(1.0, color="black", lw=0.8)
    else:
        style.plain_ticks(ax, "y" if vertical else "x")
    ax.set_title(title)
    if n > 1 or legend:
        style.legend(fig, ax, legend)
    return fig


def _baseline_name(t: pd.DataFrame) -> str:
    named = "baseline" in t.columns and t["baseline"].notna().any()
    return ", ".join(dict.fromkeys(map(str, t["baseline"].dropna()))) if named else "baseline"


def with_baselines(t: pd.DataFrame, by: str) -> pd.DataFrame:
    """Ratios against different baselines in one figure: each design label names its own
    (``dstripes vs stripes``), as the axis can only list them all."""
    if by != "design" or "baseline" not in t.columns or t["baseline"].dropna().nunique() < 2:
        return t
    named = t["design"].astype(str) + " vs " + t["baseline"].astype(str)
    out = t.assign(design=named.where(t["baseline"].notna(), t["design"]))
    out.attrs.update(t.attrs)
    return out


def _ratio_bars(t: pd.DataFrame, metric: str, name: str, by: str, title: str) -> Figure:
    _check_column(t, by, "--by")
    t = with_baselines(t, by)
    table = t.groupby([by, "workload"], sort=False)[metric].apply(_geomean).unstack(by)
    # a design's geomean is over every network (one that misses a network has none); with no
    # design on every network the row would be an empty group
    if len(table.index) > 1 and table.notna().all().any():
        table.loc["geomean"] = table.apply(_geomean)
    legend = None if by == "design" else by
    if len(table.columns) > PAPER_STYLE_MAX:
        table, legend = table.T, None          # many designs: one row per design, bars per network
    if len(table.columns) == 1 and legend is None:
        title = f"{title}: {table.columns[0]}"           # one design: name it, no legend needed
    fig = _grouped_bars(table, legend, f"{name} over {_baseline_name(t)}", title, ratio=True)
    style.caption(fig, t)
    return fig


def speedup(results, by: str = "design") -> Figure:
    """Whole-network speedup over the baseline: bars per network (and their geomean) per design."""
    t = totals(results)
    _needs_baseline(t, "speedup")
    return _ratio_bars(t, "speedup", "speedup", by, "Speedup")


def energy(results, by: str = "design") -> Figure:
    """Energy efficiency over the baseline (baseline energy / energy), like ``speedup``; without
    a baseline, absolute energy per network."""
    t = totals(results)
    if "energy_efficiency" in t.columns and t["energy_efficiency"].notna().any():
        _needs_baseline(t, "energy")
        return _ratio_bars(t, "energy_efficiency", "energy efficiency", by, "Energy efficiency")
    _check_column(t, by, "--by")
    table = t.groupby([by, "workload"], sort=False)["energy_J"].mean().unstack("workload")
    scale, unit = _unit(table.to_numpy(dtype=float), "J")
    fig = _grouped_bars(table * scale, None, f"energy per inference ({unit})", "Energy")
    style.caption(fig, t)
    return fig


def _components(t: pd.DataFrame, prefix: str, suffix: str) -> list[str]:
    """Component columns with something in them (a DRAM that is never used, an off-chip part with
    no area, are left out), largest first so the stacks read the same way across bars."""
    total = prefix[:-1] + suffix           # energy_J, area_mm2: the sum, not a component
    cols = [c for c in t.columns if c.startswith(prefix) and c.endswith(suffix) and c != total
            and not c.startswith("baseline_") and t[c].fillna(0).abs().sum() > 0]
    return sorted(cols, key=lambda c: -t[c].fillna(0).sum())


def stacked(ax, table: pd.DataFrame, cols: list[str], scale: float, names: list[str]) -> None:
    """Horizontal stacked bars, one row per design (rows of ``table``)."""
    left = np.zeros(len(table))
    pos = np.arange(len(table))
    for col, name, color, hatch in zip(cols, names, style.colors(len(cols)), style.hatches(len(cols))):
        v = table[col].fillna(0).to_numpy(dtype=float) * scale
        ax.barh(pos, v, 0.7, left=left, label=name, color=color, hatch=hatch, edgecolor="white", lw=0.3)
        left += v
    ax.set_yticks(pos, [str(i) for i in table.index], fontsize="small")
    ax.invert_yaxis()
    style.plain_ticks(ax, "x")


def breakdown(results, by: str = "design") -> Figure:
    """Energy per inference stacked by component (datapath parts, buffers, DRAM, leakage), one
    panel per network in a grid, one bar per design."""
    t = totals(results)
    _check_column(t, by, "--by")
    cols = _components(t, "energy_", "_J")
    names = [c[len("energy_"):-len("_J")] for c in cols]
    workloads = list(dict.fromkeys(t["workload"]))
    rows = t[by].nunique()
    fig, axes = style.panels(len(workloads), width=3.4, height=max(1.2 + 0.26 * rows, 0.3 + 0.17 * len(cols)))
    for ax, wl in zip(axes, workloads):
        table = t[t["workload"] == wl].groupby(by, sort=False)[cols].mean()
        scale, unit = _unit(table.sum(axis=1).to_numpy(), "J")
        stacked(ax, table, cols, scale, names)
        ax.set_xlabel(f"energy ({unit})")
        ax.set_title(str(wl))
    style.legend(fig, axes[0])
    style.caption(fig, t)
    return fig


def area(results, by: str = "design") -> Figure:
    """Chip area stacked by component, one bar per design (mm^2)."""
    t = totals(results)
    _check_column(t, by, "--by")
    _check_column(t, "area_mm2", "area")
    cols = _components(t, "area_", "_mm2")
    table = t.groupby(by, sort=False)[cols].mean()      # points sharing a label: their mean, as breakdown
    fig = Figure(figsize=(7.0, max(1.6 + 0.26 * len(table), 0.8 + 0.17 * len(cols))),
                 layout="constrained")
    ax = fig.add_subplot()
    stacked(ax, table, cols, 1.0, [c[len("area_"):-len("_mm2")] for c in cols])
    ax.set_xlabel("area (mm$^2$)")
    ax.set_title("Area by component")
    style.legend(fig, ax)
    style.caption(fig, t)
    return fig


def pareto_front(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Mask of the points no other point beats on both x and y (both minimised)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    order = np.lexsort((y, x))
    keep = np.zeros(len(x), dtype=bool)
    best = np.inf
    for i in order:
        if y[i] < best:
            keep[i], best = True, y[i]
    return keep


# Columns where more is better: a front that minimised them picked the slowest design.
MAXIMISED = ("speedup", "energy_efficiency", "utilization", "mapping_efficiency")


def maximised(col: str) -> bool:
    return col in MAXIMISED or col.endswith("_sqnr_db")


def pareto(results, x: str = "cycles", y: str = "energy_J", by: str = "design") -> Figure:
    """Every point as (x, y), one panel per network in a grid, the Pareto front (costs such as
    cycles and energy minimised, ratios such as speedup and SQNRs maximised) drawn through; points
    coloured by ``by`` (each design by default); the baseline as a star."""
    t = totals(results)
    for col in (x, y, by):
        _check_column(t, col, "--by" if col == by else "pareto")
    for flag, col in (("--x", x), ("--y", y)):
        if not pd.api.types.is_numeric_dtype(t[col]) or pd.api.types.is_bool_dtype(t[col]):
            raise SpecError(t.attrs.get("source", "results"), flag, "a numeric column (cycles, "
                            "energy_J, dram_bytes, speedup, ...)", col)
    sx, sy = (-1.0 if maximised(x) else 1.0), (-1.0 if maximised(y) else 1.0)
    workloads = list(dict.fromkeys(t["workload"]))
    fig, axes = style.panels(len(workloads), width=4.2, height=3.4, extra_width=2.2)
    xs, xu = _unit(t[x].to_numpy(), _unit_of(x))
    ys, yu = _unit(t[y].to_numpy(), _unit_of(y))
    groups = list(dict.fromkeys(t[by]))
    for ax, wl in zip(axes, workloads):
        w = t[t["workload"] == wl]
        for g, color in zip(groups, style.colors(len(groups))):
            sel = w[w[by] == g]
            ax.scatter(sel[x] * xs, sel[y] * ys, s=22, color=color, label=str(g), alpha=0.85)
        front = w[pareto_front(sx * w[x], sy * w[y])].sort_values(x)
        # the staircase of what is attainable: from each front point on (x minimised) or up to it
        ax.plot(front[x] * xs, front[y] * ys, drawstyle="steps-pre" if sx < 0 else "steps-post",
                marker="o", ms=9, mfc="none",
                color="black", lw=1, label="Pareto front")
        base_x, base_y = f"baseline_{x}", f"baseline_{y}"
        if base_x in w.columns and base_y in w.columns and w[base_x].nunique() == 1:
            ax.scatter(w[base_x].iloc[:1] * xs, w[base_y].iloc[:1] * ys, marker="*", s=140,
                       color="black", label=str(w["baseline"].iloc[0]) if "baseline" in w.columns
                       else "baseline")
        ax.set_xlabel(_axis_label(x, xu) + (" (higher is better)" if sx < 0 else ""))
        ax.set_ylabel(_axis_label(y, yu) + (" (higher is better)" if sy < 0 else ""))
        style.plain_ticks(ax, "x")
        style.plain_ticks(ax, "y")
        ax.set_title(str(wl))
    style.legend(fig, axes[0], None if by == "design" else by)
    style.caption(fig, t)
    return fig


def trend(results, x: str, y: str = "speedup", by: str = "design") -> Figure:
    """A whole-network figure ``y`` against a numeric column ``x`` (an axis such as a density or
    a bit width), one line per ``by`` value. Points sharing (by, x) are averaged: geometrically
    for the ratios speedup and energy_efficiency, arithmetically otherwise."""
    t = totals(results)
    for col, what in ((x, "trend"), (y, "trend"), (by, "--by")):
        _check_column(t, col, what)
    ratio = y in ("speedup", "energy_efficiency")
    fig = Figure(figsize=(6.4, 3.8), layout="constrained")
    ax = fig.add_subplot()
    groups = list(dict.fromkeys(t[by]))
    values = []
    for g, color in zip(groups, style.colors(len(groups))):
        line = t[t[by] == g].groupby(x)[y].agg(_geomean if ratio else "mean").sort_index()
        ax.plot(line.index, line.to_numpy(dtype=float), marker="o", color=color, label=str(g))
        values += list(line.to_numpy(dtype=float))
    if ratio:
        ax.axhline(1.0, color="black", lw=0.8)
        ax.set_ylabel(f"{y.replace('_', ' ')} over {_baseline_name(t)}")
        style.log_if_decades(ax, values)
    else:
        ax.set_ylabel(y)
        style.plain_ticks(ax)
    ax.set_xlabel(x)
    style.legend(fig, ax, None if by == "design" else by)
    style.caption(fig, t)
    return fig


def _axis_label(col: str, unit: str) -> str:
    name = col.removesuffix("_J").replace("_", " ") if unit.endswith("J") else col.replace("_", " ")
    return f"{name} ({unit})" if unit else name


def _unit_of(col: str) -> str:
    return "J" if col.endswith("_J") else "s" if col == "seconds" or col.endswith("_seconds") else ""


def _unit(values: np.ndarray, unit: str) -> tuple[float, str]:
    """A display scale and unit (SI prefix) for values in ``unit``; no prefix for counts."""
    if unit == "" or not np.isfinite(values).any():
        return 1.0, unit
    top = float(np.nanmax(np.abs(values)))
    for scale, prefix in ((1e12, "p"), (1e9, "n"), (1e6, "µ"), (1e3, "m"), (1.0, "")):
        if top * scale < 1000:
            return scale, prefix + unit
    return 1.0, unit
