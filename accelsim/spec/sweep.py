"""Sweep YAML -> frozen SweepSpec, and the architecture at one point of a sweep.

```yaml
name: dstripes-space
arch: ../dstripes.yaml                  # base architecture; paths are relative to this file,
                                        # or bundled names (`accelsim list`), e.g. dstripes
workload: ../../workloads/alexnet.yaml  # base workload
layers: [conv2, conv3]                  # optional: simulate only these layers
set: {memory.weights_resident: fit}     # optional: settings every point shares
baseline: ../dadn.yaml                  # speedup and efficiency against this arch, run on each
                                        # point's workload. Or {arch: FILE, set: {key: value}}: that
                                        # file with settings; or {set: {...}} alone: each point's
                                        # own arch with those settings (e.g. registers: 0)
mode: grid                              # grid: every combination | zip: the i-th values together
zip: [[memory.dram.type, memory.dram.bandwidth_gb_s]]   # grid mode: axes that advance together
axes:
  datapath.params.group_size: [16, 32, 64]   # any arch key, by dotted path
  memory.dram.type: [DDR4, HBM2]
  workload.set.act_bits: [4, 8]              # a setting of every layer of the workload
  workload: [../../workloads/alexnet.yaml, ../../workloads/vgg_m.yaml]   # files as an axis
  arch: [../stripes.yaml, ../dstripes.yaml]                              # so are base archs
```

A point's arch is the base arch YAML with the point's values written at their dotted paths,
rebuilt with ``arch_from_dict``, so every point is validated exactly like a user's file. An
invalid value is reported against the sweep file and the axis key.
"""
from __future__ import annotations

import copy
import dataclasses
import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from accelsim import bundled
from accelsim.errors import SpecError
from accelsim.spec.arch import Arch, arch_from_dict, load_arch
from accelsim.spec.reader import Reader, load_yaml
from accelsim.spec.workload import Workload, workload_from_dict

