"""VS-Quant (Dai, Venkatesan, Ren, Zimmer, Dally, Khailany, MLSys 2021 / arXiv 2102.04503).

Format (docs/references.md#vs-quant-format, ``numerics.intq.quantize_vector``): every V-element vector along the
reduction axis (one VMAC brick) has the two-level scale sq_v x gamma, sq_v an unsigned M-bit
integer. Weights: gamma per output channel, calibrated offline. Activations (and the B operand of
multi-head matmuls): one gamma per tensor (per head), calibrated offline, while sq_v comes from
the vector's amax at run time in the quantization unit.

Datapath (docs/references.md#vs-quant): the VMAC baseline's array and cycles (one vector pair per VMAC per
cycle; the scaling is pipelined, so it costs energy and area, never cycles). Per VMAC-cycle: V
products of wgt_bits x act_bits integers in one tree (the V-wide integer dot product), one
M_w x M_a multiply forming sq_w sq_a, one multiply of the dot product by that product, and one
integer accumulate of ``acc_bits``; gamma_w gamma_a is applied once per output (an FP32 multiply).
Scale factors travel with their vectors: M_w bits per weight vector, M_a per activation vector
(buffer reads and DRAM traffic). The quantization unit does, per run-time element, one multiply
(by the reciprocal vector scale) and one compare of the amax tree, and per vector one scale
computation (a multiply and a rounding).

``integer_part`` is the exact integer sum_v sq_a,v sq_w,v (q_a . q_w)_v of each output;
``outputs`` multiplies it by the float gammas. The integer matmul runs in float64 and is exact:
with at most 8-bit elements and 8-bit scales each term is below 2^30, so sums of up to 2^22 terms
stay below 2^53.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from accelsim.datapaths import grid
from accelsim.datapaths.base import Part, part, register
from accelsim.datapaths.vmac import (ArrayParams, Quantized, VectorArray, b_is_activation,
                                     flat, measured)
from accelsim.numerics import intq


@dataclass(frozen=True)
class VSQuantParams(ArrayParams):
    wgt_bits: int = field(default=4, metadata={"lo": 2, "hi": 8})
    act_bits: int = field(default=4, metadata={"lo": 2, "hi": 8})
    wgt_scale_bits: int = field(default=4, metadata={"lo": 1, "hi": 8})
    act_scale_bits: int = field(default=4, metadata={"lo": 1, "hi": 8})
    acc_bits: int = field(default=32, metadata={"lo": 8, "hi": 64})


@dataclass(frozen=True, eq=False)
class VSInfo:
    act: np.ndarray          # (rows, reduction) int64: q_a x sq_a of the windows quantized
    wgt: np.ndarray          # (cols, reduction) int64: q_w x sq_w of the filters quantized
    act_gamma: float
    wgt_gamma: np.ndarray    # (cols,) float64


def scaled_codes(q: intq.VSQuant) -> np.ndarray:
    """q_i x sq_v(i): the integer each lane's product and the vector's scale multiply amount to."""
    return q.codes * intq.expand_vectors(q.sq, q.vector_size, q.codes.shape[-1], axis=-1)


@register
class VSQuant(VectorArray):
    kind = "vsquant"
    Params = VSQuantParams

    def quantize(self, act, wgt, trace, rows, cols) -> Quantized:
        p = self.p
        qa = intq.quantize_vector(flat(act), p.act_bits, p.lanes, axis=-1,
                                  scale_bits=p.act_scale_bits, signed=trace.act.signed)
        dynamic = b_is_activation(trace)
        qw = intq.quantize_vector(flat(wgt), p.wgt_bits, p.lanes, axis=-1,
                                  scale_bits=p.wgt_scale_bits, gamma_axis=None if dynamic else 0,
                                  signed=trace.wgt.signed)
        k = wgt.shape[0]
        info = VSInfo(scaled_codes(qa)[rows], scaled_codes(qw)[cols], float(np.ravel(qa.gamma)[0]),
                      np.broadcast_to(np.ravel(qw.gamma), (k,))[cols].astype(np.float64))
        a_hat = intq.dequantize(qa).reshape(act.shape)
        w_hat = intq.dequantize(qw).reshape(wgt.shape)
        return Quantized(a_hat[rows], w_hat[cols], (measured(act, a_hat), measured(wgt, w_hat)),
                         info)

    def integer_part(self, q: Quantized) -> np.ndarray:
        """(rows, cols) int64: sum over vectors of sq_a sq_w (q_a . q_w)."""
        a = q.info.act.astype(np.float64)
        return np.rint(a @ q.info.wgt.astype(np.float64).T).astype(np.int64)

    def dot(self, q):
        return self.integer_part(q) * (q.info.act_gamma * q.info.wgt_gamma)[None, :]

    def layer_actions(self, trace, counts, cycles):
        p, s, V = self.p, trace.shape, self.p.lanes
        vc = self.vmac_cycles(trace)
        dyn = self.dynamic_elements(trace)
        return {
            "vmac.mult.op": vc * V,
            "vmac.tree.op": vc,
            "vmac.sqmult.op": vc,
            "vmac.scale.op": vc,
            "vmac.acc.op": vc,
            "post.op": s.windows * s.k,
            "quant.op": dyn,
            "quant.max.op": dyn * (V - 1) / V,
            "quant.scale.op": dyn / V,
            "weights.read_bits": vc * (V * p.wgt_bits + p.wgt_scale_bits),
            "activations.read_bits": int(cycles.sum()) * (V * p.act_bits + p.act_scale_bits),
        }

    def operand_bits(self, counts):
        p = self.p
        return p.wgt_bits + p.wgt_scale_bits / p.lanes, p.act_bits + p.act_scale_bits / p.lanes

    def inventory(self) -> dict[str, Part]:
        p, n = self.p, self.n_vmacs
        dot_bits = p.wgt_bits + p.act_bits + math.ceil(math.log2(p.lanes))
        return {
            "vmac.mult": part("int_mult", n * p.lanes, a_bits=p.wgt_bits, b_bits=p.act_bits),
            "vmac.tree": part("adder_tree", n, inputs=p.lanes, bits=p.wgt_bits + p.act_bits),
            "vmac.sqmult": part("int_mult", n, a_bits=p.wgt_scale_bits, b_bits=p.act_scale_bits),
            "vmac.scale": part("int_mult", n, a_bits=dot_bits,
                               b_bits=p.wgt_scale_bits + p.act_scale_bits),
            "vmac.acc": part("int_add", n, bits=p.acc_bits),
            "post": part("fp_mult", p.pes, man_bits=23),
            "quant": part("fp_mult", p.lanes, man_bits=10),
            "quant.max": part("comparator", p.lanes, bits=16),
            "quant.scale": part("fp_mult", 1, man_bits=10),
            **grid.vector_frame(p.pes, p.vmacs, p.lanes, p.act_bits, p.wgt_bits,
                                p.wgt_bits + p.act_bits, p.acc_bits),
        }
