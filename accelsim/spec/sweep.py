"""Sweep YAML -> frozen SweepSpec, and the architecture at one point of a sweep.

```yaml
name: dstripes-space
arch: ../dstripes.yaml                  # base architecture; paths are relative to this file
workload: ../../workloads/alexnet.yaml  # base workload
layers: [conv2, conv3]                  # optional: simulate only these layers
baseline: ../dadn.yaml                  # speedup and efficiency against this arch, run on each
                                        # point's workload; or a mapping of settings applied to
                                        # each point's own arch, e.g. {datapath.params.registers: 0}
mode: grid                              # grid: every combination | zip: the i-th values together
axes:
  datapath.params.group_size: [16, 32, 64]   # any arch key, by dotted path
  memory.dram.type: [DDR4, HBM2]
  workload: [../../workloads/alexnet.yaml, ../../workloads/vgg_m.yaml]   # files as an axis
  arch: [../stripes.yaml, ../dstripes.yaml]                              # so are base archs
```

A point's arch is the base arch YAML with the point's values written at their dotted paths,
rebuilt with ``arch_from_dict``, so every point is validated exactly like a user's file. An
invalid value is reported against the sweep file and the axis key.
"""
from __future__ import annotations

import copy
import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accelsim.errors import SpecError
from accelsim.spec.arch import Arch, arch_from_dict, load_arch
from accelsim.spec.reader import Reader, load_yaml

FILE_AXES = ("arch", "workload")     # axes whose values are files rather than arch keys
MODES = ("grid", "zip")

Setting = tuple[str, Any]            # (dotted key, YAML scalar or tuple of scalars)


@dataclass(frozen=True)
class Axis:
    key: str                         # dotted arch key, or "arch" / "workload"
    values: tuple                    # scalars, tuples of scalars, or Paths for file axes


