"""Per-layer precision profiling: the fewest bits per layer operand that keep the network's output.

The Toronto designs (Stripes, Loom, Pragmatic, ...) run each layer at the fixed-point precision
found by profiling the trained network (Judd et al., "Proteus", ICS 2016, and "Stripes", MICRO
2016): bits are lowered layer by layer while the output stays within a tolerance of the
full-precision run (docs/references.md#precision-profiling). This module does that on the
captured images:

* Fixed point: an operand at b bits is round(x / step) clipped to the b-bit range, with step a
  power of two chosen so the integer part covers the operand's captured maximum magnitude
  (|x| <= qmax x step). Lowering b drops fraction bits; signed operands (any negative value)
  use two's complement [-(2^(b-1)-1), 2^(b-1)-1], others [0, 2^b - 1].
* Search: greedy in layer order, activations then weights; each operand's bits are found by a
  binary search between 1 and its current bits with every earlier operand at its chosen
  precision and every later one at ``max_bits``. (An approximation of the papers' searches: the
  binary search assumes the criterion is monotone in the bits, and the integer part is never
  narrowed below the captured maximum.)
* Criterion (recorded in the workload notes): ``top1``, the fraction of images whose arg-max
  class agrees with the float run, at least ``threshold``; or ``sqnr``, the output's
  signal-to-quantization-noise ratio against the float run, at least ``threshold`` dB.

The network runs in onnxruntime with a fake-quantization (Div, Round, Clip, Mul) on every layer
operand, whose step and clip bounds are graph inputs, so one session serves the whole search.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Mapping

import numpy as np

from accelsim.errors import SpecError
from accelsim.workload.capture import Captured, Progress, session

CRITERIA = ("top1", "sqnr")
DEFAULT_THRESHOLD = {"top1": 1.0, "sqnr": 30.0}
_FLOAT = 40          # a "bits" value that leaves an operand unquantized (steps ~2^-40 of its max)


@dataclass(frozen=True)
class Criterion:
    kind: str          # top1 | sqnr
    threshold: float   # agreement fraction, or dB

    def score(self, ref: tuple[np.ndarray, ...], out: tuple[np.ndarray, ...]) -> float:
        if self.kind == "top1":
            a, b = ref[0].reshape(ref[0].shape[0], -1), out[0].reshape(out[0].shape[0], -1)
            return float(np.mean(a.argmax(1) == b.argmax(1)))
        sig = sum(float(np.sum(r.astype(np.float64) ** 2)) for r in ref)
        noise = sum(float(np.sum((r.astype(np.float64) - o) ** 2)) for r, o in zip(ref, out))
        return math.inf if noise == 0 else 10 * math.log10(sig / noise) if sig > 0 else -math.inf

    def holds(self, score: float) -> bool:
        return score >= self.threshold

    def describe(self) -> str:
        return (f"top-1 agreement with the float run >= {self.threshold:g}" if self.kind == "top1"
                else f"output SQNR against the float run >= {self.threshold:g} dB")


def default_criterion(outputs: tuple[np.ndarray, ...]) -> str:
    """top1 for a classifier (one N x classes output), sqnr otherwise."""
    return "top1" if len(outputs) == 1 and outputs[0].ndim == 2 and outputs[0].shape[1] > 1 \
        else "sqnr"


@dataclass(frozen=True)
class Profile:
    bits: Mapping[str, tuple[int, int]]      # layer -> (act_bits, wgt_bits)
    criterion: Criterion
    score: float                             # the criterion's value at the chosen precisions
    evaluations: int                         # network runs the search took


def step(amax: float, bits: int, signed: bool) -> float:
    """The power-of-two step whose ``bits``-bit range covers ``amax``."""
    top = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
    if amax <= 0 or top <= 0:
        return 1.0
    return float(2.0 ** math.ceil(math.log2(amax / top)))


def quantize(x: np.ndarray, bits: int, signed: bool) -> tuple[np.ndarray, float]:
    """(integer codes, step) of ``x`` at ``bits`` fixed-point bits."""
    s = step(float(np.max(np.abs(x))) if x.size else 0.0, bits, signed)
    top = (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
    codes = np.clip(np.rint(x / s), -top if signed else 0, top)
    dtype = next(t for t in (np.int8, np.int16, np.int32) if np.iinfo(t).max >= top)
    return codes.astype(dtype), s


class FakeQuantNet:
    """The captured model with every layer operand at a chosen fixed-point precision.

    Activations pass through a fake-quantization (Div, Round, Clip, Mul) whose step and clip
    bounds are graph inputs; constant weights become graph inputs fed pre-quantized (cached per
    precision). One onnxruntime session serves the whole search."""

    def __init__(self, cap: Captured, file: str):
        from onnx import TensorProto, helper, numpy_helper
        self.cap = cap
        m = type(cap.model)()
        m.CopyFrom(cap.model)
        opset = max((o.version for o in m.opset_import if o.domain in ("", "ai.onnx")), default=0)
        if opset < 11:
            raise SpecError(file, "opset_import", "ONNX opset 11 or later for profiling", opset)
        init = {t.name: t for t in m.graph.initializer}
        self.operands: list[tuple[str, str, float, bool]] = []    # (layer, act|wgt, amax, signed)
        self._weights: dict[int, np.ndarray] = {}                 # operand -> float weights
        self._cache: dict[tuple[int, int], np.ndarray] = {}
        nodes_before: dict[int, list] = {}
        for layer, src in cap.imported.sources.items():
            for role, tensor in (("act", src.act), ("wgt", src.wgt or src.const)):
                if tensor is None:
                    continue
                const = tensor in init
                value = (numpy_helper.to_array(init[tensor]) if const
                         else cap.acts[layer] if role == "act" else cap.wgts[layer])
                amax, signed = float(np.max(np.abs(value))), bool(np.any(value < 0))
                tag = f"fq{len(self.operands)}"
                node = m.graph.node[src.node]
                idx = src.act_slot if role == "act" else 1 - src.act_slot
                if const:
                    self._weights[len(self.operands)] = value.astype(np.float32)
                    node.input[idx] = f"{tag}_w"
                    m.graph.input.append(helper.make_tensor_value_info(
                        f"{tag}_w", TensorProto.FLOAT, list(value.shape)))
                else:
                    nodes_before.setdefault(src.node, []).extend([
                        helper.make_node("Div", [tensor, f"{tag}_s"], [f"{tag}_d"]),
                        helper.make_node("Round", [f"{tag}_d"], [f"{tag}_r"]),
                        helper.make_node("Clip", [f"{tag}_r", f"{tag}_lo", f"{tag}_hi"],
                                         [f"{tag}_c"]),
                        helper.make_node("Mul", [f"{tag}_c", f"{tag}_s"], [f"{tag}_y"])])
                    node.input[idx] = f"{tag}_y"
                    m.graph.output.append(helper.make_tensor_value_info(
                        f"{tag}_c", TensorProto.FLOAT, None))        # the codes it sees
                    for p in ("s", "lo", "hi"):
                        m.graph.input.append(helper.make_tensor_value_info(
                            f"{tag}_{p}", TensorProto.FLOAT, []))
                self.operands.append((layer, role, amax, signed))
        order = []
        for i, node in enumerate(m.graph.node):
            order.extend(nodes_before.get(i, []))
            order.append(node)
        nodes = [n.SerializeToString() for n in order]
        del m.graph.node[:]
        for raw in nodes:
            m.graph.node.add().ParseFromString(raw)
        self.sess = session(m, file, threads=1)
        self.outputs = [o.name for o in cap.model.graph.output]
        self.runs = 0

    def _weight(self, i: int, bits: int, signed: bool) -> np.ndarray:
        if bits >= _FLOAT:
            return self._weights[i]
        if (i, bits) not in self._cache:
            codes, s = quantize(self._weights[i], bits, signed)
            self._cache[(i, bits)] = (codes * np.float32(s)).astype(np.float32)
        return self._cache[(i, bits)]

    def run(self, bits: Mapping[tuple[str, str], int]) -> tuple[np.ndarray, ...]:
        """The model's outputs with operands at ``bits`` ((layer, act|wgt) -> bits; unnamed
        operands stay float)."""
        self.runs += 1
        return tuple(self.sess.run(self.outputs, self._feed(bits)))

    def act_codes(self, bits: Mapping[tuple[str, str], int]) -> dict[str, np.ndarray]:
        """layer -> the integer activation codes it receives in the quantized network (its
        input computed by quantized earlier layers), in the graph's layout."""
        acts = [(i, layer) for i, (layer, role, _, _) in enumerate(self.operands)
                if role == "act"]
        got = self.sess.run([f"fq{i}_c" for i, _ in acts], self._feed(bits))
        return {layer: np.rint(x) for (_, layer), x in zip(acts, got)}

    def _feed(self, bits) -> dict:
        feed = {self.cap.input_name: self.cap.inputs.astype(np.float32)}
        for i, (layer, role, amax, signed) in enumerate(self.operands):
            b = bits.get((layer, role), _FLOAT)
            if i in self._weights:
                feed[f"fq{i}_w"] = self._weight(i, b, signed)
                continue
            if b >= _FLOAT:
                s, top = (amax or 1.0) * 2.0 ** -_FLOAT, 2.0 ** (_FLOAT + 1)
            else:
                s = step(amax, b, signed)
                top = float((1 << (b - 1)) - 1 if signed else (1 << b) - 1)
            feed[f"fq{i}_s"] = np.array(s, np.float32)
            feed[f"fq{i}_lo"] = np.array(-top if signed else 0.0, np.float32)
            feed[f"fq{i}_hi"] = np.array(top, np.float32)
        return feed