FILE_AXES = ("arch", "workload")     # axes whose values are files rather than arch keys
WORKLOAD_KEY = "workload.set."       # axes on every layer of the workload (e.g. workload.set.act_bits)
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
    arch: Path                       # the base arch (with an ``arch`` axis: its first value)
    workload: Path | None            # None when ``workload`` is an axis
    layers: tuple[str, ...]          # empty: every layer
    fixed: tuple[Setting, ...]       # ``set:``: settings every point shares
    baseline: Path | None            # an arch file, or None: each point's own arch ...
    baseline_set: tuple[Setting, ...]   # ... with these settings (no baseline: both empty)
    mode: str
    axes: tuple[Axis, ...]
    zip: tuple[tuple[str, ...], ...] = ()   # groups of axis keys whose values go together
    # each arch file's parsed YAML, read (and validated) once when the sweep is read: the points
    # are edits of it. Owned by the spec, so it goes when the spec does.
    sources: Mapping[Path, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def dimensions(self) -> tuple[tuple[Axis, ...], ...]:
        """Axes grouped into the dimensions of the grid: a zip group is one dimension, every
        other axis its own; zip mode is a single dimension. In the order the axes are listed."""
        if self.mode == "zip":
            return (self.axes,)
        group_of = {k: g for g in self.zip for k in g}
        dims, taken = [], set()
        for a in self.axes:
            if a.key in taken:
                continue
            keys = group_of.get(a.key, (a.key,))
            taken.update(keys)
            dims.append(tuple(b for b in self.axes if b.key in keys))
        return tuple(dims)

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
    if "/" in name or "\\" in name or name in (".", ".."):
        # the default store is <name>.sweep in the current folder: '../x' wrote outside it
        raise top.error("name", "a name without '/' or '\\' (it names the results folder)", name)
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
    fixed = _settings(top, "set")
    mode = top.choice("mode", MODES, "grid")
    groups = _zip_groups(top, axes, mode)
    baseline, baseline_set = _baseline(top, folder)
    top.done()
    if mode == "zip" and len({len(a.values) for a in axes}) > 1:
        lengths = ", ".join(f"{a.key}: {len(a.values)}" for a in axes)
        raise SpecError(file, "axes", "axes of equal length in zip mode", lengths)
    spec = SweepSpec(name, file, arch, workload, layers, fixed, baseline, baseline_set, mode, axes,
                     groups)
    files = (*_arch_files(spec), *([baseline] if baseline is not None else []))
    spec = dataclasses.replace(spec, sources={f: _arch_data(f) for f in files})
    paths = [(f"axes.{a.key}", a.key) for a in axes if a.key not in FILE_AXES and not is_workload_key(a.key)]
    paths += [(f"set.{k}", k) for k, _ in fixed if not is_workload_key(k)]
    own = [(f"baseline.set.{k}", k) for k, _ in baseline_set]
    for arch_file in _arch_files(spec):
        for where, key in paths + own * (baseline is None):
            _locate(spec.sources[arch_file], key, file, where, arch_file)
    for where, key in own * (baseline is not None):
        _locate(spec.sources[baseline], key, file, where, baseline)
    return spec


def is_workload_key(key: str) -> bool:
    return key.startswith(WORKLOAD_KEY)


def workload_settings(settings: tuple[Setting, ...]) -> tuple[tuple[Setting, ...], tuple[Setting, ...]]:
    """(arch settings, workload settings) of a point."""
    return (tuple(kv for kv in settings if not is_workload_key(kv[0])),
            tuple(kv for kv in settings if is_workload_key(kv[0])))


def workload_at(spec: SweepSpec, path: Path, settings: tuple[Setting, ...]) -> Workload:
    """``path`` with ``workload.set.<layer key>`` settings applied to every layer (through the
    workload's own ``base:`` / ``set:`` derivation), validated like a user's file; an invalid
    value is reported against the sweep file and the setting's key."""
    common: dict = {}
    for key, value in settings:
        node = common
        parts = key[len(WORKLOAD_KEY):].split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = list(value) if isinstance(value, tuple) else value
    data = {"name": path.stem, "base": str(path.resolve()), "set": common}
    try:
        return workload_from_dict(data, path)
    except SpecError as err:
        layer_key = err.key.split(".", 1)[1] if err.key.startswith(("layers[", "set.")) else err.key
        match = next((k for k, _ in settings if layer_key.startswith(k[len(WORKLOAD_KEY):])), None)
        where = f"axes.{match}" if match else "axes"
        raise SpecError(spec.file, where, message=f"{path.name}: {err.key}: {err.message}") from None


def _baseline(top: Reader, folder: Path) -> tuple[Path | None, tuple[Setting, ...]]:
    if not top.has("baseline"):
        top.known("baseline")
        return None, ()
    raw = top.raw("baseline")
    if isinstance(raw, str):
        return _file(top, "baseline", folder, required=True), ()
    if not isinstance(raw, dict) or not ({"arch", "set"} & set(raw)):
        raise top.error("baseline", "an arch file name, or a mapping with 'arch' and/or 'set'", raw)
    r = top.sub("baseline")
    arch = _file(r, "arch", folder, required=False)
    settings = _settings(r, "set")
    r.done()
    return arch, settings


def _settings(top: Reader, key: str) -> tuple[Setting, ...]:
    r = top.sub(key, {})
    r.known(*map(str, r.data))
    return tuple((str(k), _value(v, top.file, r.key(str(k)))) for k, v in r.data.items())


def _zip_groups(top: Reader, axes: tuple[Axis, ...], mode: str) -> tuple[tuple[str, ...], ...]:
    if not top.has("zip"):
        top.known("zip")
        return ()
    if mode == "zip":
        raise SpecError(top.file, "zip", message="only used in grid mode (zip mode zips every axis)")
    lengths = {a.key: len(a.values) for a in axes}
    groups, seen = [], set()
    for i, group in enumerate(top.list("zip")):
        where = f"zip[{i}]"
        if not isinstance(group, list) or len(group) < 2:
            raise SpecError(top.file, where, "a list of two or more axis keys", group)
        for key in group:
            if key not in lengths:
                raise SpecError(top.file, where, f"keys of axes ({', '.join(lengths)})", key)
            if key in seen:
                raise SpecError(top.file, where, message=f"'{key}' is already in another zip group")
            seen.add(key)
        if len({lengths[k] for k in group}) > 1:
            raise SpecError(top.file, where, "axes of equal length",
                            ", ".join(f"{k}: {lengths[k]}" for k in group))
        groups.append(tuple(group))
    return tuple(groups)


def _arch_files(spec: SweepSpec) -> tuple[Path, ...]:
    for a in spec.axes:
        if a.key == "arch":
            return a.values
    return (spec.arch,)


def _file(r: Reader, key: str, folder: Path, required: bool) -> Path | None:
    if not required and not r.has(key):
        r.known(key)
        return None
    name = r.string(key)
    path = bundled.beside("workload" if key == "workload" else "arch", name, folder)
    if path is None:
        raise SpecError(r.file, r.key(key), message=f"file not found: {name}")
    return path


def _read_axis(axes: Reader, key: str, folder: Path) -> Axis:
    values = axes.list(key)
    if not values:
        raise axes.error(key, "a non-empty list of values", values)
    if key in FILE_AXES:
        paths = []
        for i, v in enumerate(values):
            path = bundled.beside(key, v, folder) if isinstance(v, str) else None
            if path is None:
                raise SpecError(axes.file, f"axes.{key}[{i}]", f"an existing {key} file or a bundled "
                                f"{key} name", v)
            paths.append(path)
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


def _arch_data(path: Path) -> Any:
    """The parsed arch YAML, validated first as a file of its own (so that an error in the base
    file names the base file)."""
    load_arch(path)
    return load_yaml(path)


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
    """A point's arch: ``arch_file`` with the sweep's ``set:`` and then the point's axis values
    written at their dotted paths, validated like a user's file."""
    return _edited(spec, arch_file, [("set", spec.fixed), ("axes", settings)])


def baseline_at(spec: SweepSpec, arch_file: Path, settings: tuple[Setting, ...]) -> Arch | None:
    """The baseline of the point ``arch_at(spec, arch_file, settings)``, None without one."""
    own = ("baseline.set", spec.baseline_set)
    if spec.baseline is not None:
        return _edited(spec, spec.baseline, [own])
    if spec.baseline_set:
        return _edited(spec, arch_file, [("set", spec.fixed), ("axes", settings), own])
    return None


def _edited(spec: SweepSpec, arch_file: Path, sections: list[tuple[str, tuple[Setting, ...]]]) -> Arch:
    """Settings applied in order (later ones win); an invalid value raises a SpecError naming the
    sweep file and the key it came from (``axes.<key>``, ``set.<key>``, ``baseline.set.<key>``)."""
    data = copy.deepcopy(spec.sources[arch_file])
    where: dict[str, str] = {}
    for section, pairs in sections:
        for key, value in pairs:
            if is_workload_key(key):
                continue                 # applies to the workload (workload_at), not the arch
            where[key] = f"{section}.{key}"
            node, index = _locate(data, key, spec.file, where[key], arch_file)
            node[index] = list(value) if isinstance(value, tuple) else value
    try:
        return arch_from_dict(data, str(arch_file))
    except SpecError as err:
        key = next((k for k in where if err.key == k or err.key.startswith(k + ".")), None)
        if key is not None:
            # with an arch axis, say which of its files the value does not fit
            which = f" (in {arch_file.name})" if len(_arch_files(spec)) > 1 else ""
            raise SpecError(spec.file, where[key], message=err.message + which) from None
        point = ", ".join(f"{k}={v}" for _, pairs in sections for k, v in pairs)
        raise SpecError(spec.file, "axes", message=f"at {point}: {arch_file.name}: "
                        f"{err.key}: {err.message}") from None
