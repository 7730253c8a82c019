"""Vector-MAC array (MAGNet-style PEs): the common baseline of the number-format designs.

Organisation (docs/references.md#vmac-frame; the NVIDIA research accelerator VS-Quant, FGMP and LNS-Madam
modify): ``pes`` PEs, each with ``vmacs`` vector MAC units (VMACs) of ``lanes`` (V) lanes. Each
cycle a VMAC multiplies one V-element weight vector by one V-element activation vector (V
consecutive input channels at one kernel position: a "brick"), adds the V products in a tree and
accumulates. The activation vector is broadcast to every VMAC; each VMAC owns one output channel,
so one step covers pes x vmacs filters of one output window. A layer takes windows x bricks cycles
per filter pass (``grid.passes``), whatever the values. Every VMAC reads its weight vector from the
weight buffer each cycle (no weight-register reuse: the DaDianNao rule ``bitparallel`` uses); the
activation vector is read once per step.

Formats (``format``): int4 / int8 / int16 (weights per output channel, activations per tensor, max
calibration; one FP32 dequantizing multiply per output), fp8_e4m3 / fp8_e5m2 (one scale per tensor
putting amax on max normal, undone by one FP32 multiply per output), fp16 / bf16 (no scale) and
fp32. Integer products go through an integer tree into an ``acc_bits`` accumulator; float products
through a tree of float adders of the exact product format into an FP32 accumulator. Operands that
are produced at run time (activations, and the B operand of multi-head matmuls, which is an
activation too: see ``b_is_activation``) pass through a quantization unit of V lanes, one
multiply per element.

Operands: the trace's integer codes stand for the real-valued tensors and are re-quantized into
the format; workloads at 16 bits make that a fine approximation of real values. Per-tensor scales
are taken per group (per head of an attention matmul, each head being its own product).

Approximations, stated: FP32 accumulation is taken as exact (outputs in float64); the output error
(``fmt_out_*`` figures) is measured on the outputs of ``sample_rows`` evenly spaced windows and
``sample_cols`` evenly spaced filters per group against the
exact product of the trace codes; act / weight errors are over the im2col view; lanes padded with
zeros (channels not a multiple of V) cost like real ones.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Iterator

import numpy as np

from accelsim.datapaths import grid
from accelsim.datapaths.base import LayerWork, Part, part, register, tile_work
from accelsim.numerics import intq
from accelsim.numerics import minifloat as mf
from accelsim.spec.workload import LayerKind


@dataclass(frozen=True)
class Element:
    """A VMAC operand format: integer (``fp`` None and not ``is_float``), minifloat, or FP32."""

    name: str
    bits: int
    fp: mf.FloatFormat | None = None
    is_float: bool = False

    @property
    def exp_bits(self) -> int:
        return self.fp.exp_bits if self.fp else 8

    @property
    def man_bits(self) -> int:
        return self.fp.man_bits if self.fp else 23

    @property
    def product(self) -> tuple[int, int]:
        """(exponent, mantissa) bits of an exact product of two elements (capped at FP32)."""
        return min(self.exp_bits + 1, 8), min(2 * self.man_bits + 1, 23)


ELEMENTS = {e.name: e for e in (
    Element("int4", 4), Element("int8", 8), Element("int16", 16),
    Element("fp8_e4m3", 8, mf.E4M3, True), Element("fp8_e5m2", 8, mf.E5M2, True),
    Element("fp16", 16, mf.FP16, True), Element("bf16", 16, mf.BF16, True),
    Element("fp32", 32, None, True),
)}


@dataclass(frozen=True)
class ArrayParams:
    pes: int = field(default=16, metadata={"lo": 1, "hi": 1024})
    vmacs: int = field(default=16, metadata={"lo": 1, "hi": 1024})
    lanes: int = field(default=16, metadata={"lo": 1, "hi": 256})
    sample_rows: int = field(default=32, metadata={"lo": 1, "hi": 1 << 16})
    sample_cols: int = field(default=256, metadata={"lo": 1, "hi": 1 << 16})


@dataclass(frozen=True)
class VMACParams(ArrayParams):
    format: str = field(default="int8", metadata={"choices": tuple(ELEMENTS)})
    acc_bits: int = field(default=32, metadata={"lo": 8, "hi": 64})


@dataclass(frozen=True, eq=False)
class Quantized:
    """One group's operands as the datapath's arithmetic sees them (float64 values)."""

    act: np.ndarray                 # (len(rows), bricks, lanes): the windows asked for
    wgt: np.ndarray                 # (len(cols), bricks, lanes): the filters asked for
    errors: tuple                   # ((signal, noise) over all act elements, (signal, noise) of wgt)
    info: Any = None                # design-specific: codes, scales, block precisions, ...


# -- operands ------------------------------------------------------------------------------------
def blocks(x: np.ndarray, lanes: int) -> np.ndarray:
    """(rows, r, s, c) -> (rows, r*s*ceil(c/lanes), lanes): channels zero-padded at each kernel
    position, so a block is one brick (the vectors ``intq.to_vectors`` cuts along channels)."""
    rows, r, s, c = x.shape
    nb = -(-c // lanes)
    if c == nb * lanes:
        return np.ascontiguousarray(x).reshape(rows, r * s * nb, lanes)
    out = np.zeros((rows, r, s, nb * lanes), dtype=x.dtype)
    out[..., :c] = x
    return out.reshape(rows, r * s * nb, lanes)


def group_operands(trace, lanes: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Per group: activation blocks (windows, bricks, lanes) and weight blocks (k_per_group,
    bricks, lanes) of integer codes. 1x1 stride-1 layers (fc, matmul) are cut straight from the
    codes without the im2col copy; for one image whose channels fill whole bricks the activation
    blocks are a strided view (windows are the codes' contiguous axis)."""
    s = trace.shape
    direct = (s.r == s.s == 1 and s.stride_h == s.stride_w == 1 and s.pad_h == s.pad_w == 0
              and trace.im2col is None)
    cpg, kpg = s.c_per_group, s.k_per_group
    for g in range(s.groups):
        if direct:
            a = trace.act.codes[:, g * cpg:(g + 1) * cpg].reshape(s.n, cpg, s.h * s.w)
            a = a[0].T if s.n == 1 else a.transpose(0, 2, 1).reshape(s.windows, cpg)
            w = trace.wgt.codes[g * kpg:(g + 1) * kpg].reshape(kpg, cpg)
            if cpg % lanes == 0:
                yield a.reshape(s.windows, cpg // lanes, lanes), w.reshape(kpg, cpg // lanes, lanes)
                continue
            a, w = a.reshape(s.windows, 1, 1, cpg), w.reshape(kpg, 1, 1, cpg)
        else:
            a, w = trace.windows[g], trace.filters[g]
        yield blocks(a, lanes), blocks(w, lanes)


def b_is_activation(trace) -> bool:
    """The B operand of a multi-head matmul (K^T, V of attention) is produced at run time, so it
    is quantized like an activation (a workload has no flag for this: groups > 1 marks heads)."""
    return trace.layer.kind is LayerKind.MATMUL and trace.shape.groups > 1


def sample(n: int, count: int) -> np.ndarray:
    """``count`` evenly spaced row indices out of ``n`` (all of them if count >= n)."""
    if count >= n:
        return np.arange(n)
    return np.unique(np.linspace(0, n - 1, count).round().astype(np.int64))


def flat(x: np.ndarray) -> np.ndarray:
    return x.reshape(x.shape[0], -1)


def measured(x: np.ndarray, x_hat: np.ndarray) -> tuple[float, float]:
    """(sum x^2, sum (x - x_hat)^2) in float64."""
    x = x.astype(np.float64).ravel()
    err = x - np.asarray(x_hat, dtype=np.float64).ravel()
    return float(np.dot(x, x)), float(np.dot(err, err))


def sqnr_db(signal: float, noise: float) -> float:
    if noise == 0.0:
        return float("inf")
    return float(10 * np.log10(signal / noise)) if signal > 0 else float("-inf")


@dataclass
class ErrorSums:
    """Signal and noise power of one operand over a layer (all groups)."""

    signal: float = 0.0
    noise: float = 0.0
    count: int = 0

    def add(self, x: np.ndarray, x_hat: np.ndarray) -> None:
        self.add_sums(*measured(x, x_hat), x.size)

    def add_sums(self, signal: float, noise: float, count: int) -> None:
        self.signal += signal
        self.noise += noise
        self.count += count

    def figures(self, name: str) -> dict[str, float]:
        return {f"fmt_{name}_sqnr_db": sqnr_db(self.signal, self.noise),
                f"fmt_{name}_mse": self.noise / max(self.count, 1)}


# -- per-format quantizers (pure) ---------------------------------------------------------------
def int_tensor(x: np.ndarray, bits: int, signed: bool) -> intq.IntQuant:
    return intq.quantize_tensor(x.astype(np.float64), bits, signed)


def int_channel(w: np.ndarray, bits: int) -> intq.IntQuant:
    return intq.quantize_channel(w.astype(np.float64), bits, axis=0)


def fp_values(x: np.ndarray, el: Element) -> np.ndarray:
    """Values of ``x`` in a float element format; FP8 gets one scale putting amax on max normal."""
    x = x.astype(np.float64)
    if el.fp is None:
        return x.astype(np.float32).astype(np.float64)
    fmt = replace(el.fp, saturating=True)
    if el.bits > 8:
        return mf.quantize(x, fmt)
    amax = float(np.max(np.abs(x), initial=0.0))
    scale = amax / fmt.max_normal if amax > 0 else 1.0
    return mf.quantize(x / scale, fmt) * scale


# -- the shared machinery -----------------------------------------------------------------------
class VectorArray:
    """What every design of the family shares: the PE array, its cycle model, the error figures
    and the memory traffic. A design supplies ``quantize`` and its counts, prices and parts."""

    Params = ArrayParams
    peak_per_group = True   # run() takes group_operands one group at a time

    def __init__(self, params, arch):
        self.p = params
        self.arch = arch

    def limits(self) -> tuple[int, int]:
        return 32, 32          # any trace precision: operands are re-quantized into the format

    @property
    def n_vmacs(self) -> int:
        return self.p.pes * self.p.vmacs

    # -- what a design supplies ------------------------------------------------------------------
    def quantize(self, act: np.ndarray, wgt: np.ndarray, trace, rows: np.ndarray,
                 cols: np.ndarray) -> Quantized:
        """The group's operands in the format: the activation windows ``rows`` and the filters
        ``cols`` whose outputs are computed, and the error sums over all elements of both."""
        raise NotImplementedError

    def dot(self, q: Quantized) -> np.ndarray:
        """(len(rows), len(cols)) outputs the arithmetic produces for the windows and filters
        quantized."""
        return flat(q.act) @ flat(q.wgt).T

    def group_counts(self, q: Quantized, trace) -> dict[str, float]:
        """Value-level counts of one group, summed over the groups of a layer."""
        return {}

    def layer_figures(self, counts: dict[str, float]) -> dict[str, float]:
        """Design-specific figures for LayerWork.extra, from the summed counts."""
        return {}

    def group_cycles(self, q: Quantized, windows: int, filters: int, bricks: int) -> np.ndarray:
        """(filter passes, windows) cycles of one group: a brick per cycle."""
        passes = grid.ceil_div(filters, self.n_vmacs)
        return np.full((passes, windows), bricks, dtype=np.int64)

    def layer_actions(self, trace, counts: dict[str, float], cycles: np.ndarray) -> dict[str, float]:
        raise NotImplementedError

    def operand_bits(self, counts: dict[str, float]) -> tuple[float, float]:
        """Stored bits per (weight, activation) element, scales and flags included."""
        raise NotImplementedError

    def inventory(self) -> dict[str, Part]:
        raise NotImplementedError

    # -- shared ---------------------------------------------------------------------------------
    def dynamic_elements(self, trace) -> int:
        """Elements a quantization unit converts at run time: the input activations, and the B
        operand when it is an activation."""
        s = trace.shape
        n = s.n * s.c * s.h * s.w
        return n + (s.k * s.c_per_group * s.r * s.s if b_is_activation(trace) else 0)

    def vmac_cycles(self, trace) -> int:
        """VMAC-cycles with a filter assigned: every (window, filter, brick)."""
        s = trace.shape
        return s.windows * s.k * grid.bricks(s, self.p.lanes)

    def run(self, trace) -> LayerWork:
        p, shape = self.p, trace.shape
        errs = {name: ErrorSums() for name in ("act", "wgt", "out")}
        counts: dict[str, float] = {}
        cycles = []
        outputs = []
        for a, w in group_operands(trace, p.lanes):
            rows, cols = sample(a.shape[0], p.sample_rows), sample(w.shape[0], p.sample_cols)
            q = self.quantize(a, w, trace, rows, cols)
            errs["act"].add_sums(*q.errors[0], a.size)
            errs["wgt"].add_sums(*q.errors[1], w.size)
            for key, value in self.group_counts(q, trace).items():
                counts[key] = counts.get(key, 0.0) + value
            cycles.append(self.group_cycles(q, a.shape[0], w.shape[0], w.shape[1]))
            outputs.append((flat(a[rows]), flat(w[cols]), q))
        # the sampled outputs after the value passes: BLAS threads left spinning between calls
        # would otherwise compete with the single-threaded kernels on a small machine
        for a_rows, w, q in outputs:
            ref = a_rows.astype(np.float64) @ w.astype(np.float64).T
            errs["out"].add(ref, self.dot(q))
        steps = np.concatenate(cycles, axis=0)
        actions = {k: int(round(v)) for k, v in self.layer_actions(trace, counts, steps).items()}
        actions["outputs.write_bits"] = shape.windows * shape.k * self.arch.memory.output_bits
        wbits, abits = self.operand_bits(counts)
        extra = {}
        for name, e in errs.items():
            extra.update(e.figures(name))
        extra.update(self.layer_figures(counts))
        # the format's bits per element, scales included: what the layer is computed and moved at,
        # not the workload's (whose values the format quantizes); the report shows these
        extra.update(format_act_bits=abits, format_wgt_bits=wbits)
        peak = self.n_vmacs * p.lanes
        return tile_work(steps, trace, self.arch, self.n_vmacs, actions,
                         ideal_cycles=-(-shape.macs // peak),
                         potential=float(shape.macs) * wbits * abits,
                         wgt_bits=wbits, act_bits=abits, extra=extra)

    def outputs(self, trace) -> np.ndarray:
        """(groups, windows, k_per_group) float64: the results this arithmetic produces."""
        out = [self.dot(self.quantize(a, w, trace, np.arange(a.shape[0]), np.arange(w.shape[0])))
               for a, w in group_operands(trace, self.p.lanes)]
        return np.stack(out)


@register
class VMAC(VectorArray):
    kind = "vmac"
    peak_factor = 12.0   # memory per im2col byte: 10.0 measured (benchmarks/bench_layer_memory.py)
    Params = VMACParams

    @property
    def element(self) -> Element:
        return ELEMENTS[self.p.format]

    def quantize(self, act, wgt, trace, rows, cols) -> Quantized:
        el = self.element
        if el.is_float:
            a_hat, w_hat = fp_values(act, el), fp_values(wgt, el)
            return Quantized(a_hat[rows], w_hat[cols], (measured(act, a_hat), measured(wgt, w_hat)))
        qa = int_tensor(act, el.bits, trace.act.signed)
        qw = (int_tensor(wgt, el.bits, trace.wgt.signed) if b_is_activation(trace)
              else int_channel(flat(wgt), el.bits))
        a_hat, w_hat = intq.dequantize(qa), intq.dequantize(qw).reshape(wgt.shape)
        w_scale = np.broadcast_to(qw.scale.reshape(-1), (wgt.shape[0],))
        info = (qa.codes[rows], qw.codes.reshape(wgt.shape)[cols], float(qa.scale.ravel()[0]),
                w_scale[cols])
        return Quantized(a_hat[rows], w_hat[cols], (measured(act, a_hat), measured(wgt, w_hat)),
                         info)

    def dot(self, q):
        if q.info is None:
            return super().dot(q)
        a_codes, w_codes, a_scale, w_scale = q.info
        # integer dot products (exact in float64: |sum| < 2^53 for <= 16-bit codes), then the
        # one dequantizing multiply per output
        acc = flat(a_codes).astype(np.float64) @ flat(w_codes).astype(np.float64).T
        return acc * (a_scale * w_scale)[None, :]

    def layer_actions(self, trace, counts, cycles):
        el, V = self.element, self.p.lanes
        vc = self.vmac_cycles(trace)
        s = trace.shape
        actions = {
            "vmac.mult.op": vc * V,
            "vmac.tree.op": vc * (V - 1) if el.is_float else vc,
            "vmac.acc.op": vc,
            "weights.read_bits": vc * V * el.bits,
            "activations.read_bits": int(cycles.sum()) * V * el.bits,
        }
        if el.bits <= 8:       # scaled formats: dequantize outputs, quantize dynamic operands
            actions["post.op"] = s.windows * s.k
            actions["quant.op"] = self.dynamic_elements(trace)
        return actions

    def operand_bits(self, counts):
        return float(self.element.bits), float(self.element.bits)

    def inventory(self) -> dict[str, Part]:
        el, p, n = self.element, self.p, self.n_vmacs
        if el.is_float:
            mult = (part("minifloat_mult", n * p.lanes, a_man=el.man_bits, b_man=el.man_bits)
                    if el.bits <= 8 else part("fp_mult", n * p.lanes, man_bits=el.man_bits))
            pe, pm = el.product
            inv = {"vmac.mult": mult,
                   "vmac.tree": part("fp_add", n * (p.lanes - 1), exp_bits=pe, man_bits=pm),
                   "vmac.acc": part("fp_add", n, exp_bits=8, man_bits=23)}
        else:
            inv = {"vmac.mult": part("int_mult", n * p.lanes, a_bits=el.bits, b_bits=el.bits),
                   "vmac.tree": part("adder_tree", n, inputs=p.lanes, bits=2 * el.bits),
                   "vmac.acc": part("int_add", n, bits=p.acc_bits)}
        if el.bits <= 8:
            inv["post"] = part("fp_mult", p.pes, man_bits=23)
            inv["quant"] = part("fp_mult", p.lanes, man_bits=10)
        prod = 2 * el.bits if not el.is_float else 1 + sum(el.product)
        inv.update(grid.vector_frame(p.pes, p.vmacs, p.lanes, el.bits, el.bits, prod, p.acc_bits
                                     if not el.is_float else 32))
        return inv
