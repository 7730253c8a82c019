"""The vector-MAC baseline: cycles, functional results within each format's error bound, integer
results exact, counts and parts consistent, bad parameters as one-line errors."""
import dataclasses
from pathlib import Path

import numpy as np
import pytest

from accelsim.datapaths import vmac
from accelsim.errors import SpecError
from accelsim.spec.arch import arch_from_dict
from accelsim.spec.workload import load_workload
from accelsim.workload.trace import build_trace
from support import arch

ROOT = Path(__file__).resolve().parents[1]


def traces(bits=12, names=None):
    """The tiny workload at ``bits``-bit codes (finer than every format under test)."""
    w = load_workload(ROOT / "tests/data/tiny.yaml")
    layers = [dataclasses.replace(l, act_bits=bits, wgt_bits=bits) for l in w.layers
              if names is None or l.name in names]
    w = dataclasses.replace(w, layers=tuple(layers))
    return [build_trace(l, w, i) for i, l in enumerate(w.layers)]


def reference(trace):
    return trace.reference_output().astype(np.float64)


def operands(trace):
    """(groups, windows, reduction) activations and (groups, k, reduction) weights as floats."""
    s = trace.shape
    a = trace.windows.reshape(s.groups, s.windows, -1).astype(np.float64)
    w = trace.filters.reshape(s.groups, s.k_per_group, -1).astype(np.float64)
    return a, w


def bounded(out, trace, err_a, err_w):
    """|out - exact| <= sum_j |a_j| err_w,j + err_a,j (|w_j| + err_w,j): the error a product of
    perturbed operands can have, from per-element bounds of the format."""
    a, w = operands(trace)
    bound = np.abs(a) @ np.swapaxes(err_w, 1, 2) + err_a @ np.swapaxes(np.abs(w) + err_w, 1, 2)
    dev = np.abs(out - reference(trace))
    assert np.all(dev <= bound * (1 + 1e-9) + 1e-9), float((dev - bound).max())
    return dev, bound


