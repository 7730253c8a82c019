"""Loading an ONNX model and asking its inferred graph about shapes, constants and producers.

``load`` reads the file, gives symbolic input dimensions sizes and runs ONNX shape inference (with
data propagation, so Reshape targets computed from constants resolve); every failure is a
one-line SpecError naming the file. ``Graph`` answers what the importer needs per node.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from accelsim.errors import SpecError

# ops whose output carries its first input's values (for telling post-ReLU inputs apart)
_PASS = {"MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Flatten", "Reshape",
         "Transpose", "Squeeze", "Unsqueeze", "Identity", "Pad", "Dropout", "Cast", "Split",
         "Slice", "Gather", "Concat"}
RELU_ACT = {"dist": "relu_normal", "density": 0.5}
SIGNED_ACT = {"dist": "normal", "density": 1.0}
SOFTMAX_ACT = {"dist": "half_normal", "density": 1.0}


def load(path: Path, batch: int, dims: dict[str, int]):
    """The model with its input sizes fixed and shapes inferred."""
    model = _load(path)
    _fix_inputs(model, str(path), batch, dims)
    return _infer(model, str(path))


def _load(path: Path):
    import onnx
    file = str(path)
    if not path.exists():
        raise SpecError(file, "", message="file not found")
    if path.is_dir():
        raise SpecError(file, "", message="is a directory, expected an .onnx file")
    try:
        model = onnx.load(str(path))
    except Exception as exc:       # protobuf raises its own DecodeError; onnx wraps others
        raise SpecError(file, "", message=f"not a readable ONNX model ({_first_line(exc)})") from None
    if not model.HasField("graph") or not len(model.graph.node):
        raise SpecError(file, "graph", message="the model has no graph nodes")
    return model


def _fix_inputs(model, file: str, batch: int, dims: dict[str, int]) -> None:
    """Give symbolic input dimensions values: the first one is the batch unless named in dims."""
    consts = {t.name for t in model.graph.initializer}
    for inp in model.graph.input:
        if inp.name in consts or not inp.type.HasField("tensor_type"):
            continue
        for i, d in enumerate(inp.type.tensor_type.shape.dim):
            if d.HasField("dim_value") and d.dim_value > 0:
                continue
            param = d.dim_param
            if param in dims:
                d.dim_value = dims[param]
            elif i == 0:
                d.dim_value = batch
            else:
                raise SpecError(file, f"input {inp.name}", message=f"dimension {i} "
                                f"('{param or '?'}') is symbolic; give its size with --dim "
                                f"{param or 'NAME'}=N")


def _infer(model, file: str):
    import onnx
    try:
        return onnx.shape_inference.infer_shapes(model, strict_mode=True, data_prop=True)
    except Exception as exc:
        raise SpecError(file, "graph", message=f"ONNX shape inference failed: "
                        f"{_first_line(exc)}") from None


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return (text[0] if text else exc.__class__.__name__)[:200]


class Graph:
    """Shapes, constants and producers of one inferred graph."""

    def __init__(self, model, file: str):
        from onnx import numpy_helper
        self.file = file
        self._np = numpy_helper
        gr = model.graph
        self.init = {t.name: t for t in gr.initializer}
        self.shapes: dict[str, tuple | None] = {}
        for vi in list(gr.input) + list(gr.value_info) + list(gr.output):
            t = vi.type.tensor_type
            if vi.type.HasField("tensor_type") and t.HasField("shape"):
                dims = tuple(d.dim_value if d.HasField("dim_value") else None for d in t.shape.dim)
                self.shapes[vi.name] = None if None in dims else dims
        for t in gr.initializer:
            self.shapes[t.name] = tuple(t.dims)
        self.producer = {o: n for n in gr.node for o in n.output}
        self.consumers: dict[str, list] = {}
        for n in gr.node:
            for i in n.input:
                self.consumers.setdefault(i, []).append(n)
        self._const: dict[str, np.ndarray | None] = {}

    def shape(self, name: str, node) -> tuple[int, ...]:
        s = self.shapes.get(name)
        if s is None:
            c = self.const(name)
            s = None if c is None else c.shape
        if s is None:
            raise SpecError(self.file, f"node {node.name or node.op_type} ({node.op_type})",
                            message=f"the shape of input '{name}' is unknown after shape "
                                    "inference (give symbolic sizes with --dim NAME=N)")
        return tuple(int(d) for d in s)

    def const(self, name: str) -> np.ndarray | None:
        """The value of a tensor that is constant: an initializer, a Constant node, or one
        through Identity / Cast / Transpose (how some exporters store weights)."""
        if name in self._const:
            return self._const[name]
        out = None
        if name in self.init:
            out = self._np.to_array(self.init[name])
        elif name in self.producer:
            n = self.producer[name]
            a = attrs(n)
            if n.op_type == "Constant" and "value" in a:
                out = a["value"]
            elif n.op_type in ("Identity", "Cast") and n.input:
                src = self.const(n.input[0])
                out = src if src is None or n.op_type == "Identity" else src.astype(np.float32)
            elif n.op_type == "Transpose" and n.input:
                src = self.const(n.input[0])
                out = None if src is None else np.transpose(src, a.get("perm"))
        self._const[name] = out
        return out

    def values(self, name: str) -> dict:
        """Synthetic value law of an activation input, from the op that produced it."""
        node = self.producer.get(name)
        while node is not None and node.op_type in _PASS and node.input:
            node = self.producer.get(node.input[0])
        if node is None:
            return dict(SIGNED_ACT)
        if node.op_type == "Relu" or (node.op_type == "Clip" and self._clip_floor(node) >= 0):
            return dict(RELU_ACT)
        if node.op_type == "Softmax":
            return dict(SOFTMAX_ACT)
        return dict(SIGNED_ACT)

    def _clip_floor(self, node) -> float:
        low = self.const(node.input[1]) if len(node.input) > 1 and node.input[1] else None
        if low is None:
            low = attrs(node).get("min")
        return float(low) if low is not None else -math.inf

    def bn_scale(self, conv) -> np.ndarray | None:
        """gamma / sqrt(var + eps) of a BatchNormalization that alone consumes the conv."""
        users = self.consumers.get(conv.output[0], [])
        if len(users) != 1 or users[0].op_type != "BatchNormalization":
            return None
        bn = users[0]
        gamma, var = self.const(bn.input[1]), self.const(bn.input[4])
        if gamma is None or var is None:
            return None
        eps = attrs(bn).get("epsilon", 1e-5)
        return (gamma / np.sqrt(var.astype(np.float64) + eps)).astype(np.float32)


def attrs(node) -> dict:
    from onnx import helper, numpy_helper
    out = {}
    for a in node.attribute:
        v = helper.get_attribute_value(a)
        if a.type == a.TENSOR:
            v = numpy_helper.to_array(v)
        elif isinstance(v, bytes):
            v = v.decode()
        out[a.name] = v
    return out
