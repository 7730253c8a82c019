"""Per-layer figures of a run (or of a few designs on one network): where the speedup and the
energy come from, layer by layer.

With a baseline: speedup and energy efficiency of every layer (bars per design, the layer order of
the network, a log axis when the ratios span a decade). Without one: time per layer, and energy
per layer stacked by component for a single design (bars per design for several).
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from accelsim.errors import SpecError
from accelsim.report import style
from accelsim.report.plots import (_check_column, _components, _needs_baseline, _unit, bars,
                                   with_baselines)
from accelsim.report.tables import frame as _frame, labels

MAX_NETWORKS = 4         # rows of per-layer panels one figure holds


def _layer_rows(df: pd.DataFrame) -> pd.DataFrame:
    rows = df[df["layer"] != "total"] if "layer" in df.columns else df
    # a run file's rows beside a sweep store's have no design label: the arch names them
    return rows.assign(design=labels(rows))


def _table(rows: pd.DataFrame, metric: str, by: str, ratio: bool, labels: list) -> pd.DataFrame:
    """Layers (in network order) x ``labels`` (every ``by`` value of the figure, so that a design
    keeps its colour on networks others lack); points sharing a label are averaged (geometrically
    for ratios)."""
    order = list(dict.fromkeys(rows["layer"]))
    agg = (lambda s: float(np.exp(np.log(s.to_numpy(dtype=float)).mean()))) if ratio else "mean"
    table = rows.groupby(["layer", by], sort=False)[metric].agg(agg).unstack(by)
    return table.reindex(index=order, columns=labels)


def layers(results, by: str = "design") -> Figure:
    """Per-layer speedup and energy efficiency (with a baseline) or time and energy (without),
    one row of two panels per network."""
    df = _frame(results)
    rows = _layer_rows(df)
    _check_column(rows, by, "--by")
    workloads = list(dict.fromkeys(rows["workload"]))
    if len(workloads) > MAX_NETWORKS:
        raise SpecError(df.attrs.get("source", "results"), "layers", message=f"per-layer figures "
                        f"draw up to {MAX_NETWORKS} networks; these results have {len(workloads)} "
                        f"({', '.join(map(str, workloads[:6]))}...): plot a selection")
    with_base = "speedup" in rows.columns and rows["speedup"].notna().any()
    if with_base:
        _needs_baseline(rows, "layers")
        rows = with_baselines(rows, by)
    n_layers = max(rows.groupby("workload")["layer"].nunique())
    labels = list(dict.fromkeys(rows[by]))
    n_designs = len(labels)
    width = min(max(6.0, 1.5 + 0.22 * n_layers * max(n_designs, 1.5)), 16.0)
    fig = Figure(figsize=(width + 1.6, 3.2 * 2 * len(workloads) + 0.4), layout="constrained")
    axes = fig.subplots(2 * len(workloads), 1, squeeze=False)[:, 0]
    for i, wl in enumerate(workloads):
        w = rows[rows["workload"] == wl]
        top, bottom = axes[2 * i], axes[2 * i + 1]
        if with_base:
            for ax, metric, name in ((top, "speedup", "speedup"), (bottom, "energy_efficiency",
                                                                   "energy efficiency")):
                table = _table(w, metric, by, ratio=True, labels=labels)
                bars(ax, table)
                style.log_if_decades(ax, table.to_numpy().ravel())
                ax.axhline(1.0, color="black", lw=0.8)
                base = ", ".join(dict.fromkeys(map(str, w["baseline"].dropna()))) \
                    if "baseline" in w.columns else "baseline"
                ax.set_ylabel(f"{name} over {base}")
        else:
            table = _table(w, "seconds", by, ratio=False, labels=labels)
            scale, unit = _unit(table.to_numpy(dtype=float), "s")
            bars(top, table * scale)
            style.log_if_decades(top, table.to_numpy().ravel())
            top.set_ylabel(f"time ({unit})")
            _energy_panel(bottom, w, by, labels)
        top.set_title(f"{wl}: per layer")
    style.legend(fig, axes[0] if with_base or n_designs > 1 else axes[1],
                 None if by == "design" else by)
    style.caption(fig, df)
    return fig


def _energy_panel(ax, w: pd.DataFrame, by: str, labels: list) -> None:
    """Energy per layer: stacked by component for one design, bars per design for several."""
    if len(labels) > 1:
        table = _table(w, "energy_J", by, ratio=False, labels=labels)
        scale, unit = _unit(table.to_numpy(dtype=float), "J")
        bars(ax, table * scale)
        style.log_if_decades(ax, table.to_numpy().ravel())
        ax.set_ylabel(f"energy ({unit})")
        return
    cols = _components(w, "energy_", "_J")
    table = w.set_index("layer")[cols]
    scale, unit = _unit(table.sum(axis=1).to_numpy(dtype=float), "J")
    bottom = np.zeros(len(table))
    pos = np.arange(len(table))
    for col, color, hatch in zip(cols, style.colors(len(cols)), style.hatches(len(cols))):
        v = table[col].fillna(0).to_numpy(dtype=float) * scale
        ax.bar(pos, v, 0.7, bottom=bottom, label=col[len("energy_"):-len("_J")], color=color,
               hatch=hatch, edgecolor="white", lw=0.3)
        bottom += v
    names = [str(n) for n in table.index]
    long = max(map(len, names), default=0) > 8
    ax.set_xticks(pos, names, rotation=30 if long else 0, ha="right" if long else "center")
    ax.set_ylabel(f"energy ({unit})")
    style.plain_ticks(ax)
