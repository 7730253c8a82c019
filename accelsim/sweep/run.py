"""Run a sweep's points (in this process, or through ``executors``), storing each as it finishes.

A Worker keeps two caches across the points it runs (one per worker process, or one per sweep run
in the calling process, so nothing stays filled in the caller after the sweep):

* built traces, keyed by (workload seed, layer spec): a trace is a pure function of those, and
  building synthetic operands dominates for large FC layers. The cache is an LRU bounded by the
  bytes of the arrays it holds (TRACE_BUDGET per worker);
* baseline results, keyed by (baseline arch, workload), since every point of a sweep usually
  shares its baseline.

Inside one point, ``simulate`` runs each distinct layer (same shape, precisions and operands)
once; the outcome counts those reuses and the baseline reuses so the CLI can report them.
"""
from __future__ import annotations

import contextlib
import ctypes
import functools
import os
import sys
import time
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Mapping

import numpy as np
import pandas as pd

from accelsim.engine.simulate import simulate
from accelsim.errors import SpecError
from accelsim.results.result import Result
from accelsim.spec.sweep import FILE_AXES, SweepSpec, load_sweep_spec, sweep_from_dict
from accelsim.sweep import executors
from accelsim.sweep.points import Point, expand
from accelsim.sweep.store import Store
from accelsim.workload.trace import build_trace

TRACE_BUDGET = 3 << 30       # bytes of trace arrays one worker keeps
BASELINES_KEPT = 64


class TraceCache:
    """An LRU of built traces, usable as ``simulate(..., traces=cache)``."""

    def __init__(self, budget: int = TRACE_BUDGET):
        self.budget = budget
        self._items: OrderedDict = OrderedDict()
        self.hits = self.misses = 0

    def __call__(self, layer, workload, index: int):
        key = (workload.seed, layer, file_stamps(layer))
        trace = self._items.get(key)
        if trace is not None:
            self._items.move_to_end(key)
            self.hits += 1
            return trace
        self.misses += 1
        trace = build_trace(layer, workload, index)
        self._items[key] = trace
        self._evict()
        return trace

    def _evict(self) -> None:
        # Sizes are taken now rather than at insertion: im2col views cached on a trace grow it.
        sizes = {k: _nbytes(t) for k, t in self._items.items()}
        total = sum(sizes.values())
        while total > self.budget and len(self._items) > 1:
            key, _ = self._items.popitem(last=False)
            total -= sizes[key]


def file_stamps(layer) -> tuple:
    """Path, size and modification time of the layer's tensor files: a Dask worker outlives a
    sweep, and a file rewritten between two sweeps must not be served from the cache."""
    out = []
    for values in (layer.act, layer.wgt):
        if values.file is not None:
            st = Path(values.file).stat()
            out.append((str(values.file), st.st_size, st.st_mtime_ns))
    return tuple(out)


def _nbytes(trace) -> int:
    arrays = [trace.act.codes, trace.wgt.codes, *vars(trace).values()]
    return sum(a.nbytes for a in arrays if isinstance(a, np.ndarray))


class Worker:
    """What one worker keeps across the points it runs: the trace cache and recent baselines.

    A sweep run in this process uses a Worker of its own, dropped with its caches when the sweep
    ends; a pool or Dask worker process keeps one for its lifetime (``run_point``)."""

    def __init__(self, trace_budget: int = TRACE_BUDGET):
        self.traces = TraceCache(trace_budget)
        self.baselines: OrderedDict = OrderedDict()

    def baseline(self, arch, workload) -> tuple[Result, bool]:
        key = (arch, workload.seed, workload.layers, tuple(map(file_stamps, workload.layers)))
        if key in self.baselines:
            self.baselines.move_to_end(key)
            return self.baselines[key], True
        result = simulate(arch, workload, traces=self.traces)
        self.baselines[key] = result
        while len(self.baselines) > BASELINES_KEPT:
            self.baselines.popitem(last=False)
        return result, False


_PROCESS_WORKER: Worker | None = None   # a pool / Dask worker process's own, made on first use


@dataclass(frozen=True)
class Outcome:
    id: str
    frame: pd.DataFrame | None
    simulated: int               # layer simulations run (design + baseline)
    reused: int                  # layer results reused: identical layers, cached baseline
    baseline_cached: bool
    seconds: float
    error: tuple[str, str, str] | None = None    # a SpecError's (file, key, message)


