"""Capture real operands: run an ONNX model on images with onnxruntime and keep every layer input.

``capture(model, inputs)`` fixes the model's image input to the batch's N x C x H x W, lets
onnxruntime's basic optimisation fold constants and fuse Conv + BatchNorm (so the weights are the
ones inference really multiplies by), imports the folded graph as a workload
(``importers.onnx_import.convert``), optionally prunes the weights (``prune``), then runs it once
with every Conv / Gemm / MatMul input exposed as an extra graph output. The result holds the float
activations in accelsim's layouts next to the weights, ready to be saved as workload YAML + .npz
(``save_capture``) or profiled (``profile``).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from accelsim.errors import SpecError
from accelsim.workload.importers import Imported, save
from accelsim.workload.importers.onnx_graph import _first_line, _infer, _load, optimise
from accelsim.workload.importers.onnx_import import convert

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Captured:
    imported: Imported                      # the workload (batch N) and its float weights
    acts: Mapping[str, np.ndarray]          # layer -> float activations, (n, c, h, w) layout
    wgts: Mapping[str, np.ndarray]          # layer -> float second operand, (k, c/g, r, s)
    model: Any                              # the fixed-size folded onnx.ModelProto they came from
    input_name: str
    inputs: np.ndarray                      # the preprocessed batch
    outputs: tuple[np.ndarray, ...]         # the model's float outputs on it
    densities: Mapping[str, float]          # layer -> weight density after pruning (if pruned)
    layers: Mapping[str, Any]               # layer -> its spec Layer (shapes for the layouts)


def input_spec(path: str | Path) -> tuple[str, tuple]:
    """(name, dims) of the model's one image input; a dim is an int or None (symbolic)."""
    model = _load(Path(path))
    return _image_input(model, str(path))


def _image_input(model, file: str):
    consts = {t.name for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in consts]
    if len(inputs) != 1:
        raise SpecError(file, "graph.input", "one image input",
                        f"{len(inputs)} inputs ({', '.join(i.name for i in inputs)})")
    dims = tuple(d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None
                 for d in inputs[0].type.tensor_type.shape.dim)
    if len(dims) != 4:
        raise SpecError(file, f"input {inputs[0].name}", "an N x C x H x W image input",
                        f"{len(dims)} dimensions")
    return inputs[0].name, dims


def check_input(file: str, dims: tuple, shape: tuple[int, ...]) -> None:
    """A SpecError when the preprocessed batch cannot feed an input of ``dims``."""
    for axis, what in ((1, "channels"), (2, "height"), (3, "width")):
        if dims[axis] is not None and dims[axis] != shape[axis]:
            raise SpecError(file, "input", message=f"the model wants {what} {dims[axis]} "
                            f"(input {'x'.join(str(d or '?') for d in dims[1:])}), the "
                            f"preprocessing makes {'x'.join(map(str, shape[1:]))}; give "
                            "--resize / --crop (or a --preprocess YAML) that produce it")
    if dims[0] is not None and dims[0] != shape[0]:
        raise SpecError(file, "input", message=f"the model's batch is fixed at {dims[0]}, got "
                        f"{shape[0]} images; give -n {dims[0]}")


def capture(path: str | Path, inputs: np.ndarray, *, act_bits: int = 8, wgt_bits: int = 8,
            prune: Mapping[str, float] | None = None, name: str | None = None,
            progress: Progress | None = None) -> Captured:
    """Run the model at ``path`` on ``inputs`` (N x C x H x W float32) and keep every layer input.

    ``prune`` maps layer names (or ``"*"`` for every layer) to weight densities; the run then
    sees the pruned weights (no retraining: an approximation of a pruned model)."""
    __import__("onnxruntime")      # the 'models' extra: fail before any work
    path = Path(path)
    file = str(path)
    model = _load(path)
    in_name, dims = _image_input(model, file)
    check_input(file, dims, inputs.shape)
    for d, size in zip(model.graph.input[_index(model, in_name)].type.tensor_type.shape.dim,
                       inputs.shape):
        d.Clear()
        d.dim_value = int(size)
    folded, why = optimise(model, [])
    if folded is None:
        raise SpecError(file, "", message=f"cannot run the model: {why}")
    folded = _infer(folded, file)
    kw = dict(batch=int(inputs.shape[0]), act_bits=act_bits, wgt_bits=wgt_bits, weights=True,
              fold_bn=False, name=name or path.stem)   # onnxruntime fused BatchNorm already
    imported = convert(folded, path, **kw)
    densities: dict[str, float] = {}
    if prune:
        from accelsim.workload.prune import prune_model
        densities, notes = prune_model(folded, imported.sources, prune, file)
        imported = convert(folded, path, **kw)
        imported = replace(imported, warnings=imported.warnings + notes)
    values, outputs = _run(folded, in_name, inputs, imported.sources, file, progress)
    layers = _layers(imported, path)
    acts = {name: act_layout(layers[name], src, values[src.act])
            for name, src in imported.sources.items()}
    wgts = {name: _wgt_layout(layers[name], np.asarray(values[src.wgt], np.float32), src.wgt_t)
            for name, src in imported.sources.items() if src.wgt is not None}
    return Captured(imported, acts, wgts, folded, in_name, inputs, outputs, densities, layers)


