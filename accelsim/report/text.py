"""Plain-text tables for the CLI (reports convert SI units to cycles, us, uJ and mm^2 here only)."""
from __future__ import annotations

import pandas as pd

from accelsim.results import accesses
from accelsim.results.result import Result


def _table(df: pd.DataFrame, formats: dict[str, str]) -> str:
    cols = list(df.columns)
    cells = [[_cell(formats.get(c, "{}"), v) for c, v in zip(cols, row)]
             for row in df.itertuples(index=False)]
    widths = [max(len(c), *(len(r[i]) for r in cells)) if cells else len(c) for i, c in enumerate(cols)]
    line = lambda vals: "  ".join(v.rjust(w) if i else v.ljust(w) for i, (v, w) in enumerate(zip(vals, widths)))
    return "\n".join([line(cols), line(["-" * w for w in widths])] + [line(r) for r in cells])


def _cell(fmt: str, v) -> str:
    if isinstance(v, str):
        return v
    # fixed decimals for a value below 1 (a 39-cycle layer's 0.04 us) would print 0.0
    if fmt.endswith("f}") and isinstance(v, float) and 0 < abs(v) < 1:
        return f"{v:.3g}"
    return fmt.format(v)


def _time(seconds: float) -> str:
    """Whole-workload time in ms, or in us below 0.1 ms (4 decimals of a ms read 0.0003)."""
    if seconds >= 1e-4:
        return f"{seconds * 1e3:.4f} ms"
    return f"{seconds * 1e6:.4g} us"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _bits(df: pd.DataFrame) -> list[str]:
    """Per layer "act/wgt" bits: the workload's, or, marked *, a number format's bits per element
    (scales included) where the design quantizes the workload's values to its format."""
    a, w = df["act_bits"].astype(float), df["wgt_bits"].astype(float)
    mark = pd.Series(False, index=df.index)
    if "format_act_bits" in df:
        mark = df["format_act_bits"].notna()
        a, w = a.where(~mark, df["format_act_bits"]), w.where(~mark, df["format_wgt_bits"])
    return [f"{x:.3g}/{y:.3g}" + ("*" if m else "") for x, y, m in zip(a, w, mark)]


def layer_table(result: Result, comparison: pd.DataFrame | None = None) -> str:
    df = result.per_layer()
    out = pd.DataFrame({
        "layer": df["layer"], "kind": df["kind"], "MACs": df["macs"],
        "bits a/w": _bits(df),
        "compute cyc": df["compute_cycles"], "stall cyc": df["stall_cycles"],
        "time us": df["seconds"] * 1e6, "energy uJ": df["energy_J"] * 1e6,
    })
    if comparison is not None:
        cmp = comparison.set_index("layer")
        out["speedup"] = [cmp["speedup"].get(n, float("nan")) for n in df["layer"]]
        out["energy eff"] = [cmp["energy_efficiency"].get(n, float("nan")) for n in df["layer"]]
    table = _table(out, {"MACs": "{:,}", "compute cyc": "{:,}", "stall cyc": "{:,}", "time us": "{:.1f}",
                         "energy uJ": "{:.2f}", "speedup": "{:.2f}x", "energy eff": "{:.2f}x"})
    if any(b.endswith("*") for b in out["bits a/w"]):
        table += ("\n* the design's number format, bits per element with its scales; it quantizes the "
                  "workload's values to it")
    return table


