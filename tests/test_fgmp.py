"""FGMP: fused kernels == numpy twins built on the reference formats, the block policy, outputs
within the mixed NVFP4 / FP8 bound, the limits (all FP8 = the FP8 VMAC, all FP4 = NVFP4), and
value-level counts and cycles."""
import numpy as np
import pytest

from accelsim.datapaths import fgmp, vmac
from accelsim.errors import SpecError
from accelsim.numerics import blockscale, intq
from accelsim.numerics import format_kernels as fk
from accelsim.numerics import minifloat as mf
from test_vmac import arch, bounded, operands, traces


def operand(seed, rows=64, nb=6, transposed=False):
    """Heavy-tailed integer codes, with an all-zero block and a block at simple ratios."""
    rng = np.random.default_rng(seed)
    x = np.rint(rng.standard_t(3, (rows, nb, 16)) * 300).astype(np.int32)
    x[0, 0] = 0
    x[1, 1, :4] = [600, 300, 100, 50]
    if transposed:                              # a strided view, as matmul activations arrive
        return np.ascontiguousarray(x.transpose(1, 2, 0)).transpose(2, 0, 1)
    return x


@pytest.mark.parametrize("seed,transposed", [(0, False), (1, True), (2, False)])
def test_kernels_equal_their_twins(seed, transposed):
    x = operand(seed, transposed=transposed)
    ms, amax = fk.operand_stats(x)
    ms2, amax2 = fk.operand_stats_numpy(x)
    np.testing.assert_allclose(ms, ms2, rtol=1e-12)
    assert amax == amax2
    g, s8 = fk.tensor_scales(amax)
    weight = np.random.default_rng(seed).random((x.shape[1], 16))
    for got, want in zip(fk.fgmp_low(x, g, weight), fk.fgmp_low_numpy(x, g, weight)):
        np.testing.assert_allclose(got, want, rtol=1e-12)
    high = np.random.default_rng(seed + 9).random(x.shape[:2]) < 0.3
    np.testing.assert_array_equal(fk.fgmp_values(x, g, s8, high), fk.fgmp_values_numpy(x, g, s8, high))
    assert fk.fgmp_high_noise(x, high, s8) == pytest.approx(fk.fgmp_high_noise_numpy(x, high, s8),
                                                             rel=1e-12)


def test_e2m1_rounding_matches_the_format_on_every_midpoint():
    grid = mf.code_table(mf.E2M1)
    grid = np.unique(np.abs(grid))
    mids = (grid[1:] + grid[:-1]) / 2
    p = np.concatenate([mids, -mids, grid, [7.0, -100.0, 0.1]])
    got = np.array([fk._e2m1(v) for v in p])
    np.testing.assert_array_equal(got, mf.quantize(p, mf.E2M1))


def test_select_high_offline_is_exact_and_online_is_calibrated():
    score = np.random.default_rng(3).random((400, 10))
    off = fgmp.select_high(score, 0.1, False, 8)
    assert off.sum() == 400
    assert score[off].min() >= score[~off].max()
    on = fgmp.select_high(score, 0.1, True, 8)
    assert 0.07 < on.mean() < 0.13 and on.sum() != 400
    assert not fgmp.select_high(score, 0.0, True, 8).any()
    assert fgmp.select_high(score, 1.0, False, 8).all()


def test_weights_meeting_large_activations_get_fp8():
    """The sensitivity score: weight blocks whose input channels carry the largest mean square
    go to FP8 first, even though their own values look like every other block's."""
    t = traces(12, ["fc"])[0]
    dp = arch("fgmp", wgt_high_frac=0.04).build()
    for a, w in vmac.group_operands(t, 16):
        a = a.copy()
        a[:, 3] *= 50                                    # block 3's channels: loud activations
        q = dp.quantize(a, w, t, np.arange(a.shape[0]), np.arange(w.shape[0]))
        chosen = q.info.wgt_high.sum(axis=0)
        assert chosen.argmax() == 3 and chosen[3] > 0.5 * q.info.wgt_high.sum()


def fgmp_bound(x, high):
    """Per element: FP8 blocks half an E4M3 ulp (or half a subnormal step); NVFP4 blocks half an
    E2M1 step at the element's size plus what a rounded-down block scale clips."""
    out = np.zeros_like(x)
    for g in range(x.shape[0]):
        xg = x[g]
        s8 = np.abs(xg).max() / 448
        fp8 = np.maximum(np.abs(xg) / 16, s8 * 2.0 ** -10)
        gg = float(np.float32(np.abs(xg).max() / 2688))
        v = intq.to_vectors(xg, 16)
        amax = np.abs(v).max(-1, keepdims=True)
        step = mf.quantize(amax / (6 * gg), mf.E4M3) * gg
        p = np.abs(v) / np.where(step > 0, step, 1)
        fp4 = step * np.maximum(0.25, p / 4) + np.maximum(0, np.abs(v) - 6 * step)
        fp4 = np.where(step > 0, fp4, np.abs(v)).reshape(v.shape[0], -1)[:, :xg.shape[1]]
        hb = np.repeat(high[g], 16, axis=1)[:, :xg.shape[1]]
        out[g] = np.where(hb, fp8, fp4)
    return out


