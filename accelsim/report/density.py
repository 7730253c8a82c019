"""Density sweeps: how a sparse design's advantage over a dense baseline changes as both operands
get denser (the SCNN paper's density study, Parashar et al., ISCA 2017).

Every swept layer gets the same activation and weight density; operands stay synthetic and
seeded, so the points differ only in density. Works for any archs and workload (not only SCNN).
"""
from __future__ import annotations

import dataclasses
import math
from typing import Mapping, Sequence

import pandas as pd
from matplotlib.figure import Figure

from accelsim.engine.simulate import simulate
from accelsim.report import style
from accelsim.spec.arch import Arch
from accelsim.spec.workload import Workload


def with_density(workload: Workload, density: float) -> Workload:
    """The workload with every layer's activation and weight density set to ``density``. Operands
    read from tensor files keep their own zeros, so a layer with one is refused rather than
    reported at a density it does not have."""
    filed = [f"{l.name}.{op}" for l in workload.layers for op in ("act", "wgt")
             if getattr(l, op).file is not None]
    if filed:
        raise ValueError(f"{workload.name}: {', '.join(filed[:3])}{' ...' if len(filed) > 3 else ''} "
                         "read from tensor files: their density cannot be set (a density sweep "
                         "needs synthetic operands)")
    layers = tuple(dataclasses.replace(
        layer, act=dataclasses.replace(layer.act, density=density),
        wgt=dataclasses.replace(layer.wgt, density=density)) for layer in workload.layers)
    return dataclasses.replace(workload, layers=layers)


def density_sweep(archs: Mapping[str, Arch], workload: Workload, densities: Sequence[float],
                  baseline: str) -> pd.DataFrame:
    """One row per (density, arch): cycles, seconds, joules (total and by component), and the
    speedup and energy efficiency against ``baseline`` (a key of ``archs``) at the same density."""
    if baseline not in archs:
        raise ValueError(f"baseline {baseline!r} is not one of the archs ({', '.join(archs)})")
    rows = []
    for d in densities:
        point = with_density(workload, float(d))
        results = {name: simulate(arch, point) for name, arch in archs.items()}
        base = results[baseline]
        for name, r in results.items():
            row = {"density": float(d), "arch": name, "cycles": r.cycles, "seconds": r.seconds,
                   "joules": r.joules, "speedup": base.seconds / r.seconds,
                   "energy_efficiency": base.joules / r.joules}
            row.update({f"energy_{k}_J": v for k, v in r.energy_by_component().items()})
            rows.append(row)
    return pd.DataFrame(rows)


def crossover(df: pd.DataFrame, arch: str, metric: str = "speedup") -> float:
    """The density at which ``arch`` stops beating the baseline on ``metric`` (linear interpolation
    where the ratio crosses 1 going up in density); nan if it never does in the swept range, and
    the lowest density if it never beats it."""
    d = df[df.arch == arch].sort_values("density")
    x, y = d.density.to_numpy(), d[metric].to_numpy()
    if len(x) == 0:
        raise ValueError(f"no rows for arch {arch!r}")
    if y[0] <= 1.0:
        return float(x[0])
    for i in range(1, len(x)):
        if y[i] <= 1.0:
            return float(x[i - 1] + (y[i - 1] - 1.0) / (y[i - 1] - y[i]) * (x[i] - x[i - 1]))
    return math.nan


def density_figure(df: pd.DataFrame, baseline: str, title: str = "") -> Figure:
    """Latency and energy of every arch relative to the baseline, against density (log scale)."""
    fig = Figure(figsize=(9, 3.6), layout="constrained")
    axes = fig.subplots(1, 2, sharex=True)
    for ax, metric, label in ((axes[0], "seconds", "latency"), (axes[1], "joules", "energy")):
        base = df[df.arch == baseline].set_index("density")[metric]
        groups = list(df.groupby("arch", sort=False))
        for (arch, d), color in zip(groups, style.colors(len(groups))):
            d = d.sort_values("density")
            rel = d[metric].to_numpy() / base.loc[d.density].to_numpy()
            ax.plot(d.density, rel, marker="o", ms=3, label=arch, color=color)
            if arch != baseline:
                ratio = "speedup" if metric == "seconds" else "energy_efficiency"
                x = crossover(df, arch, ratio)
                if df.density.min() < x < df.density.max():     # a crossing inside the range
                    ax.axvline(x, ls=":", lw=0.8, color=ax.lines[-1].get_color())
        ax.axhline(1.0, color="grey", lw=0.8)
        ax.set_yscale("log")
        style.plain_ticks(ax)
        ax.set_xlabel("density of weights and activations")
        ax.set_ylabel(f"{label} relative to {baseline}")
        ax.grid(True, which="both", lw=0.3)
    axes[0].legend(fontsize=8)
    if title:
        fig.suptitle(title)
    return fig
