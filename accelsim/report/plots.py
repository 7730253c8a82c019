"""Figures of simulation results: speedup, energy efficiency, energy and area breakdowns, Pareto.

Every function takes results as a DataFrame (a sweep's tidy table from ``accelsim.load_sweep``, or
the per-layer table ``accelsim run -o`` writes, or a path to either) and returns a matplotlib
Figure. Figures are built without pyplot, so nothing here touches a GUI or global state: the
caller saves them (``fig.savefig``) or a notebook displays them.

Whole-network figures come from ``totals``: per sweep point (or per run), cycles, time and energy
summed over layers; speedup and energy efficiency are ratios of those sums (time-weighted), as
``Result.compare`` computes them. Where several points share a label (``by``), bar charts show
their geometric mean. Several result files plot together (``load_many``); ``layer_plots`` draws
one run's figures per layer and ``figures`` picks a kind by name. Colours, grids, tick labels, log
axes and the caption line (node, clock, baseline) come from ``style``.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from accelsim.errors import SpecError
from accelsim.report import style

SUMMED = ("macs", "compute_cycles", "stall_cycles", "cycles", "seconds", "ideal_cycles",
          "dram_bytes", "energy_J", "baseline_cycles", "baseline_seconds", "baseline_energy_J",
          "potential_bitops")


def _summed(col: str) -> bool:
    """Per-layer counts whose whole-network figure is their sum (energy by component, memory
    reads and writes in bits and accesses), as Result.totals() sums them."""
    return (col in SUMMED or (col.startswith("energy_") and col.endswith("_J"))
            or col.endswith(("_read_bits", "_write_bits", "_read_accesses", "_write_accesses")))


READERS = {".csv": pd.read_csv, ".json": lambda p: pd.read_json(p, orient="records"),
           ".parquet": pd.read_parquet}


def load_results(path: str | Path) -> pd.DataFrame:
    """A sweep store (folder or its sweep.json), or a .csv / .json / .parquet from ``accelsim run``."""
    path = Path(path)
    if path.is_dir() or path.name == "sweep.json":
        from accelsim.sweep.store import load_sweep
        df = load_sweep(path)
        if df.attrs.get("done") == 0:          # an interrupted sweep before its first point
            raise SpecError(str(path), "", message=f"no finished point yet (0 of "
                            f"{df.attrs['points']}); run the sweep to compute them")
    elif not path.is_file():
        raise SpecError(str(path), "", message="file not found")
    elif path.suffix in READERS:
        try:
            df = READERS[path.suffix](path)
        except (OSError, ValueError, RecursionError) as exc:   # empty, truncated, mislabelled
            why = " ".join(str(exc).split())[:100] or exc.__class__.__name__
            raise SpecError(str(path), "", message=f"cannot read as {path.suffix[1:]}: {why}") from None
    else:
        raise SpecError(str(path), "", "a sweep results folder or a .csv, .json or .parquet file",
                        path.suffix or path.name)
    if not isinstance(df, pd.DataFrame) or "layer" not in df.columns or "cycles" not in df.columns:
        raise SpecError(str(path), "", message="not accelsim results (no 'layer' and 'cycles' columns)")
    bad = [c for c in ("cycles", "seconds", "energy_J") if c in df.columns
           and not pd.api.types.is_numeric_dtype(df[c])]
    if bad:
        raise SpecError(str(path), bad[0], message="expected numbers in this column (a damaged file?)")
    df.attrs["source"] = str(path)
    return df


def load_many(paths) -> pd.DataFrame:
    """Several result files (sweep stores and run outputs) as one table for one figure. Each run
    file's rows are one point, named after the file; a design that appears in two files keeps
    the name each gives it."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    frames = []
    for path in paths:
        df = load_results(path)
        if "point" not in df.columns:
            df = df.assign(point=f"{Path(path).name}:" + df["arch"].astype(str))
        frames.append(df)
    frames = _tell_sources_apart(frames, [Path(p) for p in paths])
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    out.attrs["source"] = ", ".join(str(p) for p in paths)
    return out


def _labels(df: pd.DataFrame) -> pd.Series:
    return df["design"].fillna(df["arch"]) if "design" in df.columns else df["arch"]


def _tell_sources_apart(frames: list[pd.DataFrame], paths: list[Path]) -> list[pd.DataFrame]:
    """A design label that two sources give on the same network (stripes.csv and stripes16.csv,
    both 'stripes' on 'alexnet') would be averaged into one bar: in each such source the label
    takes the source's name, e.g. 'stripes (stripes16)'."""
    seen: dict[tuple, set[int]] = {}
    for i, df in enumerate(frames):
        for pair in set(zip(_labels(df).astype(str), df["workload"].astype(str))):
            seen.setdefault(pair, set()).add(i)
    clashing = {label for (label, _), owners in seen.items() if len(owners) > 1}
    if not clashing:
        return frames
    names = [p.parent.name if p.name == "sweep.json" else (p.stem if p.is_file() else p.name)
             for p in paths]
    if len(set(names)) < len(names):         # a/stripes.csv and b/stripes.csv: the paths
        names = [str(p) for p in paths]
    out = []
    for df, name in zip(frames, names):
        labels = _labels(df).astype(str)
        renamed = labels.where(~labels.isin(clashing), labels + f" ({name})")
        out.append(df.assign(design=renamed))
    return out


def _frame(results) -> pd.DataFrame:
    if isinstance(results, pd.DataFrame):
        df = results
    elif isinstance(results, (list, tuple)):
        df = load_many(results)
    else:
        df = load_results(results)
    # Sweep stores keep SI area (area_m2, area_<component>_m2); figures read mm^2 like run outputs.
    m2 = [c for c in df.columns if c.startswith(("area_", "baseline_area_")) and c.endswith("_m2")]
    if m2:
        attrs = dict(df.attrs)
        df = df.drop(columns=m2).assign(**{c[:-3] + "_mm2": df[c] * 1e6 for c in m2})
        df.attrs.update(attrs)
    return df


def totals(results) -> pd.DataFrame:
    """One row per point (sweep) or per run: layer figures summed, ratios recomputed. A run
    output's own ``total`` row is used as written (it carries the chip area)."""
    df = _frame(results)
    written = df[df["layer"] == "total"] if "layer" in df.columns else df.iloc[0:0]
    keys = ["point"] if "point" in df.columns else ["arch", "workload"]
    layers = df[df["layer"] != "total"] if "layer" in df.columns else df
    if len(written):
        layers = layers[~layers.set_index(keys).index.isin(written.set_index(keys).index)]
    parts = [written.copy()]
    if len(layers):
        summed = [c for c in layers.columns if _summed(c)]
        # the network's SQNR as report.pareto takes it: the mean of its layers' dB
        mean = [c for c in layers.columns if c.endswith("_sqnr_db") and c not in summed]
        first = [c for c in layers.columns if c not in summed and c not in mean and c not in keys]
        out = layers.groupby(keys, sort=False).agg({**{c: "sum" for c in summed},
                                                    **{c: "mean" for c in mean},
                                                    **{c: "first" for c in first}})
        out = out.reset_index()
        # ratios of sums, not the first layer's ratio (as Result.totals() computes them)
        if {"ideal_cycles", "compute_cycles", "cycles"} <= set(out.columns):
            out["mapping_efficiency"] = out["ideal_cycles"] / out["compute_cycles"].where(out["compute_cycles"] > 0)
            out["utilization"] = out["ideal_cycles"] / out["cycles"].where(out["cycles"] > 0)
        if "baseline_seconds" in out.columns:
            out["speedup"] = out["baseline_seconds"] / out["seconds"]
            out["energy_efficiency"] = out["baseline_energy_J"] / out["energy_J"]
        parts.append(out)
    out = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) \
        else parts[0]
    if "design" not in out.columns:
        out["design"] = out["arch"]
    else:
        out["design"] = out["design"].fillna(out["arch"])
    out.attrs.update(df.attrs)
    return out.reset_index(drop=True)


def _check_column(df: pd.DataFrame, col: str, what: str) -> None:
    if col not in df.columns:
        import difflib
        close = difflib.get_close_matches(col, [str(c) for c in df.columns], n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise SpecError(df.attrs.get("source", "results"), what,
                        message=f"no column '{col}' in these results{hint}")
    if what == "--by" and df[col].isna().any():
        # groupby drops rows without a label: a run file beside a sweep vanished from the figure
        names = df["design"].fillna(df["arch"]) if "design" in df.columns else df["arch"]
        who = ", ".join(dict.fromkeys(map(str, names[df[col].isna()])))
        raise SpecError(df.attrs.get("source", "results"), what, message=f"'{col}' has no value "
                        f"for {who}; plot those results apart, or by another column")


def _needs_baseline(df: pd.DataFrame, kind: str) -> None:
    if "speedup" not in df.columns or df["speedup"].isna().all():
        raise SpecError(df.attrs.get("source", "results"), kind, message="these results have no "
                        "baseline: give the sweep a 'baseline:' or run with --baseline")
    missing = df["speedup"].isna()
    if missing.any():
        # their bars were left empty under a legend entry, as if the ratio were not drawn yet
        names = df["design"].fillna(df["arch"]) if "design" in df.columns else df["arch"]
        who = ", ".join(dict.fromkeys(map(str, names[missing])))
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
