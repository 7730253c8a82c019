"""Helpers shared by the datapath tests: bundled archs with changed parameters, and traces."""
import dataclasses
from pathlib import Path

import numpy as np

from accelsim.spec.arch import load_arch
from accelsim.spec.workload import Values, load_workload
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


def all_ones(act_bits: int = 8, wgt_bits: int = 8):
    """The tiny layers without padding (a padded border brick is all zero) and with every
    activation and weight at all ones (unsigned activations, weights -(2^(b-1) - 1)), so every
    term count is at its maximum."""
    w = load_workload(ROOT / "tests/data/tiny.yaml")
    out = []
    for i, l in enumerate(w.layers):
        l = dataclasses.replace(l, shape=dataclasses.replace(l.shape, pad_h=0, pad_w=0),
                                act_bits=act_bits, wgt_bits=wgt_bits, act=Values(dist="relu_normal"))
        t = build_trace(l, w, i)
        out.append(dataclasses.replace(
            t, act=dataclasses.replace(t.act, codes=np.full_like(t.act.codes, (1 << act_bits) - 1)),
            wgt=dataclasses.replace(t.wgt, codes=np.full_like(t.wgt.codes, 1 - (1 << (wgt_bits - 1))))))
    return out
