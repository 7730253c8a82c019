"""Workloads from other tools: ONNX graphs, SCALE-Sim topologies (and SCALE-Sim export).

An importer returns an ``Imported``: the workload as the YAML document it will be written as,
the real tensors to save beside it (weights from ONNX initializers), and the warnings to show.
``save`` writes both files and loads the result back through ``load_workload``, so an imported
workload is checked by the same reader as a hand-written one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import yaml

from accelsim.errors import SpecError


@dataclass(frozen=True)
class Imported:
    doc: Mapping[str, Any]                                     # the workload YAML document
    tensors: Mapping[str, np.ndarray] = field(default_factory=dict)   # npz key -> array
    warnings: tuple[str, ...] = ()
    sources: Mapping[str, Any] = field(default_factory=dict)   # layer -> where its operands live


def save(imported: Imported, out: str | Path):
    """Write ``out`` (YAML) and, when there are tensors, ``<out stem>.npz`` beside it.

    Layers whose tensors were saved reference them by file name relative to the YAML, so the
    pair can be moved together. Returns the loaded Workload."""
    from accelsim.spec.workload import load_workload
    out = Path(out)
    if out.suffix not in (".yaml", ".yml"):
        raise SpecError(str(out), "", "an output file name ending in .yaml", out.name)
    doc = dict(imported.doc)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        if imported.tensors:
            npz = out.with_suffix(".npz")
            np.savez(npz, **{k: np.ascontiguousarray(v) if np.ndim(v) else np.asarray(v)
                             for k, v in imported.tensors.items()})
            doc["layers"] = [_with_file(layer, npz.name, imported.tensors)
                             for layer in doc["layers"]]
        out.write_text(dump(doc))
    except OSError as exc:
        raise SpecError(str(out), "", message=f"cannot write: {exc.strerror or exc}") from None
    return load_workload(out)


def _with_file(layer: dict, npz_name: str, tensors: Mapping[str, np.ndarray]) -> dict:
    layer = dict(layer)
    for operand in ("wgt", "act"):
        ref = layer.get(operand)
        if isinstance(ref, dict) and ref.get("key") in tensors:
            layer[operand] = {"file": npz_name, **ref}
    return layer


def dump(doc: Mapping[str, Any]) -> str:
    """YAML text in the style of the bundled workloads: one flow-style line per layer."""
    head = {k: v for k, v in doc.items() if k not in ("defaults", "layers")}
    text = yaml.safe_dump(head, sort_keys=False, width=100)
    if "defaults" in doc:
        text += yaml.safe_dump({"defaults": doc["defaults"]}, sort_keys=False,
                               default_flow_style=None, width=100)
    text += "layers:\n"
    for layer in doc["layers"]:
        line = yaml.safe_dump(layer, sort_keys=False, default_flow_style=True, width=10**6)
        text += f"  - {line.strip()}\n"
    return text


def conv_layer(name: str, c: int, h: int, w: int, k: int, r: int, s: int, *, stride=(1, 1),
               pad=(0, 0), groups: int = 1, batch: int = 1) -> dict:
    """A conv layer entry with only the keys that differ from the reader's defaults."""
    out: dict[str, Any] = {"name": name, "kind": "conv", "in_channels": c,
                           "in_size": h if h == w else [h, w], "out_channels": k,
                           "kernel": r if r == s else [r, s]}
    if stride != (1, 1):
        out["stride"] = stride[0] if stride[0] == stride[1] else list(stride)
    if pad != (0, 0) or (r, s) != (1, 1):
        out["padding"] = pad[0] if pad[0] == pad[1] else list(pad)
    if groups != 1:
        out["groups"] = groups
    if batch != 1:
        out["batch"] = batch
    return out
