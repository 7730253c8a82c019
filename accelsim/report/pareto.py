"""Quantization error against energy per inference: one point per design on one workload.

The number-format datapaths (vmac, vsquant, fgmp, lns_madam) report the error their arithmetic
makes per layer (``fmt_out_sqnr_db``: output SQNR against the exact product of the workload's
operands). A design's point is its energy for the whole workload and the mean of the per-layer
output SQNRs in dB (each layer counted once); exact designs (FP32 on 16-bit operands) have an
infinite SQNR, drawn above the others. A design is on the Pareto front when no other design is at
least as good on both axes and better on one.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from accelsim.report import style
from accelsim.results.result import Result

MEMORIES = ("weights", "activations", "outputs", "dram", "leakage")


def _mean_db(result: Result, key: str) -> float:
    values = [l.extra[key] for l in result.layers if key in l.extra]
    if not values:
        raise ValueError(f"{result.arch} reports no '{key}': not a number-format datapath")
    return float(np.mean(values))


def pareto_mask(energy: np.ndarray, sqnr: np.ndarray) -> np.ndarray:
    """True where no other point has energy <= and SQNR >= with one of them strict."""
    e, q = np.asarray(energy, dtype=float), np.asarray(sqnr, dtype=float)
    better_eq = (e[None, :] <= e[:, None]) & (q[None, :] >= q[:, None])
    strict = (e[None, :] < e[:, None]) | (q[None, :] > q[:, None])
    return ~np.any(better_eq & strict, axis=1)


def format_points(results: Sequence[Result]) -> pd.DataFrame:
    """One row per result: energy per inference (total and datapath only), time, area, mean
    SQNRs of activations, weights and outputs, and whether the design is on the front."""
    rows = []
    for r in results:
        by = r.energy_by_component()
        rows.append({
            "arch": r.arch, "datapath": r.datapath, "workload": r.workload,
            "energy_J": r.joules,
            "datapath_energy_J": sum(v for k, v in by.items() if k not in MEMORIES),
            "seconds": r.seconds, "area_m2": r.area_m2,
            "act_sqnr_db": _mean_db(r, "fmt_act_sqnr_db"),
            "wgt_sqnr_db": _mean_db(r, "fmt_wgt_sqnr_db"),
            "sqnr_db": _mean_db(r, "fmt_out_sqnr_db"),
        })
    df = pd.DataFrame(rows)
    df["pareto"] = pareto_mask(df["energy_J"].to_numpy(), df["sqnr_db"].to_numpy())
    return df.sort_values("energy_J", ignore_index=True)


def pareto_figure(points: pd.DataFrame, title: str | None = None) -> Figure:
    """SQNR (dB) against energy per inference (mJ, log axis), front joined by a line."""
    fig = Figure(figsize=(7, 4.5))
    ax = fig.add_subplot()
    finite = np.isfinite(points["sqnr_db"])
    top = points.loc[finite, "sqnr_db"].max() if finite.any() else 0.0
    shown = points["sqnr_db"].where(finite, top + 10.0)
    mj = points["energy_J"] * 1e3
    front = points["pareto"].to_numpy()
    ax.scatter(mj[~front], shown[~front], color="0.55", label="dominated")
    ax.scatter(mj[front], shown[front], color="C3", label="Pareto front")
    order = np.argsort(mj[front].to_numpy())
    ax.plot(mj[front].to_numpy()[order], shown[front].to_numpy()[order], color="C3", lw=1)
    for i, (x, y, name, exact) in enumerate(zip(mj, shown, points["arch"], ~finite)):
        ax.annotate(name + (" (exact)" if exact else ""), (x, y), textcoords="offset points",
                    xytext=(5, 5 if i % 2 else -11), fontsize=8)    # alternate: neighbours crowd
    ax.set_xscale("log")
    style.plain_ticks(ax, "x")
    ax.set_xlabel("energy per inference (mJ)")
    ax.set_ylabel("output SQNR (dB, mean over layers)")
    ax.set_title(title or f"quantization error vs energy: {points['workload'].iloc[0]}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig
