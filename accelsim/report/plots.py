"""Figures of simulation results: speedup, energy efficiency, energy and area breakdowns, Pareto.

Every function takes results as a DataFrame (a sweep's tidy table from ``accelsim.load_sweep``, or
the per-layer table ``accelsim run -o`` writes, or a path to either) and returns a matplotlib
Figure. Figures are built without pyplot, so nothing here touches a GUI or global state: the
caller saves them (``fig.savefig``) or a notebook displays them.

Whole-network figures come from ``totals``: per sweep point (or per run), cycles, time and energy
summed over layers; speedup and energy efficiency are ratios of those sums (time-weighted), as
``Result.compare`` computes them. Where several points share a label (``by``), bar charts show
their geometric mean.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from accelsim.errors import SpecError

KINDS = ("speedup", "energy", "area", "breakdown", "pareto")
SUMMED = ("macs", "compute_cycles", "stall_cycles", "cycles", "seconds", "ideal_cycles",
          "dram_bytes", "energy_J", "baseline_cycles", "baseline_seconds", "baseline_energy_J")
_COLORS = ("#4C72B0", "#DD8452", "#55A868", "#C44E52", "#8172B3", "#937860", "#DA8BC3",
           "#8C8C8C", "#CCB974", "#64B5CD")


def load_results(path: str | Path) -> pd.DataFrame:
    """A sweep store (folder or its sweep.json), or a .csv / .json / .parquet from ``accelsim run``."""
    path = Path(path)
    if path.is_dir() or path.name == "sweep.json":
        from accelsim.sweep.store import load_sweep
        df = load_sweep(path)
    elif not path.is_file():
        raise SpecError(str(path), "", message="file not found")
    elif path.suffix == ".csv":
        df = pd.read_csv(path)
    elif path.suffix == ".json":
        df = pd.read_json(path, orient="records")
    elif path.suffix == ".parquet":
        df = pd.read_parquet(path)
    else:
        raise SpecError(str(path), "", "a sweep results folder or a .csv, .json or .parquet file",
                        path.suffix or path.name)
    if "layer" not in df.columns or "cycles" not in df.columns:
        raise SpecError(str(path), "", message="not accelsim results (no 'layer' and 'cycles' columns)")
    df.attrs["source"] = str(path)
    return df


def _frame(results) -> pd.DataFrame:
    df = results if isinstance(results, pd.DataFrame) else load_results(results)
    # Sweep stores keep SI area (area_m2, area_<component>_m2); figures read mm^2 like run outputs.
    m2 = [c for c in df.columns if c.startswith(("area_", "baseline_area_")) and c.endswith("_m2")]
    if m2:
        attrs = dict(df.attrs)
        df = df.drop(columns=m2).assign(**{c[:-3] + "_mm2": df[c] * 1e6 for c in m2})
        df.attrs.update(attrs)
    return df


def totals(results) -> pd.DataFrame:
    """One row per point (sweep) or per run: layer figures summed, ratios recomputed."""
    df = _frame(results)
    if "point" in df.columns:
        keys = ["point"]
    elif "layer" in df.columns and (df["layer"] == "total").any():
        out = df[df["layer"] == "total"].copy()
        out["design"] = out["arch"]
        return out.reset_index(drop=True)
    else:
        keys = ["arch", "workload"]
    summed = [c for c in df.columns if c in SUMMED or (c.startswith("energy_") and c.endswith("_J"))]
    first = [c for c in df.columns if c not in summed and c not in keys]
    out = df.groupby(keys, sort=False).agg({**{c: "sum" for c in summed}, **{c: "first" for c in first}})
    out = out.reset_index()
    if "design" not in out.columns:
        out["design"] = out["arch"]
    if "baseline_seconds" in out.columns:
        out["speedup"] = out["baseline_seconds"] / out["seconds"]
        out["energy_efficiency"] = out["baseline_energy_J"] / out["energy_J"]
    out.attrs.update(df.attrs)
    return out


def _check_column(df: pd.DataFrame, col: str, what: str) -> None:
    if col not in df.columns:
        import difflib
        close = difflib.get_close_matches(col, [str(c) for c in df.columns], n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise SpecError(df.attrs.get("source", "results"), what,
                        message=f"no column '{col}' in these results{hint}")


def _needs_baseline(df: pd.DataFrame, kind: str) -> None:
    if "speedup" not in df.columns or df["speedup"].isna().all():
        raise SpecError(df.attrs.get("source", "results"), kind, message="these results have no "
                        "baseline: give the sweep a 'baseline:' or run with --baseline")


def _geomean(s: pd.Series) -> float:
    v = s.to_numpy(dtype=float)
    return float(np.exp(np.log(v).mean())) if len(v) else float("nan")


PAPER_STYLE_MAX = 8      # up to this many designs: bars grouped by network, as papers draw them


def _colors(n: int) -> list:
    if n <= len(_COLORS):
        return list(_COLORS[:n])
    from matplotlib import colormaps
    return [colormaps["viridis"](i / max(n - 1, 1)) for i in range(n)]


def _grouped_bars(table: pd.DataFrame, legend: str | None, label: str, title: str) -> Figure:
    """Rows of ``table`` are the groups, columns the bars of each group. Few rows with short
    names: vertical groups along x; otherwise horizontal, one labelled row per group."""
    groups, series = [str(i) for i in table.index], [str(c) for c in table.columns]
    vertical = len(groups) <= PAPER_STYLE_MAX and len(groups) * len(series) <= 60 \
        and max(map(len, groups)) <= 14
    n = len(series)
    width = 0.8 / n
    colors = _colors(n)
    if vertical:
        fig = Figure(figsize=(max(5.5, 2.8 + 0.28 * len(groups) * max(n, 2)), 3.8), layout="constrained")
    else:
        fig = Figure(figsize=(7.5, 1.2 + 0.22 * len(groups) * max(n, 1.5)), layout="constrained")
    ax = fig.add_subplot()
    pos = np.arange(len(groups))
    for i, name in enumerate(series):
        offset = pos + (i - (n - 1) / 2) * width
        values = table.iloc[:, i].to_numpy(dtype=float)
        if vertical:
            ax.bar(offset, values, width, label=name, color=colors[i])
        else:
            ax.barh(offset, values, width, label=name, color=colors[i])
    if vertical:
        ax.set_xticks(pos, groups)
        ax.set_ylabel(label)
    else:
        ax.set_yticks(pos, groups, fontsize="small")
        ax.invert_yaxis()
        ax.set_xlabel(label)
    ax.set_title(title)
    if n > 1 or legend:
        ax.legend(title=legend, fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def _ratio_bars(t: pd.DataFrame, metric: str, name: str, by: str, title: str) -> Figure:
    _check_column(t, by, "--by")
    table = t.groupby([by, "workload"], sort=False)[metric].apply(_geomean).unstack(by)
    if len(table.index) > 1:
        table.loc["geomean"] = table.apply(_geomean)
    legend = None if by == "design" else by
    if len(table.columns) > PAPER_STYLE_MAX:
        table, legend = table.T, None          # many designs: one row per design, bars per network
    if len(table.columns) == 1 and legend is None:
        title = f"{title}: {table.columns[0]}"           # one design: name it, no legend needed
    named = "baseline" in t.columns and t["baseline"].notna().any()
    fig = _grouped_bars(table, legend, f"{name} over {t['baseline'].dropna().iloc[0] if named else 'baseline'}",
                        title)
    ax = fig.axes[0]
    (ax.axhline if ax.get_ylabel() else ax.axvline)(1.0, color="black", lw=0.8)
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
        return _ratio_bars(t, "energy_efficiency", "energy efficiency", by, "Energy efficiency")
    _check_column(t, by, "--by")
    table = t.groupby([by, "workload"], sort=False)["energy_J"].mean().unstack("workload")
    scale, unit = _unit(table.to_numpy(dtype=float), "J")
    return _grouped_bars(table * scale, None, f"energy per inference ({unit})", "Energy")


def _components(t: pd.DataFrame, prefix: str, suffix: str) -> list[str]:
    total = prefix[:-1] + suffix           # energy_J, area_mm2: the sum, not a component
    cols = [c for c in t.columns if c.startswith(prefix) and c.endswith(suffix) and c != total]
    # Largest components first, so the stacks read the same way across bars.
    return sorted(cols, key=lambda c: -t[c].fillna(0).sum())


def _stacked(ax, table: pd.DataFrame, cols: list[str], scale: float, names: list[str]) -> None:
    """Horizontal stacked bars, one row per design (rows of ``table``)."""
    left = np.zeros(len(table))
    pos = np.arange(len(table))
    for col, name, color in zip(cols, names, _colors(len(cols))):
        v = table[col].fillna(0).to_numpy(dtype=float) * scale
        ax.barh(pos, v, 0.7, left=left, label=name, color=color)
        left += v
    ax.set_yticks(pos, [str(i) for i in table.index], fontsize="small")
    ax.invert_yaxis()


def breakdown(results, by: str = "design") -> Figure:
    """Energy per inference stacked by component (datapath parts, buffers, DRAM, leakage), one
    panel per network, one bar per design."""
    t = totals(results)
    _check_column(t, by, "--by")
    cols = _components(t, "energy_", "_J")
    names = [c[len("energy_"):-len("_J")] for c in cols]
    workloads = list(dict.fromkeys(t["workload"]))
    rows = t[by].nunique()
    # Tall enough for the legend too: one small-font line per component.
    height = max(1.4 + 0.26 * rows, 0.6 + 0.2 * len(cols))
    fig = Figure(figsize=(2.5 + 3.2 * len(workloads), height), layout="constrained")
    axes = fig.subplots(1, len(workloads), squeeze=False, sharey=True)[0]
    for ax, wl in zip(axes, workloads):
        table = t[t["workload"] == wl].groupby(by, sort=False)[cols].mean()
        scale, unit = _unit(table.sum(axis=1).to_numpy(), "J")
        _stacked(ax, table, cols, scale, names)
        ax.set_xlabel(f"energy ({unit})")
        ax.set_title(str(wl))
    axes[-1].legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


def area(results, by: str = "design") -> Figure:
    """Chip area stacked by component, one bar per design (mm^2)."""
    t = totals(results)
    _check_column(t, by, "--by")
    _check_column(t, "area_mm2", "area")
    cols = [c for c in _components(t, "area_", "_mm2") if t[c].fillna(0).any()]
    table = t.groupby(by, sort=False)[cols].first()
    fig = Figure(figsize=(7.0, max(1.4 + 0.26 * len(table), 0.6 + 0.2 * len(cols))),
                 layout="constrained")
    ax = fig.add_subplot()
    _stacked(ax, table, cols, 1.0, [c[len("area_"):-len("_mm2")] for c in cols])
    ax.set_xlabel("area (mm$^2$)")
    ax.set_title("Area by component")
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.0, 1.0))
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


def pareto(results, x: str = "cycles", y: str = "energy_J", by: str | None = None) -> Figure:
    """Every point as (x, y), one panel per network, the Pareto front (both minimised) drawn
    through; points coloured by ``by``; the baseline as a star when the results have one."""
    t = totals(results)
    for col in (x, y) + ((by,) if by else ()):
        _check_column(t, col, "--by" if col == by else "pareto")
    workloads = list(dict.fromkeys(t["workload"]))
    fig = Figure(figsize=(4.6 * len(workloads) + 1.4, 4.0), layout="constrained")
    axes = fig.subplots(1, len(workloads), squeeze=False)[0]
    xs, xu = _unit(t[x].to_numpy(), _unit_of(x))
    ys, yu = _unit(t[y].to_numpy(), _unit_of(y))
    groups = list(dict.fromkeys(t[by])) if by else [None]
    for ax, wl in zip(axes, workloads):
        w = t[t["workload"] == wl]
        for g, color in zip(groups, _colors(len(groups))):
            sel = w if g is None else w[w[by] == g]
            ax.scatter(sel[x] * xs, sel[y] * ys, s=22, color=color,
                       label=None if g is None else str(g), alpha=0.8)
        front = w[pareto_front(w[x], w[y])].sort_values(x)
        ax.plot(front[x] * xs, front[y] * ys, drawstyle="steps-post", marker="o", ms=9, mfc="none",
                color="black", lw=1, label="Pareto front")
        base_x, base_y = f"baseline_{x}", f"baseline_{y}"
        if base_x in w.columns and base_y in w.columns and w[base_x].nunique() == 1:
            ax.scatter(w[base_x].iloc[:1] * xs, w[base_y].iloc[:1] * ys, marker="*", s=140,
                       color="black", label=str(w["baseline"].iloc[0]) if "baseline" in w.columns
                       else "baseline")
        ax.set_xlabel(_axis_label(x, xu))
        ax.set_ylabel(_axis_label(y, yu))
        ax.set_title(str(wl))
    axes[-1].legend(fontsize="small", title=by, loc="upper left", bbox_to_anchor=(1.0, 1.0))
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
    for g, color in zip(groups, _colors(len(groups))):
        line = t[t[by] == g].groupby(x)[y].agg(_geomean if ratio else "mean").sort_index()
        ax.plot(line.index, line.to_numpy(dtype=float), marker="o", color=color, label=str(g))
    if ratio:
        ax.axhline(1.0, color="black", lw=0.8)
        named = "baseline" in t.columns and t["baseline"].notna().any()
        ax.set_ylabel(f"{y.replace('_', ' ')} over {t['baseline'].dropna().iloc[0] if named else 'baseline'}")
    else:
        ax.set_ylabel(y)
    ax.set_xlabel(x)
    ax.legend(title=None if by == "design" else by, fontsize="small", loc="upper left",
              bbox_to_anchor=(1.0, 1.0))
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


def figure(kind: str, results, by: str | None = None, **options) -> Figure:
    """The figure of ``kind`` (one of KINDS), as ``accelsim plot --kind`` draws it."""
    if kind not in KINDS:
        raise SpecError("--kind", "", "one of " + ", ".join(KINDS), kind)
    df = _frame(results)
    if kind == "pareto":
        return pareto(df, by=by, **options)
    return {"speedup": speedup, "energy": energy, "area": area, "breakdown": breakdown}[kind](
        df, by=by or "design")