def test_outputs_within_the_mixed_precision_bound():
    dp = arch("fgmp").build()
    for t in traces():
        if t.shape.r != 1:                      # blocks follow channels only on 1x1 layers
            continue
        a, w = operands(t)
        ah, wh = [], []
        for A, W in vmac.group_operands(t, 16):
            q = dp.quantize(A, W, t, np.arange(A.shape[0]), np.arange(W.shape[0]))
            ah.append(q.info.act_high)
            wh.append(q.info.wgt_high)
        bounded(dp.outputs(t), t, fgmp_bound(a, np.stack(ah)), fgmp_bound(w, np.stack(wh)))


def test_limits_all_fp8_is_the_fp8_vmac_and_all_fp4_is_nvfp4():
    t = traces(12, ["fc", "mm"])
    for tr in t:
        hi = arch("fgmp", wgt_high_frac=1.0, act_high_frac=1.0).build().outputs(tr)
        np.testing.assert_allclose(hi, arch("vmac_fp8").build().outputs(tr), rtol=1e-12)
    fc = t[0]
    lo = arch("fgmp", wgt_high_frac=0.0, act_high_frac=0.0).build()
    a, w = next(vmac.group_operands(fc, 16))
    q = lo.quantize(a, w, fc, np.arange(a.shape[0]), np.arange(w.shape[0]))
    nv = blockscale.nvfp4_decode(blockscale.nvfp4_encode(vmac.flat(w).astype(np.float64)))
    np.testing.assert_array_equal(vmac.flat(q.wgt), nv)


def test_pair_counts_match_brute_force():
    rng = np.random.default_rng(5)
    ah, wh = rng.random((30, 7)) < 0.2, rng.random((11, 7)) < 0.4
    ll, mixed, hh = fgmp.pair_counts(ah, wh)
    pairs = ah[:, None, :].astype(int) + wh[None, :, :]
    assert (ll, mixed, hh) == ((pairs == 0).sum(), (pairs == 1).sum(), (pairs == 2).sum())


def test_value_level_counts_cycles_and_traffic():
    t = traces(12, ["fc"])[0]
    s, nb = t.shape, 25
    low = arch("fgmp", wgt_high_frac=0.0, act_high_frac=0.0).build().run(t)
    high = arch("fgmp", wgt_high_frac=1.0, act_high_frac=1.0).build().run(t)
    assert low.actions["weights.read_bits"] == s.windows * s.k * nb * fgmp.LOW_BITS
    assert high.actions["weights.read_bits"] == s.windows * s.k * nb * fgmp.HIGH_BITS
    assert low.actions["vmac.mult44.op"] == s.windows * s.k * nb * 16
    assert high.actions["vmac.mult.op"] == s.windows * s.k * nb * 16
    assert low.extra["fmt_fp4_pair_frac"] == 1.0 and high.extra["fmt_wgt_high_frac"] == 1.0
    # FP4-only steps pair up two per cycle with fp4_rate 2; any FP8 block in a step stops that
    assert low.compute_cycles.sum() == nb - nb // 2
    assert high.compute_cycles.sum() == nb
    slow = arch("fgmp", wgt_high_frac=0.0, act_high_frac=0.0, fp4_rate=1).build().run(t)
    assert slow.compute_cycles.sum() == nb
    mid = arch("fgmp").build().run(t)
    assert low.actions["weights.read_bits"] < mid.actions["weights.read_bits"] < high.actions["weights.read_bits"]
    assert 0.05 < mid.extra["fmt_wgt_high_frac"] < 0.15


def test_lanes_must_be_the_block():
    from accelsim.spec.arch import arch_from_dict
    raw = {"name": "x", "clock": {"frequency_mhz": 1000}, "technology": {"node_nm": 16},
           "memory": {"dram": {"type": "HBM2"}, "buffers": {
               "weights": {"size_kib": 64}, "activations": {"size_kib": 64}}},
           "datapath": {"kind": "fgmp", "params": {"lanes": 32}}}
    with pytest.raises(SpecError, match=r"datapath.params.lanes: expected 16 \(the NVFP4 block\), got 32"):
        arch_from_dict(raw, "a.yaml")
    raw["datapath"]["params"] = {"fp4_rate": 4}
    with pytest.raises(SpecError, match="fp4_rate"):
        arch_from_dict(raw, "a.yaml")