def profile(cap: Captured, criterion: Criterion, *, max_bits: int = 16, file: str = "",
            progress: Progress | None = None) -> Profile:
    """The greedy per-layer search; SpecError when even ``max_bits`` everywhere fails."""
    net = FakeQuantNet(cap, file)
    ref = cap.outputs
    keys = [(layer, role) for layer, role, _, _ in net.operands]
    bits = {k: max_bits for k in keys}
    first = criterion.score(ref, net.run(bits))
    if not criterion.holds(first):
        raise SpecError(file, "--threshold", message=f"the criterion ({criterion.describe()}) "
                        f"fails with every operand at {max_bits} bits (got {first:.4g})")
    score = first
    for i, key in enumerate(keys):
        lo, hi, best = 0, bits[key], score         # lo fails (or is 0), hi holds
        while hi - lo > 1:
            mid = (lo + hi) // 2
            s = criterion.score(ref, net.run({**bits, key: mid}))
            if criterion.holds(s):
                hi, best = mid, s
            else:
                lo = mid
        bits[key], score = hi, best
        if progress:
            progress(i + 1, len(keys), f"{key[0]} {key[1]} {hi} bits")
    layers = {layer: (bits.get((layer, "act"), max_bits), bits.get((layer, "wgt"), max_bits))
              for layer in cap.imported.sources}
    return Profile(layers, criterion, score, net.runs)


