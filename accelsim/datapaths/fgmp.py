"""FGMP: fine-grained mixed precision (Hooper, Sakr, Keller, Venkatesan, Keutzer, Shao, Khailany,
arXiv 2504.14152).

Format (docs/references.md#fgmp): weights and activations are cut into 16-element blocks along the
reduction axis (the NVFP4 micro-block, one VMAC brick). Each block is either low precision, NVFP4
(E2M1 elements, E4M3 block scale, FP32 tensor scale: docs/references.md#nvfp4), or high precision, FP8
E4M3 under one tensor scale; one flag bit per block says which.

Policy: a target fraction of high-precision blocks (``wgt_high_frac``, ``act_high_frac``) chosen
by a per-block sensitivity score. FGMP ranks blocks by a Fisher-information-weighted perturbation,
sum_i F_i (x_low,i - x_high,i)^2. The score here is sum_i F_i (x_i - x_low,i)^2: FP8's error is
about 1/16 of FP4's, so measuring the FP4 perturbation against the exact value changes the score by
a few per cent and saves an FP8 conversion of every element. Without gradients, F_i is the
output-error weight the tensors give: a weight w_kc moves output k by (delta w_kc) a_c, so
its F is E[a_c^2], the mean square of the activation channel it meets (over the layer's windows);
an activation a_c moves every output by sum_k w_kc (delta a_c), so its F is mean_k w_kc^2. This is
the Fisher information with the output gradients taken as white (equal and uncorrelated), the one
assumption the data cannot settle. Weights are ranked offline: exactly the top fraction of each
tensor goes to FP8. Activations (and the B operand of multi-head matmuls) are assigned on the fly
by the activation quantization unit, which compares each block's score with a threshold
calibrated offline: the (1 - fraction) quantile of the scores of every ``calib_stride``-th window,
so the achieved fraction varies around the target. Sensitivity-weighted clipping of FP4 blocks
(in the paper) is not modelled.

Datapath: the VMAC array of ``vmac``, V = 16 = the block. A VMAC takes one block pair per cycle,
FP4 x FP4, FP4 x FP8 or FP8 x FP8: one FP8 x FP8 multiplier per lane, run in narrow modes for FP4
operands (priced as the narrow multiplier: operand isolation of the unused bits); FP4 x FP4
products are exact fixed-point numbers (quarters up to 36: a sign and 8 bits) and go through an
integer tree, the others through a
float tree of E5M7 adders; an FP4 block's E4M3 scale multiplies the block's dot product (for an
FP4 x FP4 pair the two scales are multiplied first), then an FP32 accumulate; tensor scales are
applied once per output. With ``fp4_rate: 2`` a lane pair can instead take two FP4 x FP4 block
products per cycle, but the array is lock-step: a step (one activation block broadcast to the
pass's pes x vmacs filters) halves only when the activation block and all those weight blocks are
FP4; such steps of a window are paired in any order (an upper bound on the gain). Buffers and
DRAM move 16 x 4 + 8 + 1 bits per FP4 block and 16 x 8 + 1 per FP8 block.

The activation quantization unit, per run-time element: a multiply by the block's reciprocal
scale, the E2M1 rounding, a dequantizing multiply, the squared difference and its weighting (four
multiplies, two adds); per block the amax compare tree, a scale computation and the threshold
compare (FP8 conversion of the chosen blocks is folded into the same multiplier).

Value-level: block precisions, block-pair counts by precision, buffer and DRAM bits and (with
``fp4_rate: 2``) cycles all come from the operands; the errors are exact over all elements, the
output error over the sampled windows x filters (``vmac``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from accelsim.datapaths import grid
from accelsim.datapaths.base import Part, part, register
from accelsim.datapaths.vmac import ArrayParams, Quantized, VectorArray, b_is_activation
from accelsim.numerics import format_kernels as fk
from accelsim.spec.params import ParamError

BLOCK = 16
LOW_BITS = BLOCK * 4 + 8 + 1       # E2M1 elements, E4M3 scale, precision flag
HIGH_BITS = BLOCK * 8 + 1          # E4M3 elements, precision flag


@dataclass(frozen=True)
class FGMPParams(ArrayParams):
    wgt_high_frac: float = field(default=0.1, metadata={"lo": 0.0, "hi": 1.0})
    act_high_frac: float = field(default=0.1, metadata={"lo": 0.0, "hi": 1.0})
    calib_stride: int = field(default=8, metadata={"lo": 1, "hi": 1 << 16})
    fp4_rate: int = field(default=1, metadata={"choices": (1, 2)})

    def __post_init__(self):
        if self.lanes != BLOCK:
            raise ParamError("lanes", f"{BLOCK} (the NVFP4 block)", self.lanes)


@dataclass(frozen=True, eq=False)
class Precisions:
    act_high: np.ndarray      # (windows, blocks) bool: FP8 activation blocks
    wgt_high: np.ndarray      # (k_per_group, blocks) bool: FP8 weight blocks


def select_high(score: np.ndarray, frac: float, dynamic: bool, calib_stride: int) -> np.ndarray:
    """Blocks that go to high precision. Offline (weights): the ``frac`` highest scores, ties
    broken by position. On the fly: scores above the (1 - frac) quantile of every
    ``calib_stride``-th row's scores."""
    if frac <= 0.0:
        return np.zeros(score.shape, dtype=bool)
    if frac >= 1.0:
        return np.ones(score.shape, dtype=bool)
    if dynamic:
        return score > np.quantile(score[::calib_stride], 1.0 - frac)
    n = score.size
    take = int(round(frac * n))
    high = np.zeros(n, dtype=bool)
    if take:
        high[np.argpartition(score.ravel(), n - take)[n - take:]] = True
    return high.reshape(score.shape)


