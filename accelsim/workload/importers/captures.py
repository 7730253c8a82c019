"""Captured activations: a model's real layer inputs, saved beside a workload in accelsim's layouts.

Capture the input of every Conv / Linear module while the model runs (PyTorch forward hooks:
``module.register_forward_hook(lambda m, inp, out: acts.__setitem__(name, inp[0].numpy()))``),
then ``save_captures("model.yaml", acts)`` writes ``model_acts.npz`` and ``model_acts.yaml``, a
workload derived from ``model.yaml`` (``base:`` + ``overrides:``) whose layers read their
activations from the .npz. Layer names must be the workload's (an ONNX import names layers by
torch module, as the hooks do). Floats are quantized per tensor when the workload is loaded
(unsigned when no value is negative, so post-ReLU inputs keep their zeros and full range).

Layouts (the framework's -> accelsim's, see ``workload.shapes``):

* conv: (N, C, H, W) as is; a 1-D conv's (N, C, L) is (N, C, L, 1).
* fc: (N, C), or any (..., C) whose leading sizes multiply to the batch -> (N, C, 1, 1).
* matmul: A (..., m, k), ``count`` products -> (1, count * k, m, 1): channel g*k + j, row i holds
  A[g, i, j] (the grouped 1 x 1 convolution the workload stores a matmul as).
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

import numpy as np
import yaml

from accelsim.errors import SpecError
from accelsim.spec.workload import Layer, LayerKind, load_workload
from accelsim.workload import shapes


def act_layout(layer: Layer, x: np.ndarray) -> np.ndarray:
    """A captured input of ``layer`` in the framework's layout -> accelsim's (n, c, h, w)."""
    s = layer.shape
    want = shapes.act_shape(s)
    x = np.asarray(x)
    if x.size != int(np.prod(want)):
        raise SpecError(layer.name, "act", f"{int(np.prod(want))} values for {layer.kind.value} "
                        f"input {'x'.join(map(str, want))}", f"shape {x.shape}")
    if layer.kind is LayerKind.MATMUL:
        count, m, k = s.groups, s.h, s.c_per_group
        return np.ascontiguousarray(x.reshape(count, m, k).transpose(0, 2, 1)).reshape(want)
    return x.reshape(want)


def save_captures(workload_path: str | Path, captures: Mapping[str, np.ndarray],
                  out: str | Path | None = None):
    """Write the captures (layer name -> input array) to ``<out>.npz`` and a derived workload
    ``out`` (default ``<workload>_acts.yaml`` beside it); returns the loaded derived Workload."""
    base_path = Path(workload_path)
    base = load_workload(base_path)
    out = Path(out) if out is not None else base_path.with_name(base_path.stem + "_acts.yaml")
    if out.resolve().parent != base_path.resolve().parent:
        # tensor files of the base are found relative to the derived workload's folder
        raise SpecError(str(out), "", f"a file in {base_path.parent} (beside {base_path.name})",
                        str(out.parent))
    layers = {layer.name: layer for layer in base.layers}
    arrays, overrides = {}, {}
    for name, x in captures.items():
        if name not in layers:
            import difflib
            close = difflib.get_close_matches(name, list(layers), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise SpecError(base.file, "layers", message=f"no layer named '{name}'{hint}")
        arr = act_layout(layers[name], x)
        arrays[name] = arr.astype(np.float32) if np.issubdtype(arr.dtype, np.floating) else arr
    npz = out.with_suffix(".npz")
    np.savez(npz, **arrays)
    for name in arrays:
        overrides[name] = {"act": {"file": npz.name, "key": name}}
    doc = {"base": os.path.relpath(base_path, out.parent), "name": f"{base.name}_acts",
           "notes": f"{base.name} with the captured activations of {len(arrays)} layer(s) "
                    f"from {npz.name}.", "overrides": overrides}
    out.write_text(yaml.safe_dump(doc, sort_keys=False, width=100))
    return load_workload(out)