def quantized_operands(cap: Captured, prof: Profile, file: str = "") -> dict[str, tuple]:
    """layer -> (act_bits, wgt_bits, act codes, act step, wgt codes, wgt step), as
    ``capture.save_capture`` takes them. Activation codes are what each layer receives when the
    whole network runs at the profiled precisions; steps are the ones the search used."""
    from accelsim.workload.capture import act_layout
    net = FakeQuantNet(cap, file)
    bits = {(l, r): prof.bits[l][0 if r == "act" else 1] for l, r, _, _ in net.operands}
    codes = net.act_codes(bits)
    out = {}
    for i, (layer, role, amax, signed) in enumerate(net.operands):
        if role != "act":
            continue
        a_bits, w_bits = prof.bits[layer]
        dtype = next(t for t in (np.int8, np.int16, np.int32) if np.iinfo(t).max >= 2 ** a_bits)
        a_codes = act_layout(cap.layers[layer], cap.imported.sources[layer],
                             codes[layer].astype(dtype))
        wgt = cap.wgts.get(layer, cap.imported.tensors.get(layer))
        w_codes, w_step = quantize(wgt, w_bits, bool(np.any(wgt < 0)))
        out[layer] = (a_bits, w_bits, a_codes, step(amax, a_bits, signed), w_codes, w_step)
    return out
