"""OCP MX block formats and NVFP4 (docs/references.md#ocp-mx-blocks, #nvfp4)."""
import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from accelsim.numerics import blockscale as bs
from accelsim.numerics import minifloat as mf
from accelsim.numerics.intq import quant_error

MX = [bs.MXFP8_E4M3, bs.MXFP8_E5M2, bs.MXFP6_E3M2, bs.MXFP6_E2M3, bs.MXFP4, bs.MXINT8]


def _elem_values(fmt):
    if fmt.element is None:
        return np.arange(-127, 128) / 64.0
    table = mf.code_table(fmt.element)
    return np.unique(table[np.isfinite(table)])


@pytest.mark.parametrize("fmt, bits", [(bs.MXFP8_E4M3, 8.25), (bs.MXFP8_E5M2, 8.25),
                                       (bs.MXFP6_E3M2, 6.25), (bs.MXFP6_E2M3, 6.25),
                                       (bs.MXFP4, 4.25), (bs.MXINT8, 8.25), (bs.NVFP4, 4.5)])
def test_bits_per_element(fmt, bits):
    assert bs.bits_per_element(fmt) == bits
    assert bs.bits_per_element(fmt, 1024) == bits + fmt.tensor_bits / 1024


def test_e8m0():
    np.testing.assert_array_equal(bs.e8m0_decode([0, 127, 254]), [2.0**-127, 1.0, 2.0**127])
    assert np.isnan(bs.e8m0_decode(0xFF))


@pytest.mark.parametrize("fmt, amax, clamped", [
    (bs.MXFP4, 7.0, 6.0), (bs.MXFP6_E2M3, 7.9, 7.5), (bs.MXFP6_E3M2, 31.0, 28.0),
    (bs.MXFP8_E4M3, 500.0, 448.0), (bs.MXFP8_E5M2, 65000.0, 57344.0),
    (bs.MXINT8, 1.999, 127 / 64),
])
def test_floor_rule_clamps_largest_element(fmt, amax, clamped):
    x = np.full(32, amax / 8)
    x[5] = -amax
    t = bs.mx_encode(x, fmt)
    assert t.scale_codes.item() == 127            # floor(log2 amax) == emax: X = 1
    y = bs.mx_decode(t)
    assert y[5] == -clamped and np.all(np.isfinite(y))


def test_ceil_rule_avoids_clipping():
    x = np.zeros(32)
    x[0] = 7.0
    t = bs.mx_encode(x, bs.MXFP4, scale_rule="ceil")
    assert t.scale_codes.item() == 128            # X = 2: 7 / 2 = 3.5 ties to 4
    assert bs.mx_decode(t)[0] == 8.0
    for amax, code in [(6.0, 127), (12.0, 128), (12.000001, 129), (3.0, 126)]:
        x[0] = amax
        assert bs.mx_encode(x, bs.MXFP4, scale_rule="ceil").scale_codes.item() == code
    with pytest.raises(ValueError, match="scale rule"):
        bs.mx_encode(x, bs.MXFP4, scale_rule="round")


@pytest.mark.parametrize("fmt", MX, ids=lambda f: f.name)
def test_on_grid_values_round_trip_exactly(fmt):
    rng = np.random.default_rng(5)
    values = _elem_values(fmt)
    p = rng.choice(values, size=(4, 64))
    p[:, 0] = p[:, 32] = values.max()             # pin each block's amax to max normal
    x = p * np.exp2(rng.integers(-20, 20, size=(4, 1)))
    t = bs.mx_encode(x, fmt)
    np.testing.assert_array_equal(bs.mx_decode(t), x)
    assert t.codes.dtype == np.uint8 and t.scale_codes.dtype == np.uint8


@pytest.mark.parametrize("fmt", MX, ids=lambda f: f.name)
@settings(max_examples=25, deadline=None)
@given(x=hnp.arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(1, 80)),
                    elements=st.floats(-1e6, 1e6, allow_subnormal=False)))