def test_cycles_are_the_grid_of_bricks_and_passes():
    for t in traces(8):
        s = t.shape
        work = arch("vmac_int8").build().run(t)
        passes = s.groups * -(-s.k_per_group // 256)
        assert work.compute_cycles.sum() == passes * s.windows * s.r * s.s * -(-s.c_per_group // 16)
        assert work.ideal_cycles == -(-s.macs // 4096)


def test_int8_results_are_exact_integer_products_times_the_scales():
    for t in traces():
        dp = arch("vmac_int8").build()
        out = dp.outputs(t)
        a, w = operands(t)
        for g in range(t.shape.groups):                            # per-tensor scales per group
            qa = vmac.int_tensor(a[g], 8, t.act.signed)
            qw = (vmac.int_tensor(w[g], 8, t.wgt.signed) if vmac.b_is_activation(t)
                  else vmac.int_channel(w[g], 8))
            exact = qa.codes @ qw.codes.T                          # int64
            np.testing.assert_allclose(out[g], exact * qa.scale.ravel()[0] * qw.scale.ravel()[None, :],
                                       rtol=1e-12)


def test_int_formats_within_rounding_bound_and_error_falls_with_width():
    devs = {}
    for fmt, bits in (("int4", 4), ("int8", 8)):
        for t in traces(names=["conv2", "fc"]):
            a, w = operands(t)
            sa = np.abs(a).max() / vmac.intq.qmax(bits, t.act.signed)
            sw = np.abs(w).max(axis=2, keepdims=True) / (2 ** (bits - 1) - 1)    # per channel
            if vmac.b_is_activation(t):
                sw = np.abs(w).max(axis=(1, 2), keepdims=True) / (2 ** (bits - 1) - 1)
            out = arch("vmac_int8", format=fmt).build().outputs(t)
            dev, _ = bounded(out, t, np.full_like(a, sa / 2), np.broadcast_to(sw / 2, w.shape))
            devs.setdefault(fmt, []).append(np.abs(dev).mean())
    assert all(d8 < d4 / 4 for d8, d4 in zip(devs["int8"], devs["int4"]))


@pytest.mark.parametrize("fmt", ["fp8_e4m3", "fp8_e5m2", "fp16", "bf16"])
def test_float_formats_within_rounding_bound(fmt):
    el = vmac.ELEMENTS[fmt]
    for t in traces(names=["conv1", "mm"]):
        a, w = operands(t)

        def err(x):
            scale = np.abs(x).max() / el.fp.max_normal if el.bits == 8 else 1.0
            half_ulp = np.abs(x) * 2.0 ** -(el.fp.man_bits + 1)
            return np.maximum(half_ulp, scale * el.fp.min_subnormal / 2)

        out = arch("vmac_int8", format=fmt).build().outputs(t)
        bounded(out, t, err(a), err(w))


def test_fp32_is_exact_on_16_bit_codes():
    t = traces(16, ["conv2"])[0]
    work = arch("vmac_fp32").build().run(t)
    assert work.extra["fmt_out_sqnr_db"] == np.inf
    np.testing.assert_array_equal(arch("vmac_fp32").build().outputs(t), reference(t))


def test_reported_errors_match_a_direct_measurement():
    t = traces(names=["fc"])[0]
    work = arch("vmac_fp8").build().run(t)
    a, w = operands(t)
    a_hat = vmac.fp_values(a, vmac.ELEMENTS["fp8_e4m3"])
    expect = 10 * np.log10((a ** 2).sum() / ((a - a_hat) ** 2).sum())
    assert work.extra["fmt_act_sqnr_db"] == pytest.approx(expect, rel=1e-9)
    assert 20 < work.extra["fmt_out_sqnr_db"] < 40            # FP8 with 3 mantissa bits


def test_actions_price_and_scale_with_width():
    from accelsim.cost import price
    t = traces(names=["conv2"])[0]
    e = {}
    for name in ("vmac_int8", "vmac_fp8", "vmac_fp16", "vmac_fp32"):
        a = arch(name)
        dp = a.build()
        work = dp.run(t)
        inv = dp.inventory()
        used = {k.rpartition(".")[0] for k in work.actions} - {"weights", "activations", "outputs"}
        assert used <= set(inv)
        vc = t.shape.windows * t.shape.k * 9                     # 3x3 kernel, 10 channels per group
        assert work.actions["vmac.mult.op"] == vc * 16
        e[name] = price.energy({k: v for k, v in work.actions.items() if k.startswith("vmac")},
                               inv, 16, 0.8, 0.0)["vmac"]
    assert e["vmac_int8"] < e["vmac_fp8"] < e["vmac_fp16"] < e["vmac_fp32"]
    assert 1.5 < e["vmac_fp8"] / e["vmac_int8"] < 2.8          # van Baalen et al.: FP8 50-180% worse


def test_b_operand_of_heads_is_an_activation():
    t = traces(names=["mm"])[0]
    assert vmac.b_is_activation(t)
    assert not vmac.b_is_activation(traces(names=["fc"])[0])
    work = arch("vmac_int8").build().run(t)
    s = t.shape
    assert work.actions["quant.op"] == s.c * s.h + s.k * s.c_per_group


def test_bad_parameters_are_spec_errors():
    raw = {"name": "x", "clock": {"frequency_mhz": 1000}, "technology": {"node_nm": 16},
           "memory": {"dram": {"type": "HBM2"}, "buffers": {
               "weights": {"size_kib": 64}, "activations": {"size_kib": 64}}},
           "datapath": {"kind": "vmac", "params": {"format": "fp6"}}}
    with pytest.raises(SpecError, match=r"datapath.params.format: expected one of int4"):
        arch_from_dict(raw, "a.yaml")
    raw["datapath"]["params"] = {"lanes": 0}
    with pytest.raises(SpecError, match="datapath.params.lanes"):
        arch_from_dict(raw, "a.yaml")


def test_sample_and_blocks():
    assert list(vmac.sample(5, 10)) == [0, 1, 2, 3, 4]
    r = vmac.sample(1000, 32)
    assert r[0] == 0 and r[-1] == 999 and len(r) == 32
    x = np.arange(2 * 3 * 3 * 20).reshape(2, 3, 3, 20)
    b = vmac.blocks(x, 16)
    assert b.shape == (2, 18, 16)
    np.testing.assert_array_equal(b[0, 1, :4], x[0, 0, 0, 16:])
    assert not b[0, 1, 4:].any()
