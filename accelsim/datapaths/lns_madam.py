"""LNS-Madam (Zhao, Dai, Venkatesan, Zimmer, Ali, Liu, Khailany, Dally, Anandkumar, IEEE TC 2022 /
arXiv 2106.13914): a multi-base logarithmic datapath.

Format (docs/references.md#lns-madam-format, ``numerics.lns``): 1 sign bit + ``exp_bits`` exponent bits, value
(-1)^s 2^((x~ + shift) / gamma), gamma = 2^frac_bits (8-bit, gamma = 8 in the paper); one shift
per tensor (per head) puts amax on the top code; exponent 0 is zero.

Datapath (docs/references.md#lns-madam): the VMAC array of ``vmac`` with LNS lanes. Each lane multiplies by
adding exponents (one (exp_bits+1)-bit add, sign by xor), splits the product exponent e into
q = e >> frac_bits and r = e mod gamma, and adds the one-hot 2^(q - drop) into bin r (r + gamma if
negative) of its VMAC: 2 gamma bins of ``acc_bits``, each an adder tree over the lanes plus its
register. After the reduction, one LUT-constant multiply per bin and output: S = sum_r
(PS[r] - PS[r + gamma]) LUT[r], LUT[r] = round(2^(r/gamma) 2^lut_bits), then the tensor shifts are
applied by one FP multiply per output. Same cycles as the VMAC baseline.

Accumulator width (``acc_bits``) is a value-level cost and error: the largest product has
q_max = 2 (2^exp_bits - 1) >> frac_bits, and a bin must hold ``reduction`` of them, so the bins drop
``drop = max(0, q_max + ceil(log2 reduction) + 1 - acc_bits)`` low-order bits (set per layer, a
configuration of the shift, like the tensor shifts); products with q < drop fall below the LSB and
are lost (``fmt_lns_dropped_frac``). A product that lands costs one acc_bits-wide add in its bin's
tree; a zero operand (exponent 0) or a dropped product adds nothing, and an empty bin holds its
value. These counts are exact over all products of a layer, from per-reduction-index histograms of
the exponents. Conversion of run-time operands to LNS (quantization unit): a leading-one detection
and frac_bits compares (a binary search over the gamma fractional thresholds) per element.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from accelsim.datapaths import grid
from accelsim.datapaths.base import Part, part, register
from accelsim.datapaths.vmac import ArrayParams, Quantized, VectorArray, flat, measured
from accelsim.numerics import format_kernels as fk
from accelsim.numerics import lns
from accelsim.spec.params import ParamError


@dataclass(frozen=True)
class LNSMadamParams(ArrayParams):
    exp_bits: int = field(default=7, metadata={"lo": 1, "hi": 15})
    frac_bits: int = field(default=3, metadata={"lo": 0, "hi": 6})
    acc_bits: int = field(default=24, metadata={"lo": 8, "hi": 48})
    lut_bits: int = field(default=8, metadata={"lo": 1, "hi": 12})

    def __post_init__(self):
        if self.frac_bits > self.exp_bits:
            raise ParamError("frac_bits", f"at most exp_bits ({self.exp_bits})", self.frac_bits)

    @property
    def fmt(self) -> lns.LNSFormat:
        return lns.LNSFormat(self.exp_bits, self.frac_bits)


@dataclass(frozen=True, eq=False)
class LNSCodes:
    act: np.ndarray       # (rows, reduction) LNS codes of the windows quantized
    wgt: np.ndarray       # (cols, reduction) LNS codes of the filters quantized
    act_shift: int
    wgt_shift: int
    drop: int             # low-order bin bits left out for this layer (``drop_bits``)
    products: tuple       # (non-zero products, products that land in a bin) over all windows


def drop_bits(fmt: lns.LNSFormat, acc_bits: int, reduction: int) -> int:
    """Low-order bits the bins leave out so that ``reduction`` largest products fit acc_bits."""
    q_max = (2 * fmt.max_exp) >> fmt.frac_bits
    return max(0, q_max + math.ceil(math.log2(max(reduction, 1))) + 1 - acc_bits)


def exponent_histograms(codes: np.ndarray, fmt: lns.LNSFormat) -> np.ndarray:
    """(reduction, 2^exp_bits) counts of each exponent at each reduction index of (rows, red)."""
    red = codes.shape[1]
    e = (codes.astype(np.int64) & fmt.max_exp) + (np.arange(red, dtype=np.int64) << fmt.exp_bits)
    return np.bincount(e.ravel(), minlength=red << fmt.exp_bits).reshape(red, -1).astype(np.float64)


def landing_products(act_hist, wgt_hist, fmt: lns.LNSFormat, drop: int) -> tuple[float, float]:
    """(non-zero products, products that reach a bin) over all window x filter pairs."""
    e = np.arange(fmt.max_exp + 1)
    nonzero = (e[:, None] > 0) & (e[None, :] > 0)
    lands = nonzero & (((e[:, None] + e[None, :]) >> fmt.frac_bits) >= drop)
    return (float(((act_hist @ nonzero) * wgt_hist).sum()),
            float(((act_hist @ lands) * wgt_hist).sum()))


@register
class LNSMadam(VectorArray):
    kind = "lns_madam"
    peak_factor = 15.0   # memory per im2col byte: 12.3 measured (benchmarks/bench_layer_memory.py)
    Params = LNSMadamParams

    def quantize(self, act, wgt, trace, rows, cols) -> Quantized:
        fmt = self.p.fmt
        sa, sw = lns.tensor_shift(act, fmt), lns.tensor_shift(wgt, fmt)
        ca, cw = flat(lns.encode(act, fmt, sa)), flat(lns.encode(wgt, fmt, sw))
        drop = drop_bits(fmt, self.p.acc_bits, trace.shape.reduction)
        products = landing_products(exponent_histograms(ca, fmt), exponent_histograms(cw, fmt),
                                    fmt, drop)
        a_hat = lns.decode(ca, fmt, sa).reshape(act.shape)
        w_hat = lns.decode(cw, fmt, sw).reshape(wgt.shape)
        return Quantized(a_hat[rows], w_hat[cols], (measured(act, a_hat), measured(wgt, w_hat)),
                         LNSCodes(ca[rows], cw[cols], sa, sw, drop, products))

    def binned(self, q: Quantized) -> np.ndarray:
        """Exact integer results S of the binned accumulation for the windows quantized."""
        p = self.p
        return fk.lns_binned_dot(q.info.act, q.info.wgt, p.exp_bits, p.frac_bits,
                                 q.info.drop, lns.lut(p.fmt, p.lut_bits))

    def dot(self, q):
        s = self.binned(q).astype(np.float64)
        shift = (q.info.act_shift + q.info.wgt_shift) / self.p.fmt.gamma
        return s * 2.0 ** (q.info.drop - self.p.lut_bits + shift)

    def group_counts(self, q, trace):
        nonzero, lands = q.info.products
        return {"nonzero": nonzero, "landing": lands}

    def layer_figures(self, counts):
        dropped = 1.0 - counts["landing"] / counts["nonzero"] if counts["nonzero"] else 0.0
        return {"fmt_lns_dropped_frac": dropped}

    def layer_actions(self, trace, counts, cycles):
        p, s, V = self.p, trace.shape, self.p.lanes
        vc = self.vmac_cycles(trace)
        out, dyn, gamma = s.windows * s.k, self.dynamic_elements(trace), p.fmt.gamma
        return {
            "lane.exp.op": vc * V,
            "lane.decode.op": vc * V,
            "bins.add.op": counts["landing"],
            "post.sub.op": out * gamma,
            "post.lut.op": out * gamma,
            "post.sum.op": out,
            "post.scale.op": out,
            "quant.lod.op": dyn,
            "quant.frac.op": dyn * p.frac_bits,
            "weights.read_bits": vc * V * p.fmt.bits,
            "activations.read_bits": int(cycles.sum()) * V * p.fmt.bits,
        }

    def operand_bits(self, counts):
        return float(self.p.fmt.bits), float(self.p.fmt.bits)

    def inventory(self) -> dict[str, Part]:
        p, n, V = self.p, self.n_vmacs, self.p.lanes
        bins = 2 * p.fmt.gamma
        return {
            "lane.exp": part("int_add", n * V, bits=p.exp_bits + 1),
            "lane.decode": part("bitwise", n * V, bits=p.acc_bits),
            "bins.tree": part("adder_tree", n * bins, inputs=V + 1, bits=p.acc_bits),
            "bins.reg": part("register", n * bins, bits=p.acc_bits),
            # one landing product: an acc_bits add inside its bin's tree (area counted above)
            "bins.add": part("int_add", 0, bits=p.acc_bits),
            "post.sub": part("int_add", n, bits=p.acc_bits + 1),
            "post.lut": part("int_mult", n, a_bits=p.acc_bits + 1, b_bits=p.lut_bits + 1),
            "post.sum": part("adder_tree", n, inputs=p.fmt.gamma, bits=p.acc_bits + p.lut_bits + 2),
            "post.scale": part("fp_mult", p.pes, man_bits=23),
            "quant.lod": part("comparator", V, bits=16),
            "quant.frac": part("comparator", V, bits=16),
            # LNS elements: sign + exponent; a product is an exponent sum (+1 bit)
            **grid.vector_frame(p.pes, p.vmacs, V, p.exp_bits + 1, p.exp_bits + 1, p.exp_bits + 2,
                                p.acc_bits),
        }
