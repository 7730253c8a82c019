"""ONNX graphs -> workload: layer shapes from shape inference, weights from the initializers.

What becomes a layer:

* ``Conv`` (1-D and 2-D; groups, depthwise) -> ``conv``; weights (K, C/g, R, S) as stored.
  Asymmetric padding keeps the smaller side as padding and widens the map by the difference;
  dilated kernels keep their output size and MAC count on a map of (out-1)*stride + R rows
  (both warned: shapes and MACs are exact, window geometry is not).
* ``Gemm`` -> ``fc`` with batch = M; weights (N, K): B as stored when transB, else B^T.
* ``MatMul`` -> ``matmul``: A (..., m, k) @ B (..., k, n). With a constant B of two dimensions
  every leading dimension of A folds into m (tokens of a sequence share the weights) and the
  weights are B^T (n, k); a constant B with batch dimensions, or two activations (attention's
  Q K^T and P V), give count = the broadcast batch size, one product per count.

A layer node whose input shapes stay unknown even after constant folding (see ``onnx_graph``) is
skipped with a warning naming it, rather than failing the model.

Every other operator is named, with its count, in one warning line (and the workload notes);
operators that carry MACs accelsim does not model (ConvTranspose, Einsum, RNNs, quantized ops)
are flagged there as such, so nothing leaves the MAC count silently. A BatchNormalization whose
only input is a Conv is folded into that conv's weights (inference arithmetic).

Values: weights are the initializers (saved beside the workload; ``tensors.from_file`` quantizes
floats per tensor, max-abs). Activations are synthetic: ``relu_normal`` at density 0.5 after a
ReLU (half of a zero-mean pre-activation is clipped: an assumption), ``half_normal`` after a
Softmax, signed ``normal`` otherwise; real ones come from ``importers.captures``.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import numpy as np

from accelsim.errors import SpecError
from accelsim.workload.importers import Imported, conv_layer
from accelsim.workload.importers.onnx_graph import (LAYER_OPS, RELU_ACT, SIGNED_ACT, Graph,
                                                    UnknownShape, attrs, load)
MAC_OPS = {"ConvTranspose", "Einsum", "LSTM", "GRU", "RNN", "QLinearConv", "QLinearMatMul",
           "ConvInteger", "MatMulInteger", "Attention", "MultiHeadAttention"}


@dataclass(frozen=True)
class Source:
    """Where a layer's operands live in the ONNX graph (what ``capture`` reads at run time)."""
    act: str                  # tensor name of the activation input
    wgt: str | None           # tensor name of the second operand when it is not a constant
    act_t: bool = False       # the activation is stored (k, m): W @ X, or Gemm's transA
    wgt_t: bool = False       # a non-constant second operand stored (n, k): Gemm's transB
    const: str | None = None  # the initializer holding the weights, when they are one
    node: int = 0             # the layer node's position in the graph
    act_slot: int = 0         # which node input is the activation (the other operand: 1 - it)


def read_onnx(path: str | Path, *, batch: int = 1, dims: Mapping[str, int] | None = None,
              act_bits: int = 8, wgt_bits: int = 8, weights: bool = True,
              fold_bn: bool = True, name: str | None = None) -> Imported:
    """The workload of an ONNX model (named ``name``, default the model's graph name)."""
    path = Path(path)
    model, how = load(path, batch, dict(dims or {}), weights)
    return convert(model, path, batch=batch, act_bits=act_bits, wgt_bits=wgt_bits,
                   weights=weights, fold_bn=fold_bn, name=name, found=how)