@functools.cache
def _tune_allocator() -> None:
    """Let glibc keep large freed blocks for reuse when MALLOC_TRIM_THRESHOLD_ is set.

    Dask's nanny sets that variable for its workers, and setting it turns off glibc's adaptive
    mmap threshold: every array over 128 KiB is then a fresh mmap that page-faults on first use,
    which made each point ~1.5x slower here. Raising the mmap threshold to its 32 MiB maximum
    restores heap reuse for the per-layer temporaries; memory is still returned to the system
    past a 256 MiB free top of heap. Outside glibc this does nothing."""
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ or not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return
    libc.mallopt(-3, 32 << 20)     # M_MMAP_THRESHOLD
    libc.mallopt(-1, 256 << 20)    # M_TRIM_THRESHOLD


def run_point(point: Point, worker: Worker | None = None) -> Outcome:
    """Simulate one point (and its baseline) with ``worker``'s caches, by default those of this
    worker process. User errors come back as data because SpecError does not survive pickling."""
    global _PROCESS_WORKER
    if worker is None:
        worker = _PROCESS_WORKER = _PROCESS_WORKER or Worker()
    _tune_allocator()
    start = time.perf_counter()
    try:
        result = simulate(point.arch, point.workload, traces=worker.traces)
        n = len(result.layers)
        repeats = sum(l.reused for l in result.layers)
        simulated, reused, cached, base = n - repeats, repeats, False, None
        if point.baseline is not None:
            base, cached = worker.baseline(point.baseline, point.workload)
            base_repeats = sum(l.reused for l in base.layers)
            simulated += 0 if cached else n - base_repeats
            reused += n if cached else base_repeats
        frame = point_frame(point, result, base)
    except SpecError as err:
        return Outcome(point.id, None, 0, 0, False, time.perf_counter() - start,
                       (err.file, err.key, err.message))
    return Outcome(point.id, frame, simulated, reused, cached, time.perf_counter() - start)


def point_frame(point: Point, result: Result, baseline: Result | None) -> pd.DataFrame:
    """The point's rows of the tidy table (see ``store.load_sweep`` for the columns)."""
    df = result.per_layer()
    labels = dict(point.values)
    # arch / workload axes are the result's "arch" and "workload" columns, labelled as the sweep
    # labels them (the file stem when two files share a name); the files are in "*_file".
    for key in FILE_AXES:
        if key in labels:
            df[key] = labels[key]
    front = {"point": point.id, "point_index": point.index}
    front.update({k: v for k, v in point.values if k not in FILE_AXES})
    front["design"] = point.design
    for i, (col, value) in enumerate(front.items()):
        df.insert(i, col, value)
    df["datapath"] = result.datapath
    df["node_nm"], df["frequency_hz"] = result.node_nm, result.frequency_hz
    df["area_m2"] = result.area_m2
    for comp, m2 in result.area.items():
        df[f"area_{comp}_m2"] = m2
    if baseline is not None:
        by_name = {l.name: l for l in baseline.layers}
        base = [by_name[name] for name in df["layer"]]
        df["baseline"] = baseline.arch
        df["baseline_node_nm"], df["baseline_frequency_hz"] = baseline.node_nm, baseline.frequency_hz
        df["baseline_cycles"] = [l.cycles for l in base]
        df["baseline_seconds"] = [l.seconds for l in base]
        df["baseline_energy_J"] = [l.joules for l in base]
        df["baseline_area_m2"] = baseline.area_m2
        df["speedup"] = df["baseline_seconds"] / df["seconds"]
        df["energy_efficiency"] = df["baseline_energy_J"] / df["energy_J"]
    return df


def _in_process(todo: list[Point]) -> Iterator[Outcome]:
    worker = Worker()          # this sweep's caches, gone when it ends
    for point in todo:
        yield run_point(point, worker)


# -- the sweep -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Progress:
    done: int                    # points computed in this run so far
    total: int                   # points this run computes
    skipped: int                 # points already in the store
    elapsed: float               # seconds since the run started
    design: str
    workload: str


@dataclass(frozen=True)
class SweepReport:
    store: Path
    points: int
    skipped: int
    computed: int
    seconds: float
    layers_simulated: int
    layers_reused: int
    baselines_cached: int
    workers: str
    notes: tuple[str, ...] = ()      # one-line warnings (comparisons across nodes or clocks)


