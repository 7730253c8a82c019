"""Speedup and energy efficiency of one result against a baseline, per layer and in total."""
from __future__ import annotations

import pandas as pd


def compare(result, baseline) -> pd.DataFrame:
    """Rows per layer (matched by name) plus a ``total`` row: speedup = baseline cycles-time /
    time, energy efficiency = baseline energy / energy, area ratio = area / baseline area."""
    mine = {l.name: l for l in result.layers}
    rows = []
    for b in baseline.layers:
        if b.name not in mine:
            continue
        m = mine[b.name]
        # Same name, other work (AlexNet and VGG-M both have conv1..fc8): a ratio of the two
        # would be a number about two different layers.
        if (m.kind, m.macs) != (b.kind, b.macs):
            raise ValueError(f"layer {b.name}: {result.arch} ran {m.macs:,} MACs ({m.kind}) on "
                             f"{result.workload}, {baseline.arch} {b.macs:,} ({b.kind}) on "
                             f"{baseline.workload}; compare results of the same workload")
        rows.append({"layer": b.name, "speedup": b.seconds / m.seconds if m.seconds else float("nan"),
                     "energy_efficiency": b.joules / m.joules if m.joules else float("nan")})
    if not rows:
        raise ValueError(f"{result.workload} and {baseline.workload} share no layer names")
    names = {r["layer"] for r in rows}
    t_b = sum(l.seconds for l in baseline.layers if l.name in names)
    t_m = sum(l.seconds for l in result.layers if l.name in names)
    e_b = sum(l.joules for l in baseline.layers if l.name in names)
    e_m = sum(l.joules for l in result.layers if l.name in names)
    rows.append({"layer": "total", "speedup": t_b / t_m, "energy_efficiency": e_b / e_m})
    df = pd.DataFrame(rows)
    df["area_ratio"] = result.area_m2 / baseline.area_m2
    # Ratios across technology nodes or clocks mix process and design: carry both sides.
    df["node_nm"], df["baseline_node_nm"] = result.node_nm, baseline.node_nm
    df["frequency_hz"], df["baseline_frequency_hz"] = result.frequency_hz, baseline.frequency_hz
    df.insert(0, "baseline", baseline.arch)
    df.insert(0, "arch", result.arch)
    return df


def mismatch(result, baseline) -> str | None:
    """A one-line warning when ``result`` and ``baseline`` differ in technology node or clock
    (their ratios then measure the process or the clock as much as the design), else None."""
    diffs = []
    if result.node_nm != baseline.node_nm:
        diffs.append(f"{result.node_nm} nm vs {baseline.node_nm} nm")
    if result.frequency_hz != baseline.frequency_hz:
        diffs.append(f"{result.frequency_hz / 1e6:g} MHz vs {baseline.frequency_hz / 1e6:g} MHz")
    if not diffs:
        return None
    return (f"{result.arch} and its baseline {baseline.arch} differ in {' and '.join(diffs)}; "
            "speedup, energy and area ratios include that difference")