def convert(model, path: Path, *, batch: int, act_bits: int, wgt_bits: int, weights: bool,
            fold_bn: bool, name: str | None, found: tuple[str, ...] = ()) -> Imported:
    """The workload of a loaded, shape-inferred model; ``Imported.sources`` maps each layer to
    its operand tensors in ``model``."""
    file = str(path)
    g = Graph(model, file)
    layers, tensors, skipped, notes = [], {}, Counter(), Counter()
    sources: dict[str, Source] = {}
    unresolved: list[str] = []
    used: set[str] = set()
    folded = 0
    macs = 0
    for position, node in enumerate(model.graph.node):
        if node.op_type not in LAYER_OPS:
            skipped[node.op_type] += 1
            continue
        convert_node = {"Conv": _conv, "Gemm": _gemm, "MatMul": _matmul}[node.op_type]
        try:
            layer, wgt, n_macs, note, act_in = convert_node(g, node)
        except UnknownShape:
            unresolved.append(f"{node.name or node.output[0]} ({node.op_type})")
            continue
        layer["name"] = lname = _unique(_layer_name(node, g), used)
        second = None if wgt is not None else node.input[1 if act_in == node.input[0] else 0]
        ga = attrs(node) if node.op_type == "Gemm" else {}
        slot = 0 if act_in == node.input[0] else 1
        const = node.input[1 - slot]
        sources[lname] = Source(act_in, second, slot == 1 or bool(ga.get("transA")),
                                bool(ga.get("transB")),
                                const if wgt is not None and const in g.init else None,
                                position, slot)
        act = g.values(act_in)
        if act != RELU_ACT:
            layer["act"] = act
        if wgt is None and node.op_type != "Conv" and g.values(node.input[1]) != SIGNED_ACT:
            layer["wgt"] = g.values(node.input[1])      # the second operand is an activation
        if wgt is not None and weights:
            scale = g.bn_scale(node) if node.op_type == "Conv" and fold_bn else None
            if scale is not None:
                wgt = wgt * scale.reshape(-1, *([1] * (wgt.ndim - 1)))
                folded += 1
            tensors[lname] = _weights(wgt)
            layer["wgt"] = {"key": lname}
        if note:
            notes[note] += 1
        macs += n_macs
        layers.append(layer)
    if not layers:
        found = ", ".join(f"{op} x{n}" for op, n in skipped.most_common(8)) or "no nodes"
        raise SpecError(file, "graph", message=f"no Conv, Gemm or MatMul node to import "
                        f"(found: {found})")
    warnings = list(found)
    if unresolved:
        warnings.append(f"{len(unresolved)} layer node(s) skipped, their input shapes stay "
                        f"unknown: {', '.join(unresolved[:6])}" + (" ..." if len(unresolved) > 6
                                                                    else ""))
    skip_text = _skipped_text(skipped, folded)
    if skip_text:
        warnings.append("not imported as layers (no MACs counted): " + skip_text)
    for note, n in notes.items():
        warnings.append(f"{n} layer(s): {note}")
    doc = {
        "name": name or model.graph.name or path.stem,
        "seed": 0,
        "notes": _notes(path, model, layers, macs, batch, skip_text, weights and bool(tensors),
                        folded),
        "defaults": {"act_bits": act_bits, "wgt_bits": wgt_bits, "act": dict(RELU_ACT),
                     "wgt": dict(SIGNED_ACT)},
        "layers": layers,
    }
    return Imported(doc, tensors, tuple(warnings), sources)


