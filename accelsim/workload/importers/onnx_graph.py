"""Loading an ONNX model and asking its inferred graph about shapes, constants and producers.

``load`` reads the file, gives symbolic input dimensions sizes and runs ONNX shape inference (with
data propagation, so Reshape targets computed from constants resolve). When a Conv / Gemm / MatMul
input is still unknown (exporters such as paddle2onnx compute Reshape targets with Shape -> Slice ->
Concat, which data propagation does not follow), onnxruntime's basic graph optimisation folds those
constants on the fixed-size graph and inference runs again; operator fusions are disabled there so
layers keep the exported structure. Every failure is a one-line SpecError naming the file.
``Graph`` answers what the importer needs per node.
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


LAYER_OPS = ("Conv", "Gemm", "MatMul")
# onnxruntime fusions that would change which nodes are layers, or fold BatchNorm on its own
_FUSIONS = ["ConvBNFusion", "ConvAddFusion", "ConvMulFusion", "ConvActivationFusion",
            "MatMulAddFusion", "GemmTransposeFusion", "GemmActivationFusion", "MatMulScaleFusion",
            "GemmSumFusion", "ReshapeFusion"]


def load(path: Path, batch: int, dims: dict[str, int], weights: bool = True):
    """(model with its input sizes fixed and shapes inferred, notes on how shapes were found).

    ``dims`` sizes symbolic input dimensions by name, or by ``<input>.<axis>`` (which sizes
    unnamed dimensions one by one). Without ``weights`` external tensor data is not read, so a
    shape-only model whose weight files are absent still imports."""
    file = str(path)
    model = _load(path, weights)
    _fix_inputs(model, file, batch, dims)
    inferred = _infer(model, file)
    if not _unresolved(inferred):
        return inferred, ()
    folded, _ = optimise(model, _FUSIONS)
    if folded is None:
        return inferred, ("some layer shapes stay unknown: onnxruntime is not installed or cannot "
                          "load the model, so constants were not folded",)
    return _infer(folded, file), ("shapes found after onnxruntime folded the graph's constants",)


def _unresolved(model) -> bool:
    """Whether some Conv / Gemm / MatMul input has no fully known shape."""
    gr = model.graph
    known = {t.name for t in gr.initializer}
    for vi in list(gr.input) + list(gr.value_info) + list(gr.output):
        dims = vi.type.tensor_type.shape.dim
        if vi.type.tensor_type.HasField("shape") and all(d.HasField("dim_value") for d in dims):
            known.add(vi.name)
    consts = {o for n in gr.node if n.op_type == "Constant" for o in n.output}
    return any(i and i not in known and i not in consts
               for n in gr.node if n.op_type in LAYER_OPS for i in n.input[:2])


def optimise(model, disabled: list[str]):
    """(the model after onnxruntime's basic optimisation: constant folding and, unless
    ``disabled``, exact fusions such as Conv + BatchNorm; or None, why not)."""
    import tempfile
    try:
        import onnx
        import onnxruntime as ort
    except ImportError:
        return None, "onnxruntime is not installed"
    if model.ByteSize() > 2**31 - 1:          # protobuf's limit for an in-memory model
        return None, "the model is over 2 GB"
    with tempfile.TemporaryDirectory() as tmp:
        out = str(Path(tmp) / "folded.onnx")
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_BASIC
        opts.optimized_model_filepath = out
        opts.log_severity_level = 3
        try:
            ort.InferenceSession(model.SerializeToString(), opts,
                                 providers=["CPUExecutionProvider"], disabled_optimizers=disabled)
            return onnx.load(out), ""
        except Exception as exc:   # onnxruntime raises its own Fail/InvalidGraph types
            return None, f"onnxruntime cannot load it ({_first_line(exc)})"


def _load(path: Path, weights: bool = True):
    import onnx
    file = str(path)
    if not path.exists():
        raise SpecError(file, "", message="file not found")
    if path.is_dir():
        raise SpecError(file, "", message="is a directory, expected an .onnx file")
    try:
        model = onnx.load(str(path), load_external_data=weights)
    except Exception as exc:       # protobuf raises its own DecodeError; onnx wraps others
        raise SpecError(file, "", message=f"not a readable ONNX model ({_first_line(exc)})") from None
    if not model.HasField("graph") or not len(model.graph.node):
        raise SpecError(file, "graph", message="the model has no graph nodes")
    return model


def _fix_inputs(model, file: str, batch: int, dims: dict[str, int]) -> None:
    """Give symbolic input dimensions values: by ``<input>.<axis>``, else by name, else the
    first one is the batch. An unnamed ('?') dimension is only sized by its axis, so two of them
    in one input can differ (a 48 x 192 image)."""
    consts = {t.name for t in model.graph.initializer}
    symbolic: list[str] = []        # the names a --dim may give, for an error on any other
    for inp in model.graph.input:
        if inp.name in consts or not inp.type.HasField("tensor_type"):
            continue
        missing = []
        for i, d in enumerate(inp.type.tensor_type.shape.dim):
            if d.HasField("dim_value") and d.dim_value > 0:
                continue
            param = d.dim_param if d.dim_param not in ("", "?") else ""
            symbolic += [f"{inp.name}.{i}"] + ([param] if param else [])
            size = dims.get(f"{inp.name}.{i}", dims.get(param) if param else None)
            if size is None and i == 0:
                size = batch
            if size is None:
                missing.append(f"{param or inp.name + '.' + str(i)}=N")
            else:
                d.Clear()
                d.dim_value = size
        if missing:
            raise SpecError(file, f"input {inp.name}", message=f"{len(missing)} dimension(s) "
                            "are symbolic; give their sizes with " +
                            " ".join(f"--dim {m}" for m in missing))
    unknown = sorted(set(dims) - set(symbolic))
    if unknown:     # a misspelt or fixed dimension would otherwise be ignored without a word
        have = ", ".join(dict.fromkeys(symbolic)) if symbolic else "none"
        raise SpecError(file, f"--dim {unknown[0]}", message="names no symbolic input dimension "
                        f"(the model's: {have})")


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


class UnknownShape(SpecError):
    """A layer input whose shape inference could not size: the importer skips that node."""


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
            raise UnknownShape(self.file, f"node {node.name or node.op_type} ({node.op_type})",
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
            t = self.init[name]
            if t.data_location == t.EXTERNAL and not t.HasField("raw_data"):
                # external data left unread (a shape-only import): a zero-stride stand-in of the
                # right shape, never saved, so weight-shaped logic works without the values
                out = np.broadcast_to(np.float32(0), tuple(t.dims))
            else:
                out = self._np.to_array(t)
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