def summary(result: Result, comparison: pd.DataFrame | None = None, baseline: Result | None = None) -> str:
    t = result.totals().iloc[0]
    lines = [
        f"{result.arch} ({result.datapath}, {result.node_nm} nm, {result.frequency_hz / 1e6:.0f} MHz) "
        f"on {result.workload}: {_count(len(result.layers), 'layer')}, {int(t['macs']):,} MACs",
        f"  cycles   {int(t['cycles']):,} (compute {int(t['compute_cycles']):,}, stall {int(t['stall_cycles']):,})",
        f"  time     {_time(t['seconds'])}",
        f"  energy   {t['energy_J'] * 1e6:.2f} uJ: " + ", ".join(
            f"{k} {v * 1e6:.2f}" for k, v in sorted(result.energy_by_component().items(), key=lambda kv: -kv[1])),
        f"  area     {result.area_m2 * 1e6:.3f} mm^2: " + ", ".join(
            f"{k} {v * 1e6:.3f}" for k, v in sorted(result.area.items(), key=lambda kv: -kv[1]) if v > 0),
    ]
    if result.user_prices:
        lines.append(f"  prices   {len(result.user_prices)} overridden by {result.arch_file or result.arch}:")
        lines += [f"    {line}" for line in result.user_prices]
    stderr = result.cycles_rel_stderr()
    if stderr is not None:
        sampled = sum("cycles_rel_stderr" in l.extra for l in result.layers)
        lines.append(f"  sampled  {_count(sampled, 'layer')}; estimated cycles +/- {100 * stderr:.2f}% "
                     "(one standard error)")
    if comparison is not None and baseline is not None:
        total = comparison.set_index("layer").loc["total"]
        lines.append(f"  vs {baseline.arch}: speedup {total['speedup']:.2f}x, energy efficiency "
                     f"{total['energy_efficiency']:.2f}x, area {total['area_ratio']:.2f}x")
    return "\n".join(lines)


def potentials_table(result: Result) -> str:
    df = result.potentials()
    out = pd.DataFrame({"layer": df["layer"], "MACs": df["macs"],
                        "16x16 bit-ops": df["baseline_bitops"], "design bit-ops": df["design_bitops"],
                        "ideal reduction": df["work_reduction"]})
    return _table(out, {"MACs": "{:,}", "16x16 bit-ops": "{:.3g}", "design bit-ops": "{:.3g}",
                        "ideal reduction": "{:.2f}x"})


def access_table(result: Result) -> str:
    """Whole-workload reads and writes per memory level and operand, in bits and accesses."""
    df = accesses.long_table(result.totals())
    out = pd.DataFrame({"level": df["level"], "operand": df["operand"], "access": df["direction"],
                        "bits": df["bits"], "accesses": df["accesses"],
                        "bits/MAC": df["bits"] / max(result.totals()["macs"].iloc[0], 1)})
    return _table(out, {"bits": "{:,}", "accesses": "{:,}", "bits/MAC": "{:.3g}"})


def utilization_table(result: Result) -> str:
    """Per layer and in total: ideal cycles at the datapath's peak, mapping efficiency (ideal /
    compute cycles) and utilization (ideal / all cycles, memory stalls included)."""
    df = pd.concat([result.per_layer(), result.totals().assign(layer="total")], ignore_index=True)
    out = pd.DataFrame({"layer": df["layer"], "MACs": df["macs"], "ideal cyc": df["ideal_cycles"],
                        "compute cyc": df["compute_cycles"], "cycles": df["cycles"],
                        "mapping eff": df["mapping_efficiency"] * 100, "utilization": df["utilization"] * 100})
    return _table(out, {"MACs": "{:,}", "ideal cyc": "{:,}", "compute cyc": "{:,}", "cycles": "{:,}",
                        "mapping eff": "{:.1f}%", "utilization": "{:.1f}%"})


# Components of the cost frame, named for the breakdown (the rest are the datapath's own units).
FRAME = {"reg": "registers", "clock": "clock tree", "wire": "wires", "leakage": "leakage (all parts)",
         "dram": "DRAM"}


def breakdown_table(result: Result) -> str:
    """Energy and area by component, registers, clock tree and wires as their own rows; buffers
    are named by role, datapath units by their first name segment (cost.price.component)."""
    energy, area = result.energy_by_component(), result.area
    e_all, a_all = sum(energy.values()), sum(area.values())
    rows = []
    for k in sorted(set(energy) | set(area), key=lambda k: -energy.get(k, 0.0)):
        e, a = energy.get(k, 0.0), area.get(k, 0.0)
        rows.append((FRAME.get(k, k), e * 1e6, 100 * e / e_all if e_all else 0.0, a * 1e6,
                     100 * a / a_all if a_all else 0.0))
    df = pd.DataFrame(rows, columns=["component", "energy_uJ", "energy_%", "area_mm2", "area_%"])
    return _table(df, {"energy_uJ": "{:.2f}", "energy_%": "{:.1f}", "area_mm2": "{:.3f}",
                       "area_%": "{:.1f}"})