@dataclass(frozen=True)
class SweepSpec:
    name: str
    file: str
    arch: Path                       # the base arch (the first value of an ``arch`` axis wins)
    workload: Path | None            # None when ``workload`` is an axis
    layers: tuple[str, ...]          # empty: every layer
    baseline: Path | None            # an arch file ...
    baseline_set: tuple[Setting, ...]   # ... or settings applied to each point's own arch
    mode: str
    axes: tuple[Axis, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(a.key for a in self.axes)


def load_sweep_spec(path: str | Path) -> SweepSpec:
    path = Path(path)
    return sweep_from_dict(load_yaml(path), str(path), path.parent)


def sweep_from_dict(data: Any, file: str, folder: Path) -> SweepSpec:
    """Read a sweep mapping; relative file names are taken from ``folder``."""
    top = Reader(data, file)
    name = top.string("name", Path(file).stem)
    axes_r = top.sub("axes")
    axes = tuple(_read_axis(axes_r, str(key), folder) for key in axes_r.data)
    if not axes:
        raise SpecError(file, "axes", "at least one axis (dotted key: [values])", "an empty mapping")
    keys = {a.key for a in axes}
    arch = _file(top, "arch", folder, required="arch" not in keys)
    workload = _file(top, "workload", folder, required="workload" not in keys)
    if arch is None:
        arch = next(a.values[0] for a in axes if a.key == "arch")
    layers = tuple(str(x) for x in top.list("layers", []))
    mode = top.choice("mode", MODES, "grid")
    baseline, baseline_set = None, ()
    if top.has("baseline"):
        raw = top.raw("baseline")
        if isinstance(raw, str):
            baseline = _file(top, "baseline", folder, required=True)
        elif isinstance(raw, dict) and raw:
            baseline_set = tuple((str(k), _value(v, file, f"baseline.{k}")) for k, v in raw.items())
        else:
            raise top.error("baseline", "an arch file name or a mapping of dotted keys to values", raw)
    top.done()
    if mode == "zip" and len({len(a.values) for a in axes}) > 1:
        lengths = ", ".join(f"{a.key}: {len(a.values)}" for a in axes)
        raise SpecError(file, "axes", "axes of equal length in zip mode", lengths)
    spec = SweepSpec(name, file, arch, workload, layers, baseline, baseline_set, mode, axes)
    paths = [(f"axes.{a.key}", a.key) for a in axes if a.key not in FILE_AXES]
    paths += [(f"baseline.{k}", k) for k, _ in baseline_set]
    for arch_file in _arch_files(spec):
        data = _arch_data(arch_file)
        for where, key in paths:
            _locate(data, key, file, where, arch_file)
    return spec


def _arch_files(spec: SweepSpec) -> tuple[Path, ...]:
    for a in spec.axes:
        if a.key == "arch":
            return a.values
    return (spec.arch,)


def _file(top: Reader, key: str, folder: Path, required: bool) -> Path | None:
    if not required and not top.has(key):
        top.known(key)
        return None
    name = top.string(key)
    path = folder / name
    if not path.is_file():
        raise SpecError(top.file, key, message=f"file not found: {name}")
    return path


def _read_axis(axes: Reader, key: str, folder: Path) -> Axis:
    values = axes.list(key)
    if not values:
        raise axes.error(key, "a non-empty list of values", values)
    if key in FILE_AXES:
        paths = []
        for i, v in enumerate(values):
            if not isinstance(v, str) or not (folder / v).is_file():
                raise SpecError(axes.file, f"axes.{key}[{i}]", f"an existing {key} file", v)
            paths.append(folder / v)
        return Axis(key, tuple(paths))
    if not all(part for part in key.split(".")):
        raise SpecError(axes.file, f"axes.{key}", message="expected a dotted key like memory.dram.type")
    return Axis(key, tuple(_value(v, axes.file, f"axes.{key}[{i}]") for i, v in enumerate(values)))


def _value(v: Any, file: str, key: str) -> Any:
    """Axis values are YAML scalars or lists of scalars (a tuple parameter), kept immutable."""
    if isinstance(v, list) and all(not isinstance(x, (list, dict)) for x in v):
        return tuple(v)
    if isinstance(v, (list, dict)):
        raise SpecError(file, key, "a scalar or a list of scalars", v)
    return v


_RAW: dict[tuple[str, int], Any] = {}


def _arch_data(path: Path) -> Any:
    """The parsed arch YAML (validated once as a file of its own), cached by path and mtime."""
    stamp = (str(path.resolve()), path.stat().st_mtime_ns)
    if stamp not in _RAW:
        load_arch(path)              # errors in the base file name the base file
        _RAW[stamp] = load_yaml(path)
    return _RAW[stamp]


def _locate(data: Any, key: str, file: str, where: str, arch_file: Path) -> tuple[Any, str | int]:
    """The container holding the last segment of ``key`` and that segment (int for lists)."""
    parts = key.split(".")
    node = data
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if isinstance(node, list):
            if not part.isdigit() or int(part) >= len(node):
                raise SpecError(file, where, message=f"'{'.'.join(parts[:depth])}' in {arch_file.name} "
                                f"is a list of {len(node)}; expected an index, got '{part}'")
            index: str | int = int(part)
        elif isinstance(node, dict):
            index = part
            if part not in node and not last:
                close = difflib.get_close_matches(part, [str(k) for k in node], n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                prefix = ".".join(parts[:depth]) or "the top level"
                raise SpecError(file, where, message=f"no key '{part}' under {prefix} in "
                                f"{arch_file.name}{hint}")
        else:
            raise SpecError(file, where, message=f"'{'.'.join(parts[:depth])}' in {arch_file.name} "
                            f"is a value, not a mapping")
        if last:
            return node, index
        node = node[index]
    raise AssertionError("unreachable: a key has at least one segment")


def arch_at(spec: SweepSpec, arch_file: Path, settings: tuple[Setting, ...]) -> Arch:
    """The arch of ``arch_file`` with ``settings`` written at their dotted paths, validated.

    An invalid value raises a SpecError naming the sweep file and the axis key it came from."""
    data = copy.deepcopy(_arch_data(arch_file))
    where = {key: f"axes.{key}" for key, _ in settings}
    where.update({key: f"baseline.{key}" for key, _ in spec.baseline_set})
    for key, value in settings:
        node, index = _locate(data, key, spec.file, where[key], arch_file)
        node[index] = list(value) if isinstance(value, tuple) else value
    try:
        return arch_from_dict(data, str(arch_file))
    except SpecError as err:
        key = next((k for k, _ in settings if err.key == k or err.key.startswith(k + ".")), None)
        if key is not None:
            raise SpecError(spec.file, where[key], message=err.message) from None
        point = ", ".join(f"{k}={v}" for k, v in settings)
        raise SpecError(spec.file, "axes", message=f"at point {point}: {arch_file.name}: "
                        f"{err.key}: {err.message}") from None
