"""Expand a SweepSpec into points: each one arch, one workload and its baseline, with a content id.

The id hashes what the point simulates (the validated Arch, Workload and baseline, not file
names), so a re-run of the same sweep finds its finished points in the store, and editing a value
in the sweep or an input file gives the changed points new ids.
"""
from __future__ import annotations

import dataclasses
import hashlib
import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accelsim.errors import SpecError
from accelsim.spec.arch import Arch
from accelsim.spec.sweep import (FILE_AXES, SweepSpec, arch_at, baseline_at, workload_at,
                                 workload_settings)
from accelsim.spec.workload import Workload, load_workload


@dataclass(frozen=True)
class Point:
    index: int
    id: str
    values: tuple[tuple[str, Any], ...]   # axis key -> the value its column shows
    design: str                           # label of the point's non-workload values
    arch: Arch
    workload: Workload
    baseline: Arch | None


def expand(spec: SweepSpec) -> list[Point]:
    dims = spec.dimensions
    keys = [a.key for dim in dims for a in dim]
    combos = (sum(parts, ()) for parts in itertools.product(*(list(zip(*(a.values for a in dim)))
                                                              for dim in dims)))
    shown = _label_keys(dims)
    names = _file_labels(spec)
    workloads: dict[tuple, Workload] = {}
    _, fixed_work = workload_settings(spec.fixed)
    # A baseline file is one arch for every point: build it once.
    shared = baseline_at(spec, spec.arch, ()) if spec.baseline is not None else None
    points: list[Point] = []
    seen: dict[str, int] = {}
    digests: dict = {}
    for index, combo in enumerate(combos):
        chosen = dict(zip(keys, combo))
        arch_file = chosen.get("arch", spec.arch)
        wl_file = chosen.get("workload", spec.workload)
        settings, work_settings = workload_settings(
            tuple((k, v) for k, v in chosen.items() if k not in FILE_AXES))
        wl_key = (wl_file, fixed_work + work_settings)
        if wl_key not in workloads:
            workloads[wl_key] = _workload(spec, wl_file, fixed_work + work_settings)
        workload = workloads[wl_key]
        arch = arch_at(spec, arch_file, settings)
        baseline = shared if spec.baseline is not None else baseline_at(spec, arch_file, settings)
        values = tuple((k, names[k][v] if k in names else _shown(k, v)) for k, v in chosen.items())
        pid = point_id(values, arch, workload, baseline, digests)
        if pid in seen:
            raise SpecError(spec.file, "axes", message=f"points {seen[pid]} and {index} are the same "
                            f"({', '.join(f'{k}={v}' for k, v in values)}); remove the repeated value")
        seen[pid] = index
        points.append(Point(index, pid, values, design_label([kv for kv in values if kv[0] in shown], arch), arch, workload, baseline))
    return points


def _workload(spec: SweepSpec, path: Path, settings) -> Workload:
    workload = workload_at(spec, path, settings) if settings else load_workload(path)
    if not spec.layers:
        return workload
    try:
        return workload.select(list(spec.layers))
    except SpecError as err:
        raise SpecError(spec.file, "layers", message=f"{path.name}: {err.message}") from None


def _file_labels(spec: SweepSpec) -> dict[str, dict[Path, str]]:
    """Per file axis, the label of each file: its ``name:``, or, when two files of the axis share
    a name (a copied arch with one value changed, two ONNX imports of one graph), every file's stem,
    so their results are never merged under one label. Two files that share a stem too are refused:
    a label must tell the files apart."""
    from accelsim.spec.reader import load_yaml
    out = {}
    for axis in spec.axes:
        if axis.key not in FILE_AXES:
            continue
        named = {}
        for path in axis.values:
            data = load_yaml(path)
            name = data.get("name") if isinstance(data, dict) else None
            named[path] = name if isinstance(name, str) and name else path.stem
        labels = dict(named)
        if len(set(named.values())) < len(named):
            labels = {path: path.stem for path in axis.values}
            if len(set(labels.values())) < len(labels):
                a, b = _first_clash(labels)
                raise SpecError(spec.file, f"axes.{axis.key}", message=f"{a} and {b} have the same "
                                f"name '{named[a]}' and file stem; rename one (results are keyed "
                                "by name)")
        out[axis.key] = labels
    return out


def _first_clash(labels: dict[Path, str]) -> tuple[Path, Path]:
    seen: dict[str, Path] = {}
    for path, label in labels.items():
        if label in seen:
            return seen[label], path
        seen[label] = path
    raise AssertionError("no clash")


def _shown(key: str, value: Any) -> Any:
    """A column-friendly form: text for list values."""
    if isinstance(value, tuple):
        return "[" + ", ".join(map(str, value)) + "]"
    return value


def _label_keys(dims) -> set[str]:
    """Keys a design label shows: per dimension, the first axis whose values tell its points
    apart (a zip partner such as a DRAM's bandwidth beside its type adds nothing), else all."""
    keys = set()
    for dim in dims:
        unique = [a.key for a in dim if len(set(map(repr, a.values))) == len(a.values)]
        keys.update(unique[:1] or [a.key for a in dim])
    return keys


def design_label(values, arch: Arch) -> str:
    """``group_size=16, type=HBM2``: the last segment of each key (the whole key when two axes
    share it); the design of a sweep with no arch axes is the arch's name."""
    values = [(k, v) for k, v in values if k != "workload"]
    if not values:
        return arch.name
    last = [k.rsplit(".", 1)[-1] for k, _ in values]
    parts = [str(v) if k == "arch" else f"{short if last.count(short) == 1 else k}={v}"
             for (k, v), short in zip(values, last)]
    return ", ".join(parts)


def point_id(values, arch: Arch, workload: Workload, baseline: Arch | None,
             digests: dict | None = None) -> str:
    """A content id: tensor files count by their bytes, not by how their path is spelled, so a
    workload naming ``./w.npz`` or ``sub/../w.npz`` finds the points it already has.
    ``digests`` caches file hashes across the points of one expansion."""
    from accelsim import __version__
    digests = {} if digests is None else digests
    layers = tuple(dataclasses.replace(l, act=_by_content(l.act, digests), wgt=_by_content(l.wgt, digests))
                   for l in workload.layers)
    content = (values, dataclasses.replace(arch, file=""),
               dataclasses.replace(workload, file="", notes="", layers=layers),
               dataclasses.replace(baseline, file="") if baseline is not None else None, __version__)
    return hashlib.blake2b(repr(content).encode(), digest_size=10).hexdigest()


def _by_content(values, digests: dict):
    if values.file is None:
        return values
    path = Path(values.file).resolve()
    stat = path.stat()
    stamp = (str(path), stat.st_size, stat.st_mtime_ns)
    if stamp not in digests:
        h = hashlib.blake2b(digest_size=16)
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        digests[stamp] = h.hexdigest()
    return dataclasses.replace(values, file=Path(f"blake2b:{digests[stamp]}"))