def run_sweep(spec: SweepSpec | str | Path | Mapping, store: str | Path | None = None, *,
              workers: int | None = None, scheduler: str | None = None,
              progress: Callable[[Progress], None] | None = None, folder: str | Path = ".") -> SweepReport:
    """Run every point of ``spec`` not yet in ``store`` and write each as it finishes.

    ``spec`` is a SweepSpec, a sweep YAML file, or a mapping in the same form (its relative file
    names are taken from ``folder``). ``store`` defaults to ``<sweep name>.sweep`` in the current
    directory. ``scheduler`` is the address of a running Dask scheduler; otherwise points run on
    ``workers`` local processes (default: one per core; 1 runs them in this process)."""
    if isinstance(spec, Mapping):
        spec = sweep_from_dict(dict(spec), "<sweep>", Path(folder))
    elif not isinstance(spec, SweepSpec):
        spec = load_sweep_spec(spec)
    start = time.perf_counter()
    points = expand(spec)
    box = Store.create(store if store is not None else f"{spec.name}.sweep", spec, points)
    with contextlib.closing(box):           # releases the store's lock however the run ends
        return _run(spec, points, box, workers, scheduler, progress, start)


def _run(spec, points, box, workers, scheduler, progress, start) -> SweepReport:
    finished = box.done()
    # Points of one workload together, so each worker's trace cache stays warm.
    todo = sorted((p for p in points if p.id not in finished), key=lambda p: (p.workload.name, p.index))
    if scheduler:
        outcomes, used = executors.dask(run_point, todo, scheduler), f"dask {scheduler}"
    else:
        n = max(1, min(workers or os.cpu_count() or 1, len(todo)))
        outcomes = _in_process(todo) if n == 1 else executors.local_pool(run_point, todo, n)
        used = f"{n} local process{'es' if n > 1 else ''}"
    by_id = {p.id: p for p in todo}
    done = simulated = reused = cached = 0
    with contextlib.closing(outcomes):      # stops the workers on an error or a signal
        for outcome in outcomes:
            if outcome.error is not None:
                # name the sweep and the point: the file in the error (e.g. a bundled workload
                # given act_bits 20 by an axis) does not hold the value at fault
                file, key, message = outcome.error
                point = ", ".join(f"{k}={v}" for k, v in by_id[outcome.id].values)
                where = ": ".join(p for p in (Path(file).name, key) if p)
                raise SpecError(spec.file, "", message=f"point {point}: {where}: {message}")
            try:
                box.write(outcome.id, outcome.frame)
            except OSError as exc:          # a full disk, a lost mount: finished points stay
                raise SpecError(str(box.path), "", message=f"cannot write a point: "
                                f"{exc.strerror or exc}; {len(finished) + done} points are saved, "
                                "run the sweep again to compute the rest") from None
            done += 1
            simulated, reused = simulated + outcome.simulated, reused + outcome.reused
            cached += outcome.baseline_cached
            if progress is not None:
                p = by_id[outcome.id]
                progress(Progress(done, len(todo), len(points) - len(todo),
                                  time.perf_counter() - start, p.design, p.workload.name))
    return SweepReport(box.path, len(points), len(points) - len(todo), done,
                       time.perf_counter() - start, simulated, reused, cached, used,
                       _mismatches(points))


def _mismatches(points: list[Point]) -> tuple[str, ...]:
    """One line when points are compared with a baseline on another node or clock."""
    odd = [p for p in points if p.baseline is not None and (
        p.arch.technology.node_nm != p.baseline.technology.node_nm
        or p.arch.clock.frequency_hz != p.baseline.clock.frequency_hz)]
    if not odd:
        return ()
    p = odd[0]
    return (f"{len(odd)} of {len(points)} points differ from their baseline in technology node or "
            f"clock (e.g. {p.design}: {p.arch.technology.node_nm} nm, "
            f"{p.arch.clock.frequency_hz / 1e6:g} MHz vs {p.baseline.name}: "
            f"{p.baseline.technology.node_nm} nm, {p.baseline.clock.frequency_hz / 1e6:g} MHz); "
            "ratios include that difference (columns node_nm, baseline_node_nm)",)
