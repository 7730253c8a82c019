"""LNS-Madam: the binned kernel equals its numpy twin and lns.lns_dot, outputs stay within the LUT
and dropped-bit bounds of the exact LNS products, the accumulator width sets what is dropped, and
bin adds are counted exactly from the values."""
import numpy as np
import pytest

from accelsim.datapaths import lns_madam, vmac
from accelsim.errors import SpecError
from accelsim.numerics import format_kernels as fk
from accelsim.numerics import lns
from test_vmac import arch, traces

F = lns.LNS8


def codes(seed, shape, zeros=0.2):
    rng = np.random.default_rng(seed)
    c = rng.integers(0, 256, shape).astype(np.uint8)
    c[rng.random(shape) < zeros] = 0
    return c


@pytest.mark.parametrize("drop", [0, 5, 20])
def test_kernel_equals_twin(drop):
    a, w = codes(1, (5, 37)), codes(2, (7, 37))
    lut = lns.lut(F, 8)
    got = fk.lns_binned_dot(a, w, 7, 3, drop, lut)
    np.testing.assert_array_equal(got, fk.lns_binned_dot_numpy(a, w, 7, 3, drop, lut))
    if drop == 0:                      # no bits dropped: the numerics module's binned dot
        np.testing.assert_array_equal(got, lns.lns_dot(a[:, None, :], w[None, :, :], F, 8))


def test_drop_bits_keep_the_bins_inside_acc_bits():
    assert lns_madam.drop_bits(F, 24, 4096) == 31 + 12 + 1 - 24
    assert lns_madam.drop_bits(F, 64, 4096) == 0
    for acc, red in ((24, 4096), (32, 100), (20, 11008)):
        d = lns_madam.drop_bits(F, acc, red)
        assert red * 2 ** (31 - d) < 2 ** acc                 # the fullest bin fits


def test_outputs_within_lut_and_dropped_product_bounds():
    for acc in (24, 40):
        dp = arch("lns_madam", acc_bits=acc).build()
        for t in traces(12):
            for a, w in vmac.group_operands(t, 16):
                q = dp.quantize(a, w, t, np.arange(a.shape[0]), np.arange(w.shape[0]))
                out = dp.dot(q)
                exact = vmac.flat(q.act) @ vmac.flat(q.wgt).T       # products of LNS values
                mags = np.abs(vmac.flat(q.act)) @ np.abs(vmac.flat(q.wgt)).T
                # LUT[r] = round(2^(r/8) 2^8) is within half a unit of 2^8 <= LUT: 2^-9 relative;
                # a dropped product is below 2^drop bin units
                scale = 2.0 ** ((q.info.act_shift + q.info.wgt_shift) / 8)
                dropped = ((vmac.flat(q.act) != 0).astype(float) @ (vmac.flat(q.wgt) != 0).T.astype(float)
                           * 2.0 ** q.info.drop * scale)
                assert np.all(np.abs(out - exact) <= mags * 2 ** -9 + dropped + 1e-9 * mags.max())
                if q.info.drop == 0:
                    assert np.all(np.abs(out - exact) <= mags * 2 ** -9 + 1e-9 * mags.max())


def test_lns_values_within_half_a_log_step():
    t = traces(12, ["fc"])[0]
    dp = arch("lns_madam").build()
    a, w = next(vmac.group_operands(t, 16))
    q = dp.quantize(a, w, t, np.arange(a.shape[0]), np.arange(w.shape[0]))
    x, xh = w.astype(float).ravel(), q.wgt.ravel()
    kept = xh != 0
    ratio = np.abs(np.log2(np.abs(xh[kept]) / np.abs(x[kept])))
    assert ratio.max() <= 0.5 / 8 + 1e-12 and np.all(np.sign(xh[kept]) == np.sign(x[kept]))
    floor = 2.0 ** ((0.5 + q.info.wgt_shift) / 8)             # flush-to-zero threshold
    assert np.all(np.abs(x[~kept]) < floor * (1 + 1e-12))


def test_bin_adds_are_counted_from_the_values():
    t = traces(12, ["mm"])[0]
    narrow = arch("lns_madam", acc_bits=12).build()
    for a, w in vmac.group_operands(t, 16):
        q = narrow.quantize(a, w, t, np.arange(a.shape[0]), np.arange(w.shape[0]))
        ea = vmac.flat(q.info.act).astype(np.int64) & 127
        ew = vmac.flat(q.info.wgt).astype(np.int64) & 127
        e = ea[:, None, :] + ew[None, :, :]
        nz = (ea[:, None, :] > 0) & (ew[None, :, :] > 0)
        assert q.info.products == (nz.sum(), (nz & ((e >> 3) >= q.info.drop)).sum())
    wide, tight = arch("lns_madam", acc_bits=40).build().run(t), narrow.run(t)
    assert wide.extra["fmt_lns_dropped_frac"] == 0.0 < tight.extra["fmt_lns_dropped_frac"]
    assert tight.actions["bins.add.op"] < wide.actions["bins.add.op"]
    assert tight.extra["fmt_out_sqnr_db"] < wide.extra["fmt_out_sqnr_db"]


def test_lns_lane_is_far_cheaper_than_fp32_and_fp8():
    from accelsim.cost import price
    t = traces(12, ["fc"])[0]
    per_mac = {}
    for name in ("lns_madam", "vmac_fp8", "vmac_fp32"):
        dp = arch(name).build()
        lanes = {k: v for k, v in dp.run(t).actions.items()
                 if k.split(".")[0] in ("vmac", "lane", "bins")}
        per_mac[name] = sum(price.energy(lanes, dp.inventory(), 16, 0.8, 0.0).values())
    assert per_mac["lns_madam"] < 0.5 * per_mac["vmac_fp8"] < 0.5 * per_mac["vmac_fp32"]


def test_bad_lns_parameters_are_spec_errors():
    from accelsim.spec.arch import arch_from_dict
    raw = {"name": "x", "clock": {"frequency_mhz": 1000}, "technology": {"node_nm": 16},
           "memory": {"dram": {"type": "HBM2"}, "buffers": {
               "weights": {"size_kib": 64}, "activations": {"size_kib": 64}}},
           "datapath": {"kind": "lns_madam", "params": {"exp_bits": 2, "frac_bits": 3}}}
    with pytest.raises(SpecError, match=r"datapath.params.frac_bits: expected at most exp_bits \(2\), got 3"):
        arch_from_dict(raw, "a.yaml")
