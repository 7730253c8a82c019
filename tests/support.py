"""Helpers shared by the datapath tests: bundled archs with changed parameters, and traces."""
import dataclasses
from pathlib import Path

from accelsim.spec.arch import load_arch
from accelsim.spec.workload import load_workload
from accelsim.workload.trace import build_trace

ROOT = Path(__file__).resolve().parents[1]


def arch(name: str, **params):
    """A bundled arch config with some datapath parameters replaced."""
    a = load_arch(ROOT / f"arch_configs/{name}.yaml")
    if params:
        a = dataclasses.replace(a, datapath=dataclasses.replace(
            a.datapath, params=dataclasses.replace(a.datapath.params, **params)))
    return a


def cycles(a, trace) -> int:
    return int(a.build().run(trace).compute_cycles.sum())


def tiny_traces(**overrides):
    """Every layer of tests/data/tiny.yaml, with layer fields replaced (e.g. act_bits=16)."""
    w = load_workload(ROOT / "tests/data/tiny.yaml")
    w = dataclasses.replace(w, layers=tuple(dataclasses.replace(l, **overrides) for l in w.layers))
    return [build_trace(l, w, i) for i, l in enumerate(w.layers)]