def test_mx_is_spec_scale_then_nearest_element(fmt, x):
    t = bs.mx_encode(x, fmt)
    blocks = -(-x.shape[1] // 32)
    assert t.scale_codes.shape == (x.shape[0], blocks)
    pad = np.pad(np.abs(x), ((0, 0), (0, blocks * 32 - x.shape[1]))).reshape(x.shape[0], blocks, 32)
    amax = pad.max(axis=-1)
    e = np.frexp(np.where(amax > 0, amax, 1.0))[1] - 1 - fmt.emax     # floor(log2 amax)
    e = np.where(amax > 0, np.maximum(e, -127), -127)
    np.testing.assert_array_equal(t.scale_codes, e + 127)
    scale = np.repeat(np.exp2(e), 32, axis=1)[:, :x.shape[1]]
    values = _elem_values(fmt)
    target = x / scale
    best = np.min(np.abs(target[..., None] - values), axis=-1)
    np.testing.assert_array_equal(np.abs(target - bs.mx_decode(t) / scale), best)


def test_zero_tiny_and_nonfinite_blocks():
    x = np.zeros((4, 32))
    x[1, :] = 2.0**-140                                   # exponent below -127 clamps to -127
    x[2, 3] = np.nan
    x[3, 0] = 2.0**200                                    # exponent above 127: NaN scale
    t = bs.mx_encode(x, bs.MXFP4)
    np.testing.assert_array_equal(t.scale_codes[:, 0], [0, 0, 0xFF, 0xFF])
    y = bs.mx_decode(t)
    assert not y[:2].any() and np.isnan(y[2:]).all()


def test_axis_and_ragged_blocks():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((70, 3))
    t0 = bs.mx_encode(x, bs.MXFP8_E4M3, axis=0)
    t1 = bs.mx_encode(x.T, bs.MXFP8_E4M3)
    assert t0.scale_codes.shape == (3, 3)
    np.testing.assert_array_equal(t0.scale_codes, t1.scale_codes.T)
    np.testing.assert_array_equal(bs.mx_decode(t0), bs.mx_decode(t1).T)


def test_nvfp4_scales():
    rng = np.random.default_rng(7)
    x = rng.standard_normal((8, 48))
    i, j = np.unravel_index(np.argmax(np.abs(x)), x.shape)
    t = bs.nvfp4_encode(x)
    assert t.tensor_scale == float(np.float32(np.abs(x).max() / (448 * 6)))
    assert t.scale_codes.shape == (8, 3) and t.scale_codes.max() <= 0x7E   # positive, <= 448
    assert t.scale_codes[i, j // 16] == 0x7E
    assert mf.decode(t.codes[i, j], mf.E2M1) == 6 * np.sign(x[i, j])
    assert bs.nvfp4_decode(t)[i, j] == pytest.approx(x[i, j], rel=1e-6)


@settings(max_examples=40, deadline=None)
@given(x=hnp.arrays(np.float64, st.tuples(st.integers(1, 4), st.integers(1, 50)),
                    elements=st.floats(-1e4, 1e4)))
def test_nvfp4_error_bound(x):
    amax = np.abs(x).max(initial=0)
    assume(amax == 0 or amax > 1e-30)                     # G itself must be a normal FP32
    t = bs.nvfp4_encode(x)
    step = np.repeat(mf.decode(t.scale_codes, mf.E4M3), 16, axis=1)[:, :x.shape[1]]
    step = step * t.tensor_scale
    # normal E4M3 block scale: RNE gap of E2M1 is at most 2 steps, and a clamped amax
    # loses at most amax/16 <= 0.4 step, so every element is within one step
    normal = step >= mf.E4M3.min_normal * t.tensor_scale
    err = np.abs(x - bs.nvfp4_decode(t))
    assert np.all(err[normal] <= step[normal] * (1 + 1e-9))
    assert np.all(err <= amax * (1 / 6 + 1 / 16))         # coarse bound, any block


def test_nvfp4_beats_mxfp4_on_gaussian():
    x = np.random.default_rng(8).standard_normal((64, 256))
    _, sqnr_nv = quant_error(x, bs.nvfp4_decode(bs.nvfp4_encode(x)))
    _, sqnr_mx = quant_error(x, bs.mx_decode(bs.mx_encode(x, bs.MXFP4)))
    assert sqnr_nv > sqnr_mx + 1.0


def test_nvfp4_rejects_nonfinite_and_handles_zero():
    with pytest.raises(ValueError, match="finite"):
        bs.nvfp4_encode([1.0, np.inf])
    t = bs.nvfp4_encode(np.zeros((2, 16)))
    assert not bs.nvfp4_decode(t).any()
