"""Workload traces: seeded determinism, exact densities, real tensors, the im2col oracle."""
import dataclasses

import numpy as np
import pytest

from accelsim.spec.workload import Shape, load_workload
from accelsim.workload.trace import build_trace

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


def tiny(seed=7):
    w = load_workload(ROOT / "tests/data/tiny.yaml")
    return dataclasses.replace(w, seed=seed)


def test_same_seed_bit_identical_other_seed_differs():
    a = [build_trace(l, tiny(), i) for i, l in enumerate(tiny().layers)]
    b = [build_trace(l, tiny(), i) for i, l in enumerate(tiny().layers)]
    c = [build_trace(l, tiny(8), i) for i, l in enumerate(tiny(8).layers)]
    for x, y, z in zip(a, b, c):
        assert np.array_equal(x.act.codes, y.act.codes) and np.array_equal(x.wgt.codes, y.wgt.codes)
        assert x.key == y.key and x.key != z.key


def test_density_exact_and_ranges_respected():
    w = tiny()
    for i, layer in enumerate(w.layers):
        t = build_trace(layer, w, i)
        nnz = np.count_nonzero(t.act.codes)
        assert nnz == max(1, round(layer.act.density * t.act.codes.size))
        hi = (1 << (layer.act_bits - (1 if t.act.signed else 0))) - 1
        assert t.act.codes.max() <= hi and (t.act.codes.min() >= 0 or t.act.signed)
        assert np.abs(t.act.codes).max() == hi      # max-abs calibration uses the full range


def naive_conv(x, wgt, s: Shape):
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (s.pad_h, s.pad_h), (s.pad_w, s.pad_w))).astype(np.int64)
    out = np.zeros((n, s.k, s.out_h, s.out_w), dtype=np.int64)
    for k in range(s.k):
        g = k // s.k_per_group
        for y in range(s.out_h):
            for xx in range(s.out_w):
                win = xp[:, g * s.c_per_group:(g + 1) * s.c_per_group,
                         y * s.stride_h:y * s.stride_h + s.r, xx * s.stride_w:xx * s.stride_w + s.s]
                out[:, k, y, xx] = (win * wgt[k].astype(np.int64)).sum(axis=(1, 2, 3))
    return out


@pytest.mark.parametrize("index", range(5))
def test_im2col_reference_equals_direct_convolution(index):
    w = tiny()
    t = build_trace(w.layers[index], w, index)
    s = t.shape
    ref = t.reference_output()                                   # g, windows, k_per_group
    direct = naive_conv(t.act.codes, t.wgt.codes, s)             # n, k, oh, ow
    direct = direct.reshape(s.n, s.groups, s.k_per_group, s.out_h * s.out_w)
    direct = direct.transpose(1, 0, 3, 2).reshape(s.groups, s.windows, s.k_per_group)
    assert np.array_equal(ref, direct)


def test_real_tensors_int_and_float(tmp_path):
    rng = np.random.default_rng(0)
    wts = rng.integers(-100, 100, (8, 4, 3, 3))
    np.save(tmp_path / "w.npy", wts)
    acts = np.abs(rng.standard_normal((1, 4, 8, 8)))
    np.savez(tmp_path / "a.npz", conv=acts)
    (tmp_path / "w.yaml").write_text(
        "name: r\nlayers:\n  - {name: conv, kind: conv, in_channels: 4, in_size: 8, out_channels: 8,"
        " kernel: 3, padding: 1, act_bits: 8, wgt_bits: 8, act: {file: a.npz, key: conv}, wgt: {file: w.npy}}\n")
    w = load_workload(tmp_path / "w.yaml")
    t = build_trace(w.layers[0], w, 0)
    assert np.array_equal(t.wgt.codes, wts) and t.wgt.sqnr_db == float("inf")
    assert not t.act.signed and t.act.codes.max() == 255
    assert 30 < t.act.sqnr_db < 60                                # 8-bit quantization of floats


def test_matmul_maps_to_grouped_1x1_conv():
    w = tiny()
    mm = w.layers[4]
    assert (mm.shape.groups, mm.shape.windows, mm.shape.reduction, mm.shape.k) == (2, 24, 40, 40)
    assert mm.macs == 2 * 24 * 40 * 20


def test_derived_workload_sets_and_overrides(tmp_path):
    (tmp_path / "d.yaml").write_text(
        f"name: d\nbase: {ROOT}/workloads/alexnet.yaml\nset: {{act_bits: 8, wgt_bits: 8}}\n"
        "overrides:\n  fc6: {act_bits: 4, wgt: {density: 0.1}}\n")
    d = load_workload(tmp_path / "d.yaml")
    base = load_workload(ROOT / "workloads/alexnet.yaml")
    assert [l.shape for l in d.layers] == [l.shape for l in base.layers]
    fc6 = [l for l in d.layers if l.name == "fc6"][0]
    assert fc6.act_bits == 4 and fc6.wgt_bits == 8 and fc6.wgt.density == 0.1
    assert all(l.act_bits == 8 for l in d.layers if l.name != "fc6")