def _index(model, name: str) -> int:
    return next(i for i, t in enumerate(model.graph.input) if t.name == name)


def session(model, file: str, threads: int = 0):
    """An onnxruntime session on an already-optimised model (``threads`` 0: onnxruntime's
    choice; 1 suits many small runs, where thread hand-offs cost more than they save)."""
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    opts.log_severity_level = 3
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    try:
        return ort.InferenceSession(model.SerializeToString(), opts,
                                    providers=["CPUExecutionProvider"])
    except Exception as exc:       # onnxruntime's own error types
        raise SpecError(file, "", message=f"onnxruntime cannot load it ({_first_line(exc)})") \
            from None


def _run(model, in_name: str, inputs: np.ndarray, sources, file: str, progress):
    from onnx import TensorProto, helper
    m = type(model)()
    m.CopyFrom(model)
    have = {o.name for o in m.graph.output}
    outs = [o.name for o in m.graph.output]
    wanted = []
    consts = {t.name for t in m.graph.initializer}
    for src in sources.values():
        for t in (src.act, src.wgt):
            if t and t not in wanted and t not in consts:
                wanted.append(t)
    for t in wanted:
        if t not in have:
            m.graph.output.append(helper.make_tensor_value_info(t, TensorProto.FLOAT, None))
    sess = session(m, file)
    names = [o.name for o in sess.get_outputs()]
    if progress:
        progress(0, 1, "running the model")
    try:
        got = sess.run(names, {in_name: inputs.astype(np.float32)})
    except Exception as exc:       # onnxruntime's own error types
        raise SpecError(file, "", message=f"the model fails on these inputs "
                        f"({_first_line(exc)})") from None
    if progress:
        progress(1, 1, "running the model")
    values = dict(zip(names, got))
    return values, tuple(values[o] for o in outs)


def _layers(imported: Imported, path: Path) -> dict:
    from accelsim.spec.workload import workload_from_dict
    doc = {**imported.doc, "layers": [{k: v for k, v in l.items() if k not in ("act", "wgt")}
                                      for l in imported.doc["layers"]]}
    return {l.name: l for l in workload_from_dict(doc, path.with_suffix(".yaml")).layers}


def act_layout(layer, src, x: np.ndarray) -> np.ndarray:
    """A layer's activation tensor as the graph holds it -> accelsim's (n, c, h, w)."""
    from accelsim.workload.importers.captures import act_layout as layout
    x = np.asarray(x)
    return layout(layer, np.swapaxes(x, -1, -2) if src.act_t else x)


def _wgt_layout(layer, b: np.ndarray, transposed: bool) -> np.ndarray:
    """A non-constant second operand B (..., k, n) -> the weight layout (count * n, k, 1, 1)."""
    from accelsim.workload import shapes
    s = layer.shape
    count, k, n = s.groups, s.c_per_group, s.k_per_group
    if transposed:
        b = np.swapaxes(b, -1, -2)
    b = b.reshape((-1,) + b.shape[-2:])
    if b.shape[0] != count:
        b = np.broadcast_to(b, (count,) + b.shape[-2:]) if b.shape[0] == 1 else \
            b.reshape(count, k, n)
    return np.ascontiguousarray(b.transpose(0, 2, 1)).reshape(shapes.wgt_shape(s))


def save_capture(cap: Captured, out: str | Path, *, notes: str = "",
                 quantized: Mapping[str, tuple] | None = None):
    """Write ``out`` (workload YAML) and ``<out>.npz`` (weights and activations).

    Without ``quantized`` the tensors are floats (quantized per tensor, max-abs, at the workload's
    precisions when loaded). ``quantized`` maps layer -> (act_bits, wgt_bits, act codes, act
    step, wgt codes, wgt step): integer codes at the profiled precisions, saved with their step
    (``<key>.scale``: value = code x scale). Returns the loaded Workload."""
    doc = dict(cap.imported.doc)
    tensors: dict[str, np.ndarray] = {}
    layers = []
    for layer in doc["layers"]:
        name = layer["name"]
        layer = {k: v for k, v in layer.items() if k not in ("act", "wgt")}
        act = cap.acts[name]
        wgt = cap.wgts.get(name, cap.imported.tensors.get(name))
        if quantized is not None:
            a_bits, w_bits, act, a_step, wgt, w_step = quantized[name]
            layer["act_bits"], layer["wgt_bits"] = a_bits, w_bits
            tensors[f"{name}.act.scale"] = np.float32(a_step)
            tensors[f"{name}.wgt.scale"] = np.float32(w_step)
        tensors[f"{name}.act"] = act
        tensors[f"{name}.wgt"] = wgt
        layer["act"] = {"key": f"{name}.act"}
        layer["wgt"] = {"key": f"{name}.wgt"}
        layers.append(layer)
    doc["layers"] = layers
    doc["notes"] = notes
    return save(Imported(doc, tensors, cap.imported.warnings), out)
