"""A derived workload: ``base:`` (another workload file), ``set:`` (keys for every layer) and
``overrides:`` (keys per layer name) resolved into one plain workload mapping.

A derived workload reuses a network's layer shapes with other precisions or densities, e.g.
ResNet-50 at 8 bits, or a pruned AlexNet, without copying the shapes. Bases may themselves derive
from a base (up to 8 deep).
"""
from __future__ import annotations

import difflib
from pathlib import Path

from accelsim import bundled
from accelsim.errors import SpecError
from accelsim.spec.reader import load_yaml

MAX_DEPTH = 8
SYNTHETIC_KEYS = ("dist", "density", "dof", "range_bits")     # what a file's values ignore


def derive(data, path: Path, depth: int = 0):
    """``data`` (a parsed workload file at ``path``) with its base, set: and overrides: applied;
    a file without ``base:`` is returned as it is."""
    file = str(path)
    if not isinstance(data, dict) or "base" not in data:
        for key in ("set", "overrides"):
            if isinstance(data, dict) and key in data:
                raise SpecError(file, key, message="only allowed together with 'base'")
        return data
    if depth > MAX_DEPTH:
        raise SpecError(file, "base", message="base files nest too deeply (a cycle?)")
    base_name = data["base"]
    if not isinstance(base_name, str) or not base_name or "\x00" in base_name:
        raise SpecError(file, "base", "a workload file name", base_name)
    if "layers" in data:
        # The base's layers would silently replace these (or these the base's): say which wins.
        raise SpecError(file, "layers", message="not allowed together with 'base' (change the "
                        "base's layers with 'set:' or 'overrides:', or drop 'base:')")
    merged = _base(base_name, path, depth)
    layers = [dict(l) if isinstance(l, dict) else l for l in merged["layers"]]
    merged.update({k: v for k, v in data.items() if k not in ("base", "set", "overrides")})
    common, per_layer = _updates(data, file, base_name, layers)
    for layer in layers:
        if isinstance(layer, dict):
            name = layer.get("name")
            _apply(layer, common, file, "set")
            _apply(layer, per_layer.get(name, {}), file, f"overrides.{name}")
    merged["layers"] = layers
    return merged


def _base(base_name: str, path: Path, depth: int) -> dict:
    """The base file's own derived mapping (a copy this file may change)."""
    file = str(path)
    base_path = bundled.beside("workload", base_name, path.parent)
    if base_path is None:
        raise SpecError(file, "base", message=f"file not found: {base_name} (nor a bundled workload "
                        "of that name)" if not bundled.looks_like_path(base_name) else
                        f"file not found: {base_name}")
    base_data = load_yaml(base_path)
    if not isinstance(base_data, dict) or not isinstance(base_data.get("layers", base_data.get("base")),
                                                         (list, str)):
        got = "an empty file" if base_data is None else base_data
        raise SpecError(file, "base", f"a workload file (a mapping with 'layers:'): {base_name} is "
                        "not one", got)
    merged = dict(derive(base_data, base_path, depth + 1))
    if not isinstance(merged.get("layers"), list):
        raise SpecError(str(base_path), "layers", "a list of layers", merged.get("layers"))
    return merged


def _updates(data: dict, file: str, base_name: str, layers: list) -> tuple[dict, dict]:
    """The ``set:`` mapping and the ``overrides:`` mapping, checked against the base's layers."""
    common = data.get("set") or {}
    if not isinstance(common, dict):
        raise SpecError(file, "set", "a mapping of layer keys", common)
    per_layer = data.get("overrides") or {}
    if not isinstance(per_layer, dict):
        raise SpecError(file, "overrides", "a mapping from layer name to layer keys", per_layer)
    names = [l.get("name") for l in layers if isinstance(l, dict)]
    for name, keys in per_layer.items():
        if name not in names:
            close = difflib.get_close_matches(str(name), [str(n) for n in names], n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise SpecError(file, f"overrides.{name}", message=f"no layer of that name in {base_name}{hint}")
        if not isinstance(keys, dict):
            raise SpecError(file, f"overrides.{name}", "a mapping of layer keys", keys)
    return common, per_layer


def _apply(layer: dict, update: dict, file: str, where: str) -> None:
    """``update``'s keys onto ``layer`` in place; an operand mapping (act, wgt) is merged key by key."""
    for key, value in update.items():
        _no_model_for_file(file, f"{where}.{key}", layer, key, value)
        if key in ("act", "wgt") and isinstance(value, dict) and isinstance(layer.get(key), dict):
            layer[key] = {**layer[key], **value}
        else:
            layer[key] = value


def _no_model_for_file(file: str, where: str, layer: dict, key: str, value) -> None:
    """A value model set on an operand read from a file would be ignored (the file's values are
    used): a sweep of act.density over a captured workload reported densities it never had."""
    if key not in ("act", "wgt") or not isinstance(value, dict):
        return
    given = [k for k in SYNTHETIC_KEYS if k in value]
    old = layer.get(key)
    filed = "file" in value or (isinstance(old, dict) and "file" in old)
    if given and filed:
        raise SpecError(file, f"{where}.{given[0]}", message=f"layer {layer.get('name')}'s {key} values "
                        "come from a file, which this setting would not change; set it only on "
                        "synthetic operands (overrides: by layer name)")
