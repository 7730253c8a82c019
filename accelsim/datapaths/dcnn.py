"""DCNN and DCNN-opt: the dense baselines SCNN is compared with (Parashar et al., ISCA 2017;
docs/references.md#scnn): the same ``pe_rows x pe_cols`` PEs, multipliers, accumulator capacity, IARAM /
OARAM / weight-FIFO sizes and DRAM as SCNN, without sparse encoding.

Each PE is a dot-product array: ``f`` filters x ``i`` input channels, one adder tree per filter row
and an accumulator buffer (``f`` banks, ``acc_entries`` partial sums in all, double buffered). The
output plane of a layer is tiled over the PEs (``scnn_planar``, output tiling: no halo; a PE reads
its input halo from its neighbours). Loop nest per band of output rows: for each group of Kc
filters (Kc x the PE's output tile fits the accumulators, Kc a multiple of f), for each brick of
``i`` input channels, each kernel position and each vector of ``f`` filters, the PE loads those
f x i weights once and sweeps its output positions, one per cycle. A conv layer therefore takes
``positions x R x S x ceil(C/i) x ceil(Kc/f)`` cycles per filter group, whatever the values.
FC layers have one output position: the PEs split the filters (``f`` per PE per pass), each
streaming its own weights; the input vector is broadcast.

``zero_gating`` (DCNN-opt) skips the multiply when an operand is zero (time unchanged; the gating
logic's own energy is neglected). ``compressed_dram`` (DCNN-opt) moves activations and weights
to and from DRAM in the run-length format of ``scnn_sparse`` (``index_bits``), falling back to raw
data per stream when that is smaller, so it never moves more than DCNN. On chip, data stay dense.
Outputs are assumed to compress like the layer's inputs (output sparsity is unknown to a layer).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from accelsim.datapaths import grid, scnn_planar as planar
from accelsim.datapaths.base import Part, part, register
from accelsim.datapaths.scnn import pe_memories
from accelsim.datapaths.scnn_sparse import best_of, encode, stored_bits
from accelsim.errors import SpecError
from accelsim.spec.params import ParamError
from accelsim.spec.workload import LayerKind


@dataclass(frozen=True)
class DcnnParams:
    pe_rows: int = field(default=8, metadata={"lo": 1, "hi": 256})
    pe_cols: int = field(default=8, metadata={"lo": 1, "hi": 256})
    f: int = field(default=4, metadata={"lo": 1, "hi": 64})
    i: int = field(default=4, metadata={"lo": 1, "hi": 64})
    acc_entries: int = field(default=1024, metadata={"lo": 1, "hi": 1 << 20})
    width: int = field(default=16, metadata={"lo": 2, "hi": 32})
    acc_bits: int = field(default=24, metadata={"lo": 8, "hi": 64})
    zero_gating: bool = False
    compressed_dram: bool = False
    index_bits: int = field(default=4, metadata={"lo": 1, "hi": 32})

    def __post_init__(self):
        if self.acc_entries % self.f:
            raise ParamError("acc_entries", f"a multiple of f ({self.f})", self.acc_entries)
        if self.acc_bits < self.width:
            raise ParamError("acc_bits", f"at least width ({self.width})", self.acc_bits)

    @property
    def pes(self) -> int:
        return self.pe_rows * self.pe_cols


@register
class Dcnn:
    kind = "dcnn"
    peak_factor = 1.0   # memory per im2col byte: 0.5 measured (benchmarks/bench_layer_memory.py)
    Params = DcnnParams

    def __init__(self, params: DcnnParams, arch):
        self.p = params
        self.arch = arch
        self.iaram, self.oaram = pe_memories(arch, params.pes)

    def limits(self) -> tuple[int, int]:
        return self.p.width, self.p.width

    # -- DRAM formats ------------------------------------------------------------------------------
    def dram_bits(self, codes: np.ndarray, rows: int) -> int:
        """Bits of a tensor in DRAM, cut into ``rows`` streams of equal length (raster order)."""
        p, dense = self.p, codes.size * self.p.width
        if not p.compressed_dram or codes.size == 0:
            return dense
        flat = codes.reshape(rows, -1)
        stream, pos = np.nonzero(flat)
        entries = encode(stream, pos, p.index_bits).per_stream(rows)
        return int(best_of(stored_bits(entries, p.width, p.index_bits),
                           np.full(rows, flat.shape[1]), p.width).sum())

    def _ratio(self, act: np.ndarray) -> float:
        """DRAM bits per output value: outputs compress like the inputs (see module docstring)."""
        return self.dram_bits(act, int(np.prod(act.shape[:-1]))) / max(act.size, 1)

    # -- the model -----------------------------------------------------------------------------------
    def run(self, trace):
        if trace.layer.kind is LayerKind.FC:
            cycles, bits_in, bits_out, counts = self._fc(trace)
        else:
            cycles, bits_in, bits_out, counts = self._conv(trace)
        p, shape = self.p, trace.shape
        mults = planar.nonzero_pairs(trace) if p.zero_gating else shape.macs
        actions = {
            "mult.op": mults,
            "tree.op": counts["rows"],
            "accum.add.op": counts["rows"],
            "accum.bank.read_bits": (counts["rows"] + shape.windows * shape.k) * p.acc_bits,
            "accum.bank.write_bits": counts["rows"] * p.acc_bits,
            "activations.read_bits": counts["act_reads"] * p.width,
            "activations.write_bits": counts["spill_in"],
            "weights.read_bits": counts["wgt_reads"] * p.width,
            "weights.write_bits": counts["wgt_reads"] * p.width,
            "outputs.write_bits": shape.windows * shape.k * p.width,
            "outputs.read_bits": counts["spill_out"],
        }
        peak = p.pes * p.f * p.i
        extra = {"dcnn_mult_utilisation": shape.macs / max(int(cycles.sum()) * peak, 1),
                 "dcnn_bands": float(counts["bands"])}
        return planar.steps_to_work(self.arch, cycles, bits_in, bits_out, actions,
                                    ideal_cycles=-(-shape.macs // peak),
                                    potential=float(shape.macs) * p.width ** 2, extra=extra)

    def _weights_resident(self, bits: int) -> bool:
        mem = self.arch.memory
        return mem.weights_resident == "all" or (
            mem.weights_resident == "fit" and bits <= mem.capacity("weights") * 8 // self.p.pes)

    def _fc(self, trace):
        p, shape = self.p, trace.shape
        rows = p.pes * p.f
        passes = planar.ceil_div(shape.k, rows)
        bricks = planar.ceil_div(shape.c, p.i)
        w_bits = self.dram_bits(trace.wgt.codes, shape.k)
        resident = self._weights_resident(w_bits)
        per_pass = np.diff(planar.chunk_bounds(shape.k, passes)) / shape.k * w_bits
        cycles = np.full(shape.n * passes, bricks, dtype=np.int64)
        bits_in = np.tile(per_pass * (not resident), shape.n)
        counts = {"rows": shape.n * shape.k * bricks, "act_reads": shape.n * shape.c * passes,
                  "wgt_reads": shape.n * shape.k * shape.c, "spill_in": 0, "spill_out": 0, "bands": 1}
        return cycles, bits_in, np.zeros(cycles.shape), counts

    def _conv(self, trace):
        p, shape = self.p, trace.shape
        plane, act = planar.operands(trace, 1)
        wgt = trace.wgt.codes.reshape(shape.groups, plane.k, plane.c, plane.r, plane.s)
        in_bits = act[0].size * p.width if shape.n else 0
        out_bits = shape.k * shape.out_h * shape.out_w * p.width
        spill = (not self.arch.memory.activations_on_chip or in_bits > self.iaram * 8 * p.pes
                 or out_bits > self.oaram * 8 * p.pes)
        start = 1
        if spill:
            start = int(np.ceil(max(in_bits / (self.iaram * 8 * p.pes),
                                    out_bits / (self.oaram * 8 * p.pes), 1)))
        tilings = planar.plan(plane, p.pe_rows, p.pe_cols, start,
                              lambda t: p.f * int(t.owned.max()) <= p.acc_entries, scnn=False)
        if tilings is None:
            raise SpecError(self.arch.file, "datapath.params.acc_entries",
                            "room for f x one output row's tile", p.acc_entries)
        tile = max(int(t.owned.max()) for t in tilings)
        kc = min(plane.k, max(p.f, p.acc_entries // tile // p.f * p.f))
        n_kg = planar.ceil_div(plane.k, kc)
        kc_used = np.minimum(kc, plane.k - kc * np.arange(n_kg))
        bricks = planar.ceil_div(plane.c, p.i)
        brick_ch = np.diff(np.minimum(np.arange(bricks + 1) * p.i, plane.c))
        rs = plane.r * plane.s
        cycles, bits_in, bits_out = [], [], []
        counts = dict.fromkeys(("rows", "act_reads", "wgt_reads", "spill_in", "spill_out"), 0)
        counts["bands"] = len(tilings)
        for g in range(shape.groups):
            w_bits = self.dram_bits(wgt[g], plane.k * plane.c)
            resident = self._weights_resident(w_bits)
            ratio = self._ratio(act[:, g])
            for n in range(shape.n):
                for t in tilings:
                    pos = int(t.owned.max())
                    active = int(np.count_nonzero(t.owned))
                    steps = np.zeros((n_kg, bricks + 1), dtype=np.int64)
                    steps[:, :bricks] = (rs * planar.ceil_div(kc_used, p.f) * pos)[:, None]
                    drain = planar.ceil_div(kc_used * pos, p.f)
                    steps[:, bricks] = np.maximum(drain - np.append(steps[1:, :bricks].sum(axis=1), 0), 0)
                    w_in = np.zeros(steps.shape)
                    w_out = np.zeros(steps.shape)
                    if not resident:
                        w_in[:, :bricks] += np.outer(kc_used / plane.k, brick_ch / plane.c) * w_bits
                    positions = (t.band.oy1 - t.band.oy0) * plane.ow
                    if spill:
                        rows = act[n, g, :, t.band.iy0:t.band.iy1]
                        band_bits = self.dram_bits(rows, rows.shape[0] * rows.shape[1])
                        w_in[0, :bricks] += brick_ch / plane.c * band_bits
                        w_out[:, bricks] = kc_used * positions * ratio
                        counts["spill_in"] += rows.size * p.width          # stored dense on chip
                        counts["spill_out"] += plane.k * positions * p.width
                    cycles.append(steps.reshape(-1))
                    bits_in.append(w_in.reshape(-1))
                    bits_out.append(w_out.reshape(-1))
                    owned = int(t.owned.sum())
                    counts["rows"] += plane.k * owned * rs * bricks
                    counts["act_reads"] += owned * rs * plane.c * int(planar.ceil_div(kc_used, p.f).sum())
                    counts["wgt_reads"] += active * plane.k * plane.c * rs
        return (np.concatenate(cycles), np.concatenate(bits_in), np.concatenate(bits_out), counts)

    def inventory(self) -> dict[str, Part]:
        p = self.p
        bank_bytes = 2 * (p.acc_entries // p.f) * p.acc_bits / 8      # double buffered
        return {
            "mult": part("int_mult", p.pes * p.f * p.i, a_bits=p.width, b_bits=p.width),
            "tree": part("adder_tree", p.pes * p.f, inputs=p.i, bits=2 * p.width),
            "accum.add": part("int_add", p.pes * p.f, bits=p.acc_bits),
            "accum.bank": part("regfile", p.pes * p.f, capacity_bytes=bank_bytes,
                               width_bits=p.acc_bits, banks=1),
            **grid.planar_frame(p.pes, p.f, p.i, p.width, p.width, 2 * p.width),
        }