@dataclass(frozen=True, eq=False)
class Mixed:
    """One operand in FGMP: its high-precision blocks and error sums, and its scales."""

    high: np.ndarray          # (rows, blocks) bool
    errors: tuple             # (signal, noise) over all elements
    g: float                  # NVFP4 FP32 tensor scale
    s8: float                 # FP8 tensor scale

    def values(self, x: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Values of the rows ``rows`` of x (only those are computed)."""
        return fk.fgmp_values(np.ascontiguousarray(x[rows]), self.g, self.s8, self.high[rows])


def mixed_blocks(x: np.ndarray, amax: float, weight: np.ndarray, frac: float, dynamic: bool,
                 calib_stride: int) -> Mixed:
    """Assign the blocks of one operand (rows, blocks, 16) to NVFP4 or FP8 and measure the
    error; the values themselves are computed only where needed (``Mixed.values``)."""
    g, s8 = fk.tensor_scales(amax)
    score, noise, signal = fk.fgmp_low(x, g, weight)
    high = select_high(score, frac, dynamic, calib_stride)
    errors = (signal, float(noise[~high].sum()) + fk.fgmp_high_noise(x, high, s8))
    return Mixed(high, errors, g, s8)


def pair_counts(act_high: np.ndarray, wgt_high: np.ndarray) -> tuple[float, float, float]:
    """(FP4 x FP4, mixed, FP8 x FP8) block products of every window with every filter."""
    rows, nb = act_high.shape
    kpg = wgt_high.shape[0]
    ah = act_high.sum(axis=0).astype(np.float64)
    wh = wgt_high.sum(axis=0).astype(np.float64)
    hh = float(ah @ wh)
    ll = float((rows - ah) @ (kpg - wh))
    return ll, float(rows) * kpg * nb - hh - ll, hh


@register
class FGMP(VectorArray):
    kind = "fgmp"
    peak_factor = 3.0   # memory per im2col byte: 1.8 measured (benchmarks/bench_layer_memory.py)
    Params = FGMPParams

    def quantize(self, act, wgt, trace, rows, cols) -> Quantized:
        p = self.p
        a_ms, a_max = fk.operand_stats(act)
        w_ms, w_max = fk.operand_stats(wgt)
        a = mixed_blocks(act, a_max, w_ms, p.act_high_frac, True, p.calib_stride)
        w = mixed_blocks(wgt, w_max, a_ms, p.wgt_high_frac, b_is_activation(trace), p.calib_stride)
        return Quantized(a.values(act, rows), w.values(wgt, cols), (a.errors, w.errors),
                         Precisions(a.high, w.high))

    def group_cycles(self, q, windows, filters, bricks):
        if self.p.fp4_rate == 1:
            return super().group_cycles(q, windows, filters, bricks)
        kpg, nb = filters, bricks
        passes = grid.ceil_div(kpg, self.n_vmacs)
        edges = np.minimum(np.arange(passes + 1) * self.n_vmacs, kpg)
        all_low = np.stack([~q.info.wgt_high[lo:hi].any(axis=0) for lo, hi in zip(edges, edges[1:])])
        fast = (~q.info.act_high).astype(np.float32) @ all_low.T.astype(np.float32)   # rows, passes
        return (nb - np.floor(fast / 2)).astype(np.int64).T

    def group_counts(self, q, trace):
        a_high, w_high = q.info.act_high, q.info.wgt_high
        ll, mixed, hh = pair_counts(a_high, w_high)
        passes = grid.ceil_div(w_high.shape[0], self.n_vmacs)
        a_hi, w_hi = float(a_high.sum()), float(w_high.sum())
        a_bits = a_hi * HIGH_BITS + (a_high.size - a_hi) * LOW_BITS
        w_bits = w_hi * HIGH_BITS + (w_high.size - w_hi) * LOW_BITS
        return {"pairs_44": ll, "pairs_48": mixed, "pairs_88": hh,
                "act_blocks": float(a_high.size), "act_high": a_hi, "act_bits": a_bits,
                "wgt_blocks": float(w_high.size), "wgt_high": w_hi, "wgt_bits": w_bits,
                "wgt_reads": float(a_high.shape[0]) * w_bits, "act_reads": passes * a_bits}

    def layer_figures(self, counts):
        pairs = counts["pairs_44"] + counts["pairs_48"] + counts["pairs_88"]
        wbits, abits = self.operand_bits(counts)
        return {"fmt_act_high_frac": counts["act_high"] / counts["act_blocks"],
                "fmt_wgt_high_frac": counts["wgt_high"] / counts["wgt_blocks"],
                "fmt_fp4_pair_frac": counts["pairs_44"] / pairs,
                "fmt_wgt_bits": wbits, "fmt_act_bits": abits}

    def layer_actions(self, trace, counts, cycles):
        s, V = trace.shape, BLOCK
        ll, mixed, hh = counts["pairs_44"], counts["pairs_48"], counts["pairs_88"]
        dyn = self.dynamic_elements(trace)
        return {
            "vmac.mult44.op": ll * V, "vmac.mult48.op": mixed * V, "vmac.mult.op": hh * V,
            "vmac.itree.op": ll, "vmac.ftree.op": (mixed + hh) * (V - 1),
            "vmac.scale.op": ll, "vmac.rescale.op": ll + mixed, "vmac.acc.op": ll + mixed + hh,
            "post.op": s.windows * s.k,
            "quant.op": 4 * dyn, "quant.add.op": 2 * dyn, "quant.max.op": dyn * (V - 1) / V,
            "quant.scale.op": dyn / V, "quant.cmp.op": dyn / V,
            "weights.read_bits": counts["wgt_reads"], "activations.read_bits": counts["act_reads"],
        }

    def operand_bits(self, counts):
        return (counts["wgt_bits"] / (counts["wgt_blocks"] * BLOCK),
                counts["act_bits"] / (counts["act_blocks"] * BLOCK))

    def inventory(self) -> dict[str, Part]:
        p, n, V = self.p, self.n_vmacs, BLOCK
        return {
            "vmac.mult": part("minifloat_mult", n * V, a_man=3, b_man=3),
            # the same multipliers in their narrow modes: energy only, no area of their own
            "vmac.mult48": part("minifloat_mult", 0, a_man=1, b_man=3),
            "vmac.mult44": part("minifloat_mult", 0, a_man=1, b_man=1),
            "vmac.itree": part("adder_tree", n, inputs=V, bits=9),
            "vmac.ftree": part("fp_add", n * (V - 1), exp_bits=5, man_bits=7),
            "vmac.scale": part("minifloat_mult", n, a_man=3, b_man=3),
            # FP32 dot product x an E4M3 (or E4M3 x E4M3) scale: an FP multiplier priced at the
            # geometric mean of the 24- and 8-bit significands
            "vmac.rescale": part("fp_mult", n, man_bits=math.sqrt(24 * 8) - 1),
            "vmac.acc": part("fp_add", n, exp_bits=8, man_bits=23),
            "post": part("fp_mult", p.pes, man_bits=23),
            "quant": part("fp_mult", V, man_bits=10),
            "quant.add": part("int_add", V, bits=16),
            "quant.max": part("comparator", V, bits=16),
            "quant.scale": part("fp_mult", 1, man_bits=10),
            "quant.cmp": part("comparator", 1, bits=16),
            # FP8 elements; products E5M7-ish (1 + 5 + 7 = 13 bits); FP32 accumulator
            **grid.vector_frame(p.pes, p.vmacs, V, 8, 8, 13, 32),
        }
