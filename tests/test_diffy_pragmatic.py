"""Diffy on Bit-Pragmatic: exact outputs through the deltas' signed terms and the reconstruction
adders, Pragmatic's work wherever every delta is the activation itself, fewer cycles on smooth
maps, the same on FC layers, reconstruction adders counted and priced."""
import dataclasses

import numpy as np
import pytest

import accelsim
from accelsim import diffy
from support import ROOT, arch, tiny_traces


def _with_act(trace, codes):
    return dataclasses.replace(trace, act=dataclasses.replace(
        trace.act, codes=codes.astype(np.int32), signed=bool(codes.min() < 0)))


def _reshaped(trace, **shape):
    """The tiny trace's layer with other loop bounds and fresh weights of the right shape."""
    s = dataclasses.replace(trace.shape, **shape)
    layer = dataclasses.replace(trace.layer, shape=s)
    rng = np.random.default_rng(3)
    wgt = dataclasses.replace(trace.act, codes=rng.integers(-127, 128, (s.k, s.c // s.groups, s.r, s.s),
                                                            dtype=np.int32), signed=True)
    act = rng.integers(0, 256, (s.n, s.c, s.h, s.w))
    return _with_act(type(trace)(layer, trace.act, wgt), act)


@pytest.mark.parametrize("encoding", ["binary", "booth_r4", "csd", "dnnsim"])
def test_outputs_equal_the_exact_matmul(encoding):
    d = arch("diffy_pragmatic", encoding=encoding).build()
    for t in tiny_traces():
        np.testing.assert_array_equal(d.outputs(t), t.reference_output())


def _same_work(a, b, recon):
    np.testing.assert_array_equal(a.compute_cycles, b.compute_cycles)
    assert {k: v for k, v in a.actions.items() if k != "recon.op"} == dict(b.actions)
    assert a.actions["recon.op"] == recon


@pytest.mark.parametrize("fold", [False, True])
def test_deltas_equal_to_the_activations_give_pragmatics_work(fold):
    """A 2x2 stride-2 layer whose input is zero except under the last output column: every
    window's left neighbour reads zeros, so each delta is the activation itself (folded or not)."""
    t = _reshaped(tiny_traces()[0], r=2, s=2, stride_h=2, stride_w=2, pad_h=0, pad_w=0)
    s = t.shape
    codes = t.act.codes.copy()
    codes[..., :2 * (s.out_w - 1)] = 0
    t = _with_act(t, codes)
    np.testing.assert_array_equal(diffy.window_deltas(t.windows, s.out_w), t.windows)
    d = arch("diffy_pragmatic", fold_first_layer=fold).build()
    p = arch("pragmatic", fold_first_layer=fold).build()
    _same_work(d.run(t), p.run(t), s.n * s.out_h * (s.out_w - 1) * s.k)
    np.testing.assert_array_equal(d.outputs(t), t.reference_output())


def test_one_output_column_is_pragmatic():
    t = _reshaped(tiny_traces()[1], h=5, w=3, r=3, s=3, pad_h=0, pad_w=0, stride_h=1, stride_w=1)
    assert t.shape.out_w == 1
    d, p = arch("diffy_pragmatic").build(), arch("pragmatic").build()
    _same_work(d.run(t), p.run(t), 0)


def test_fewer_cycles_on_smooth_maps_same_on_fc():
    d, p = arch("diffy_pragmatic").build(), arch("pragmatic").build()
    conv = tiny_traces()[1]
    n, c, h, w = conv.act.codes.shape
    x = np.arange(w)
    smooth = (100 + 20 * np.sin(x / 4.0)[None, None, None, :] + np.zeros((n, c, h, 1)))
    smooth = _with_act(conv, smooth.astype(np.int64) + np.arange(c)[None, :, None, None] % 3)
    assert d.run(smooth).compute_cycles.sum() < 0.8 * p.run(smooth).compute_cycles.sum()
    s = conv.shape
    assert d.run(smooth).actions["recon.op"] == s.n * s.out_h * (s.out_w - 1) * s.k
    fc = tiny_traces()[3]
    _same_work(dataclasses.replace(d.run(fc), actions={**d.run(fc).actions, "recon.op": 0}),
               p.run(fc), 0)
    assert "recon.op" not in d.run(fc).actions


def test_never_above_the_worst_case():
    for enc in ("booth_r4", "dnnsim"):
        d = arch("diffy_pragmatic", encoding=enc).build()
        for t in tiny_traces():
            assert d.run(t).compute_cycles.sum() <= d.worst_case_cycles(t)


def test_reconstruction_adders_are_priced():
    a = accelsim.load_arch(ROOT / "arch_configs" / "diffy_pragmatic.yaml")
    r = accelsim.simulate(a, accelsim.load_workload(ROOT / "tests" / "data" / "diffy_smooth.yaml"))
    assert r.energy_by_component()["recon"] > 0
    assert r.area["recon"] > 0
    p = a.datapath.params
    assert a.build().inventory()["recon"].count == p.tiles * p.filters * p.windows
