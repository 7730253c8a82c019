"""Result: per-layer and total figures of one simulation, as pandas DataFrames (SI units inside)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping

import pandas as pd

from accelsim.results import accesses


@dataclass(frozen=True)
class LayerResult:
    name: str
    kind: str
    macs: int
    act_bits: int
    wgt_bits: int
    compute_cycles: int
    stall_cycles: int
    cycles: int
    seconds: float
    ideal_cycles: int
    potential: float                 # bit-products the design performs (ideal work)
    dram_bytes: int
    energy: Mapping[str, float]      # joules by component, leakage included
    extra: Mapping[str, float] = field(default_factory=dict)
    act_sqnr_db: float = float("inf")
    wgt_sqnr_db: float = float("inf")
    reused: bool = False             # an earlier identical layer's work was reused
    # memory reads / writes in bits and accesses, "<level>_<operand>_<read|write>_<bits|accesses>"
    # (see accesses.py)
    accesses: Mapping[str, int] = field(default_factory=dict)

    @property
    def joules(self) -> float:
        return float(sum(self.energy.values()))


@dataclass(frozen=True)
class Result:
    arch: str
    workload: str
    datapath: str
    frequency_hz: float
    node_nm: int
    layers: tuple[LayerResult, ...]
    area: Mapping[str, float]        # square metres by component
    # Display names can repeat (a copied arch file, two ONNX imports of one graph): the files
    # say which inputs a result came from.
    arch_file: str = ""
    workload_file: str = ""
    notes: tuple[str, ...] = ()      # one-line warnings about the result (the CLI prints them)
    user_prices: tuple[str, ...] = ()   # prices the arch file overrode, user value vs bundled

    @property
    def cycles(self) -> int:
        return sum(l.cycles for l in self.layers)

    @property
    def seconds(self) -> float:
        return sum(l.seconds for l in self.layers)

    @property
    def joules(self) -> float:
        return sum(l.joules for l in self.layers)

    @property
    def area_m2(self) -> float:
        return float(sum(self.area.values()))

    def energy_by_component(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for layer in self.layers:
            for k, v in layer.energy.items():
                out[k] = out.get(k, 0.0) + v
        return out

    def per_layer(self) -> pd.DataFrame:
        """One row per layer: cycles, time, utilization and mapping efficiency, energy by component
        (``energy_<component>_J``), and memory reads and writes by level and operand
        (``<level>_<operand>_<read|write>_<bits|accesses>``, e.g. ``dram_weights_read_bits``,
        ``buffer_activations_read_accesses``; see ``accelsim.results.accesses``)."""
        rows = []
        for l in self.layers:
            row = {"layer": l.name, "kind": l.kind, "macs": l.macs, "act_bits": l.act_bits,
                   "wgt_bits": l.wgt_bits, "compute_cycles": l.compute_cycles,
                   "stall_cycles": l.stall_cycles, "cycles": l.cycles, "seconds": l.seconds,
                   "ideal_cycles": l.ideal_cycles,
                   **accesses.utilization(l.ideal_cycles, l.compute_cycles, l.cycles),
                   "potential_bitops": l.potential,
                   "dram_bytes": l.dram_bytes, "energy_J": l.joules,
                   "act_sqnr_db": l.act_sqnr_db, "wgt_sqnr_db": l.wgt_sqnr_db,
                   "reused": l.reused}
            row.update({f"energy_{k}_J": v for k, v in l.energy.items()})
            clash = sorted(set(l.extra) & set(row))
            if clash:       # a datapath's own figure must not replace a column every result has
                raise ValueError(f"layer {l.name}: datapath figures {clash} would overwrite result columns")
            row.update(dict(l.extra))
            rows.append(row)
        df = pd.DataFrame(rows)
        # A part a layer does not use (Tartan's FC registers on a conv layer) spends 0 J there,
        # not an unknown amount: no empty cells in the energy columns.
        parts = list(dict.fromkeys(f"energy_{k}_J" for l in self.layers for k in l.energy))
        df[parts] = df[parts].fillna(0.0)
        # A level a layer does not touch (no DRAM traffic when it stays on chip) is zero, not
        # missing: the columns stay integers.
        counted = sorted({k for l in self.layers for k in l.accesses}, key=accesses.column_order)
        df = pd.concat([df, pd.DataFrame([{k: l.accesses.get(k, 0) for k in counted}
                                          for l in self.layers], columns=counted, dtype="int64")],
                       axis=1)
        df.insert(0, "workload_file", self.workload_file)
        df.insert(0, "arch_file", self.arch_file)
        df.insert(0, "workload", self.workload)
        df.insert(0, "arch", self.arch)
        return df

    def totals(self) -> pd.DataFrame:
        """One row: whole-workload cycles, time, energy by component and area by component."""
        df = self.per_layer()
        row = {"arch": self.arch, "workload": self.workload, "arch_file": self.arch_file,
               "workload_file": self.workload_file, "datapath": self.datapath,
               "node_nm": self.node_nm, "frequency_hz": self.frequency_hz}
        for col in ("macs", "compute_cycles", "stall_cycles", "cycles", "seconds", "ideal_cycles",
                    "potential_bitops", "dram_bytes", "energy_J"):
            row[col] = df[col].sum()
        row.update(accesses.utilization(row["ideal_cycles"], row["compute_cycles"], row["cycles"]))
        row.update({f"energy_{k}_J": v for k, v in self.energy_by_component().items()})
        row.update({c: int(df[c].sum()) for c in df.columns if c.endswith("_accesses")
                    or c[:-len("_bits")] + "_accesses" in df.columns})
        row.update(self.area_mm2())
        stderr = self.cycles_rel_stderr()
        if stderr is not None:
            row["cycles_rel_stderr"] = stderr
        if self.user_prices:
            row["user_prices"] = "; ".join(self.user_prices)
        return pd.DataFrame([row])

    def cycles_rel_stderr(self) -> float | None:
        """Standard error of the whole workload's cycles relative to them, from the sampled layers'
        (independent, so their absolute errors add in quadrature); None if no layer was sampled."""
        sampled = [l for l in self.layers if "cycles_rel_stderr" in l.extra]
        if not sampled:
            return None
        err = sum((l.extra["cycles_rel_stderr"] * l.cycles) ** 2 for l in sampled) ** 0.5
        return err / self.cycles if self.cycles else 0.0

    def area_mm2(self) -> dict[str, float]:
        """Chip area in mm^2 (``area_mm2``) and by component (``area_<component>_mm2``), components
        with no area (DRAM is off chip) left out."""
        out = {"area_mm2": self.area_m2 * 1e6}
        out.update({f"area_{k}_mm2": v * 1e6 for k, v in self.area.items() if v > 0})
        return out

    def potentials(self) -> pd.DataFrame:
        """Ideal work reduction per layer and in total (DNNsim's "potentials"): the bit-products a
        16 x 16-bit bit-parallel MAC array performs (256 per MAC) over the bit-products this design
        performs, e.g. Stripes p_a x 16, Loom p_a x p_w, Laconic terms(a) x terms(w)."""
        rows = [{"layer": l.name, "macs": l.macs, "baseline_bitops": 256.0 * l.macs,
                 "design_bitops": l.potential} for l in self.layers]
        rows.append({"layer": "total", "macs": sum(r["macs"] for r in rows),
                     "baseline_bitops": sum(r["baseline_bitops"] for r in rows),
                     "design_bitops": sum(r["design_bitops"] for r in rows)})
        df = pd.DataFrame(rows)
        df["work_reduction"] = df["baseline_bitops"] / df["design_bitops"].where(df["design_bitops"] > 0)
        df.insert(0, "arch", self.arch)
        return df

    def compare(self, baseline: "Result") -> pd.DataFrame:
        from accelsim.results.compare import compare
        return compare(self, baseline)
