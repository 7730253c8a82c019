"""Dense systolic array (TPU-like), output-, weight- or input-stationary, SCALE-Sim's folding.

A ``rows`` x ``cols`` grid of multiply-accumulate PEs, timed by SCALE-Sim's conventions.

Every layer is a GEMM per group: windows W (output positions, batch included) x reduction Rd
(C/g x R x S) times Rd x K/g filters. A dataflow puts two of the three GEMM dimensions on the
array (Sr on rows, Sc on columns) and streams the third through time (T):

=========  =========  =========  =========  ==========================================
dataflow   Sr (rows)  Sc (cols)  T (time)   cycles of one fold
=========  =========  =========  =========  ==========================================
ws         Rd         K/g        W          2 rows + cols + T - 2 (load weights, stream)
is         Rd         W          K/g        2 rows + cols + T - 2 (load inputs, stream)
os         W          K/g        Rd         rows + cols + T - 2 (stream both, drain)
=========  =========  =========  =========  ==========================================

The operand matrix is cut into ceil(Sr / rows) x ceil(Sc / cols) folds run one after another,
each paying the array's fill and drain (rows + cols - 2) whatever its size; a partial fold costs
a full one. Groups (depthwise included) run as separate GEMMs, as SCALE-Sim runs a depthwise
layer as one layer per channel. SCALE-Sim reports the index of the last busy cycle, one less than
the cycle count given here (checked layer by layer in benchmarks/scalesim_crosscheck.md).

Time does not depend on values or precision (up to ``width``). Memory: operand SRAMs are the
arch's ``weights`` / ``activations`` / ``outputs`` buffers and DRAM traffic is the shared
``tile_work`` model, tiles being folds in SCALE-Sim's order (filter block outer): weights of a
filter block (in IS, of all filters) arrive before its first fold, activations stream with the
folds and are re-fetched for every filter block when they do not fit their buffer. Approximations: SRAM accesses are
counted per operand word the array consumes (the im2col stream, no line-buffer reuse); register
energy counts one write per operand hop, and loading a stationary block (or draining an OS
output block) as (rows + 1) / 2 hops per word, the mean depth of a shift chain.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from accelsim.datapaths.base import LayerWork, Part, UniformCycles, part, register, tile_work
from accelsim.spec.params import ParamError


@dataclass(frozen=True)
class SystolicParams:
    rows: int = field(default=32, metadata={"lo": 1, "hi": 4096})       # SCALE-Sim ArrayHeight
    cols: int = field(default=32, metadata={"lo": 1, "hi": 4096})       # SCALE-Sim ArrayWidth
    dataflow: str = field(default="ws", metadata={"choices": ("os", "ws", "is")})
    width: int = field(default=16, metadata={"lo": 1, "hi": 32})        # operand bits per PE
    acc_bits: int = field(default=32, metadata={"lo": 8, "hi": 64})

    def __post_init__(self):
        if self.acc_bits < self.width:
            raise ParamError("acc_bits", f"at least width ({self.width})", self.acc_bits)


@dataclass(frozen=True)
class Folding:
    """How one group's GEMM maps onto the array."""

    sr: int            # operand extent on the array rows
    sc: int            # on the array columns
    t: int             # streamed through time
    row_folds: int
    col_folds: int
    fold_cycles: int

    @property
    def folds(self) -> int:
        return self.row_folds * self.col_folds