# -- converters: (layer entry, weights in accelsim layout or None, MACs, note) --------------------
def _conv(g: Graph, node):
    x = g.shape(node.input[0], node)
    w_const = g.const(node.input[1])
    w = w_const.shape if w_const is not None else g.shape(node.input[1], node)
    a = attrs(node)
    spatial = len(x) - 2
    if spatial not in (1, 2) or len(w) != len(x):
        raise SpecError(g.file, f"node {node.name or 'Conv'} (Conv)",
                        "a 1-D or 2-D convolution (input N x C x H [x W])", f"input shape {x}")
    n, c = x[0], x[1]
    k, r = w[0], w[2]
    groups = int(a.get("group", 1))
    _check(g, node, groups >= 1 and w[1] * groups == c and k % groups == 0,
           f"weights K x C/group x R x S for C {c} in {groups} group(s)", f"weights {tuple(w)}")
    size = list(x[2:]) + [1] * (2 - spatial)
    kernel = [r, w[3] if spatial == 2 else 1]
    strides = list(a.get("strides", [1] * spatial)) + [1] * (2 - spatial)
    dil = list(a.get("dilations", [1] * spatial)) + [1] * (2 - spatial)
    pads = _pads(a, size[:spatial], kernel[:spatial], strides, dil, spatial)
    pads += [(0, 0)] * (2 - spatial)
    note = None
    dims, pad = [], []
    for length, kk, st, d, (lo, hi) in zip(size, kernel, strides, dil, pads):
        out = (length + lo + hi - ((kk - 1) * d + 1)) // st + 1
        if d != 1:
            dims.append((out - 1) * st + kk)
            pad.append(0)
            note = "dilated kernel: same output size and MACs on a dense map"
        else:
            p = min(lo, hi)
            dims.append(length + lo + hi - 2 * p)
            pad.append(p)
            if lo != hi:
                note = note or "asymmetric padding: the extra side widens the map"
    layer = conv_layer("", c, dims[0], dims[1], k, kernel[0], kernel[1],
                       stride=tuple(strides), pad=tuple(pad), groups=groups, batch=n)
    out_h = (dims[0] + 2 * pad[0] - kernel[0]) // strides[0] + 1
    out_w = (dims[1] + 2 * pad[1] - kernel[1]) // strides[1] + 1
    wgt = None if w_const is None else w_const.reshape(k, c // groups, kernel[0], kernel[1])
    macs = n * out_h * out_w * k * (c // groups) * kernel[0] * kernel[1]
    return layer, wgt, macs, note, node.input[0]


def _pads(a: dict, size, kernel, strides, dil, spatial: int) -> list[tuple[int, int]]:
    auto = a.get("auto_pad", "NOTSET")
    if auto in ("SAME_UPPER", "SAME_LOWER"):
        out = []
        for length, kk, st, d in zip(size, kernel, strides, dil):
            total = max((-(-length // st) - 1) * st + (kk - 1) * d + 1 - length, 0)
            small, big = total // 2, total - total // 2
            out.append((small, big) if auto == "SAME_UPPER" else (big, small))
        return out
    if auto == "VALID":
        return [(0, 0)] * spatial
    p = list(a.get("pads", [0] * (2 * spatial)))
    return [(p[i], p[i + spatial]) for i in range(spatial)]


def _gemm(g: Graph, node):
    a = attrs(node)
    sa = g.shape(node.input[0], node)
    b_const = g.const(node.input[1])
    sb = b_const.shape if b_const is not None else g.shape(node.input[1], node)
    m, k = (sa[1], sa[0]) if a.get("transA", 0) else (sa[0], sa[1])
    trans_b = a.get("transB", 0)
    _check(g, node, len(sa) == 2 and len(sb) == 2 and (sb[1] if trans_b else sb[0]) == k,
           f"matrices with a common inner size ({k})", f"A {sa}, B {sb}")
    n = sb[0] if trans_b else sb[1]
    if b_const is None:
        return {"name": "", "kind": "matmul", "m": m, "k": k, "n": n}, None, m * k * n, None, \
            node.input[0]
    wgt = b_const if trans_b else b_const.T
    layer = {"name": "", "kind": "fc", "in_features": k, "out_features": n}
    if m != 1:
        layer["batch"] = m
    return layer, wgt.reshape(n, k, 1, 1), m * k * n, None, node.input[0]


def _matmul(g: Graph, node):
    sa, sb = g.shape(node.input[0], node), g.shape(node.input[1], node)
    sa = (1,) + sa if len(sa) == 1 else sa
    sb = sb + (1,) if len(sb) == 1 else sb
    a_const, b_const = g.const(node.input[0]), g.const(node.input[1])
    try:
        batch = np.broadcast_shapes(sa[:-2], sb[:-2])
    except ValueError:
        raise SpecError(g.file, f"node {node.name or 'MatMul'} (MatMul)",
                        "broadcastable batch dimensions", f"{sa} @ {sb}") from None
    _check(g, node, sa[-1] == sb[-2], "A (..., m, k) and B (..., k, n)", f"A {sa}, B {sb}")
    m, k, n = sa[-2], sa[-1], sb[-1]
    count = int(np.prod(batch, dtype=np.int64))
    wgt, act_in = None, node.input[0]
    if b_const is not None and len(sb) == 2:
        m, count = m * int(np.prod(sa[:-2], dtype=np.int64)), 1     # tokens share the weights
        wgt = b_const.reshape(k, n).T
    elif b_const is not None:
        full = np.broadcast_to(b_const.reshape(sb), batch + (k, n)).reshape(count, k, n)
        wgt = full.transpose(0, 2, 1).reshape(count * n, k)
    elif a_const is not None and len(sa) == 2:
        # W @ X: the columns of X are the rows that share W, and W (rows, k) is the weight layout
        m, n, count = n * int(np.prod(sb[:-2], dtype=np.int64)), m, 1
        wgt, act_in = a_const.reshape(n, k), node.input[1]
    layer = {"name": "", "kind": "matmul", "m": m, "k": k, "n": n}
    if count != 1:
        layer["count"] = count
    out = None if wgt is None else wgt.reshape(-1, k, 1, 1)
    return layer, out, count * m * k * n, None, act_in


def _check(g: Graph, node, ok: bool, expected: str, got: str) -> None:
    if not ok:
        raise SpecError(g.file, f"node {node.name or node.op_type} ({node.op_type})", expected, got)


# -- naming, tensors, notes ---------------------------------------------------------------------
def _layer_name(node, g: Graph) -> str:
    """The module name when the weight initializer is '<module>.weight' (torch exports), else the
    module path in the node name, else the output tensor's name.

    torch names a node by its module scopes, each the module's name from its last non-numeric
    atom on ('/layer1/layer1.0/downsample/downsample.0/Conv'); a scope that repeats its parent's
    last atom extends it ('layer1' + '.0'), any other is a child, which rebuilds the module name
    'layer1.0.downsample.0' that named_modules() and forward hooks use."""
    for i in node.input[1:2]:
        if i in g.init and i.endswith(".weight"):
            return i[: -len(".weight")]
    parts = [p for p in node.name.split("/") if p]
    if len(parts) > 1 and parts[-1] == node.op_type:
        parts = parts[:-1]
    name = ""
    for part in parts:
        atom = part.split(".")[0]
        if name == atom or name.endswith("." + atom):
            name += part[len(atom):]
        else:
            name = f"{name}.{part}" if name else part
    return name or node.output[0] or node.op_type


def _unique(name: str, used: set[str]) -> str:
    out, i = name, 2
    while out in used:
        out, i = f"{name}_{i}", i + 1
    used.add(out)
    return out


def _weights(w: np.ndarray) -> np.ndarray:
    if np.issubdtype(w.dtype, np.floating) and w.dtype != np.float32:
        return w.astype(np.float32)
    return np.ascontiguousarray(w)


def _skipped_text(skipped: Counter, folded: int) -> str:
    parts = []
    for op, n in sorted(skipped.items(), key=lambda kv: (kv[0] not in MAC_OPS, -kv[1], kv[0])):
        extra = " (carries MACs, not modelled)" if op in MAC_OPS else ""
        if op == "BatchNormalization" and folded:
            extra = f" ({folded} folded into conv weights)"
        parts.append(f"{op} x{n}{extra}")
    return ", ".join(parts)


def _notes(path: Path, model, layers, macs: int, batch: int, skipped: str, has_weights: bool,
           folded: int) -> str:
    kinds = Counter(l["kind"] for l in layers)
    opset = max((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), default=0)
    text = (f"Imported by accelsim from {path.name} (ONNX opset {opset}"
            f"{', producer ' + model.producer_name if model.producer_name else ''}): "
            f"{len(layers)} layers ({', '.join(f'{n} {k}' for k, n in kinds.items())}), "
            f"{macs:,} MACs, batch {batch}. Shapes from ONNX shape inference. ")
    if has_weights:
        text += ("Weights: the model's initializers" + (f" ({folded} BatchNorm folded)" if folded
                 else "") + ", saved in the .npz beside this file and quantized per tensor "
                 "(max-abs) when loaded. ")
    text += ("Activations: synthetic, relu_normal at density 0.5 after a ReLU (an assumption: "
             "half of a zero-mean pre-activation is clipped), half_normal after a Softmax, "
             "signed normal otherwise; capture real ones with accelsim.workload.importers."
             "captures. ")
    if skipped:
        text += f"Not imported as layers: {skipped}."
    return text.strip()
