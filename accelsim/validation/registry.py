"""The registry of published targets, and a runner that shares simulations between them.

Each family module in this package defines ``TARGETS``: a list of :class:`Target`. A target names
the published value, the tolerance it is checked with, and a ``measure`` function that computes
the simulated value from (cached) simulations; ``details`` are per-network figures it also prints.
"""
from __future__ import annotations

import importlib
import math
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping

from accelsim import bundled
from accelsim.engine.simulate import simulate
from accelsim.results.result import Result
from accelsim.spec.arch import load_arch
from accelsim.spec.workload import load_workload



@dataclass(frozen=True)
class Measured:
    value: float
    details: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Target:
    design: str
    metric: str
    published: float
    tolerance: float                 # relative: |sim - published| <= tolerance * published
    config: str                      # the configuration the published figure needs
    source: str
    measure: Callable[["Runner"], Measured]
    # What an energy figure covers, as the paper measured it: "datapath" (arithmetic, registers,
    # clock, wires), "on-chip" (+ buffers) or "with DRAM"; "" for speed and area targets.
    scope: str = ""

    def check(self, measured: Measured) -> bool:
        return abs(measured.value - self.published) <= self.tolerance * abs(self.published)


class Runner:
    """Simulates (arch file, workload file) pairs once and hands out the Results."""

    def __init__(self, root: Path | None = None, progress: Callable[[str], None] | None = None):
        # The bundled configs wherever they are: a checkout's top-level folders or the wheel's copy.
        self.root = bundled.data_root() if root is None else root
        self.progress = progress
        self._cache: dict[tuple[str, str], Result] = {}

    def result(self, arch: str, workload: str) -> Result:
        key = (arch, workload)
        if key not in self._cache:
            if self.progress:
                self.progress(f"simulating {Path(arch).stem} on {Path(workload).stem}")
            self._cache[key] = simulate(load_arch(self.root / arch), load_workload(self.root / workload))
        return self._cache[key]

    def speedup(self, arch: str, base: str, workload: str) -> float:
        return self.result(base, workload).seconds / self.result(arch, workload).seconds

    def efficiency(self, arch: str, base: str, workload: str, scope: str = "with DRAM") -> float:
        return (scoped_joules(self.result(base, workload), scope)
                / scoped_joules(self.result(arch, workload), scope))

    def area_ratio(self, arch: str, base: str, workload: str) -> float:
        return self.result(arch, workload).area_m2 / self.result(base, workload).area_m2


ENERGY_SCOPES = ("datapath", "on-chip", "with DRAM")
MEMORIES = ("weights", "activations", "outputs", "dram")
# Leakage is one component over every part, buffers included: outside the datapath scope
# (arithmetic, registers, clock tree, wires), as formats.scoped_energy and the README define it.
OUTSIDE_DATAPATH = (*MEMORIES, "leakage")


def scoped_joules(result: Result, scope: str) -> float:
    """A result's joules within an energy scope (ENERGY_SCOPES)."""
    if scope not in ENERGY_SCOPES:
        raise ValueError(f"energy scope must be one of {ENERGY_SCOPES}, got {scope!r}")
    by = result.energy_by_component()
    drop = {"datapath": OUTSIDE_DATAPATH, "on-chip": ("dram",), "with DRAM": ()}[scope]
    return sum(v for k, v in by.items() if k not in drop)


def geomean(values) -> float:
    values = list(values)
    return math.exp(sum(math.log(v) for v in values) / len(values))


def targets() -> list[Target]:
    import accelsim.validation as pkg
    out: list[Target] = []
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if info.name != "registry":
            out.extend(importlib.import_module(f"accelsim.validation.{info.name}").TARGETS)
    return out