def folding(windows: int, reduction: int, filters: int, rows: int, cols: int,
            dataflow: str) -> Folding:
    """SCALE-Sim's mapping of a (windows x reduction) by (reduction x filters) GEMM."""
    sr, sc, t = {"ws": (reduction, filters, windows), "is": (reduction, windows, filters),
                 "os": (windows, filters, reduction)}[dataflow]
    load = 0 if dataflow == "os" else rows        # stationary block shifted in, one row a cycle
    return Folding(sr, sc, t, -(-sr // rows), -(-sc // cols), load + rows + cols + t - 2)


@register
class Systolic:
    kind = "systolic"
    Params = SystolicParams
    needs_values = False   # timing depends on shapes only: simulate skips building operands

    def __init__(self, params: SystolicParams, arch):
        self.p = params
        self.arch = arch

    def limits(self) -> tuple[int, int]:
        return self.p.width, self.p.width

    def fold(self, shape) -> Folding:
        return folding(shape.windows, shape.reduction, shape.k_per_group, self.p.rows, self.p.cols,
                       self.p.dataflow)

    def run(self, trace) -> LayerWork:
        p, shape, layer = self.p, trace.shape, trace.layer
        f = self.fold(shape)
        g = shape.groups
        # Tiles are folds; filter blocks are the passes (ws, os), or one pass when every fold
        # needs every filter (is).
        if p.dataflow == "is":
            cycles = UniformCycles(f.fold_cycles, 1, g * f.folds)
        else:
            cycles = UniformCycles(f.fold_cycles, f.col_folds, g * f.row_folds)
        total = cycles.total
        w, rd, kg = shape.windows, shape.reduction, shape.k_per_group
        macs = w * rd * kg                                   # per group, as every count below
        if p.dataflow == "os":
            wgt_words, act_words = f.row_folds * kg * rd, f.col_folds * w * rd
            psums = 0
            oreg = 2 * macs                                  # both operands hop every MAC
            preg = macs + w * kg * (p.rows + 1) // 2         # accumulate, then drain
        else:
            stationary = rd * (kg if p.dataflow == "ws" else w)
            wgt_words = rd * kg if p.dataflow == "ws" else f.col_folds * kg * rd
            act_words = f.col_folds * w * rd if p.dataflow == "ws" else rd * w
            psums = (f.row_folds - 1) * w * kg               # partial sums of all but the last
            oreg = macs + stationary * (p.rows + 1) // 2     # streamed hops + shift-in
            preg = macs                                      # partial sums move down a row
        actions = {
            "pe.mult.op": g * macs,
            "pe.add.op": g * macs,
            "pe.oreg.write": g * oreg,
            "pe.preg.write": g * preg,
            "weights.read_bits": g * wgt_words * layer.wgt_bits,
            "activations.read_bits": g * act_words * layer.act_bits,
            "outputs.write_bits": g * (psums * p.acc_bits + w * kg * self.arch.memory.output_bits),
        }
        if psums:
            # row folds after the first read back the partial sums they add to
            read = "outputs" if self.arch.memory.buffer("outputs") else "activations"
            actions[f"{read}.read_bits"] = actions.get(f"{read}.read_bits", 0) + g * psums * p.acc_bits
        peak = p.rows * p.cols
        mapping = f.sr * f.sc / (f.folds * peak)
        return tile_work(cycles, trace, self.arch, p.cols, actions,
                         ideal_cycles=-(-shape.macs // peak),
                         potential=float(shape.macs) * p.width * p.width,
                         # SCALE-Sim's own two figures, by its names: they ignore fill and drain
                         # and memory stalls, so they must not stand in for the result's
                         # mapping_efficiency and utilization columns (which they overwrote)
                         extra={"folds": g * f.folds, "scalesim_mapping_efficiency": mapping,
                                "scalesim_compute_util": shape.macs / (total * peak)})

    def outputs(self, trace) -> np.ndarray:
        """The array's integer result, (groups, windows, k_per_group): each fold adds its block
        of products into the partial sums, wrapped to ``acc_bits`` two's complement."""
        p, shape = self.p, trace.shape
        a = trace.windows.reshape(shape.groups, shape.windows, -1).astype(np.int64)
        b = trace.filters.reshape(shape.groups, shape.k_per_group, -1).astype(np.int64)
        f = self.fold(shape)
        out = np.zeros((shape.groups, shape.windows, shape.k_per_group), dtype=np.int64)
        if p.dataflow == "os":
            for i in range(f.row_folds):
                for j in range(f.col_folds):
                    win = slice(i * p.rows, (i + 1) * p.rows)
                    fil = slice(j * p.cols, (j + 1) * p.cols)
                    out[:, win, fil] = _wrap(a[:, win] @ b[:, fil].transpose(0, 2, 1), p.acc_bits)
            return out
        for i in range(f.row_folds):
            red = slice(i * p.rows, (i + 1) * p.rows)
            out = _wrap(out + a[:, :, red] @ b[:, :, red].transpose(0, 2, 1), p.acc_bits)
        return out

    def inventory(self) -> dict[str, Part]:
        p = self.p
        pes = p.rows * p.cols
        return {
            "pe.mult": part("int_mult", pes, a_bits=p.width, b_bits=p.width),
            "pe.add": part("int_add", pes, bits=p.acc_bits),
            "pe.oreg": part("register", 2 * pes, bits=p.width),
            "pe.preg": part("register", pes, bits=p.acc_bits),
            # the array's edge buses: operands from the buffers (beside the array) to the first
            # row / column, results out of the last (PE-to-PE links are the registers above)
            "wire.act": part("wire", 1, bits=p.rows * p.width, regions=1, leaves=p.rows,
                             broadcast=0, array=1, carries="activations.read_bits"),
            "wire.wgt": part("wire", 1, bits=p.cols * p.width, regions=1, leaves=p.cols,
                             broadcast=0, array=1, carries="weights.read_bits"),
            "wire.out": part("wire", 1, bits=p.cols * p.acc_bits, regions=1, leaves=p.cols,
                             broadcast=0, array=1, carries="outputs.write_bits"),
        }


def _wrap(x: np.ndarray, bits: int) -> np.ndarray:
    """Two's-complement wrap-around of a ``bits``-bit accumulator."""
    if bits >= 64:
        return x
    half = np.int64(1) << (bits - 1)
    return ((x + half) & ((half << 1) - 1)) - half
