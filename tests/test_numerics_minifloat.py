"""Minifloat encode/decode against the docs/references.md#ocp-fp8-mx-elements table, brute force and numpy's float16."""
from dataclasses import replace

import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.numerics import minifloat as mf

SMALL = [mf.E4M3, mf.E5M2, mf.E3M2, mf.E2M3, mf.E2M1]


@pytest.mark.parametrize("fmt, bits, max_normal, min_normal, min_sub, emax, n_nan", [
    (mf.E4M3, 8, 448.0, 2.0**-6, 2.0**-9, 8, 2),
    (mf.E5M2, 8, 57344.0, 2.0**-14, 2.0**-16, 15, 6),
    (mf.E3M2, 6, 28.0, 0.25, 0.0625, 4, 0),
    (mf.E2M3, 6, 7.5, 1.0, 0.125, 2, 0),
    (mf.E2M1, 4, 6.0, 1.0, 0.5, 2, 0),
    (mf.FP16, 16, 65504.0, 2.0**-14, 2.0**-24, 15, 2046),
    (mf.BF16, 16, (2 - 2.0**-7) * 2.0**127, 2.0**-126, 2.0**-133, 127, 254),
])
def test_spec_table(fmt, bits, max_normal, min_normal, min_sub, emax, n_nan):
    assert fmt.bits == bits
    assert fmt.max_normal == max_normal
    assert fmt.min_normal == min_normal
    assert fmt.min_subnormal == min_sub
    assert fmt.emax == emax
    table = mf.code_table(fmt)
    assert np.isnan(table).sum() == n_nan
    finite = table[np.isfinite(table)]
    assert finite.max() == max_normal and finite.min() == -max_normal
    assert np.min(np.abs(finite[finite != 0])) == min_sub


def test_e2m1_code_table():
    table = mf.code_table(mf.E2M1)
    pos = [0, 0.5, 1, 1.5, 2, 3, 4, 6]
    np.testing.assert_array_equal(table, pos + [-v for v in pos])
    assert np.signbit(table[8]) and not np.signbit(table[0])    # 0x8 is negative zero


def test_special_codes():
    e4m3 = mf.code_table(mf.E4M3)
    assert e4m3[0x7E] == 448 and e4m3[0xFE] == -448
    assert np.isnan(e4m3[0x7F]) and np.isnan(e4m3[0xFF])
    assert np.isnan(e4m3).sum() == 2 and not np.isinf(e4m3).any()
    e5m2 = mf.code_table(mf.E5M2)
    assert e5m2[0x7C] == np.inf and e5m2[0xFC] == -np.inf
    assert np.isnan(e5m2[[0x7D, 0x7E, 0x7F, 0xFD, 0xFE, 0xFF]]).all()
    assert e5m2[0x7B] == 57344
    assert mf.decode(np.uint8(0x01), mf.E4M3) == 2.0**-9
    assert mf.decode(np.uint8(0x08), mf.E4M3) == 2.0**-6


def test_saturation_and_overflow():
    enc = mf.encode
    np.testing.assert_array_equal(enc([449, 1e6, np.inf, -1e30, -np.inf], mf.E4M3),
                                  [0x7E, 0x7E, 0x7E, 0xFE, 0xFE])
    assert enc(np.nan, mf.E4M3) == 0x7F
    # E5M2 is IEEE-like: 61440 is the tie between 57344 (odd mantissa) and 2^16 -> Inf
    np.testing.assert_array_equal(enc([61439, 61440, 1e6, -np.inf], mf.E5M2),
                                  [0x7B, 0x7C, 0x7C, 0xFC])
    assert enc(1e6, replace(mf.E5M2, saturating=True)) == 0x7B
    # non-saturating E4M3 overflows to NaN once the value rounds above 448 (tie 464 -> 448)
    e4m3_ieee = replace(mf.E4M3, saturating=False)
    np.testing.assert_array_equal(enc([464, 465, np.inf], e4m3_ieee), [0x7E, 0x7F, 0x7F])
    np.testing.assert_array_equal(enc([7, 100, -1e9], mf.E2M1), [0x7, 0x7, 0xF])
    assert mf.quantize(1e9, mf.E3M2) == 28 and mf.quantize(-8, mf.E2M3) == -7.5
    with pytest.raises(ValueError, match="no NaN"):
        enc([1.0, np.nan], mf.E2M1)
    with pytest.raises(ValueError, match="overflow can only saturate"):
        replace(mf.E2M1, saturating=False)


@pytest.mark.parametrize("fmt, x, expected", [
    (mf.E2M1, [2.5, 3.5, 5.0, 1.25, 1.75, -2.5], [2, 4, 4, 1, 2, -2]),      # normal ties
    (mf.E2M1, [0.25, 0.75, -0.25], [0, 1.0, -0.0]),                           # subnormal ties
    (mf.E4M3, [1 + 1 / 16, 1 + 3 / 16, 240 + 8], [1, 1.25, 256]),
    (mf.E4M3, [2.0**-10, 3 * 2.0**-10, 5 * 2.0**-10], [0, 2.0**-8, 2.0**-8]),
    (mf.E4M3, [15 * 2.0**-10], [2.0**-6]),                # top subnormal ties up into normal
    (mf.E5M2, [2.0**-17, 3 * 2.0**-17, 1.125, 1.375], [0, 2.0**-15, 1.0, 1.5]),
])
def test_round_half_even(fmt, x, expected):
    q = mf.quantize(np.array(x), fmt)
    np.testing.assert_array_equal(q, expected)
    np.testing.assert_array_equal(np.signbit(q), np.signbit(np.array(x)))


@pytest.mark.parametrize("fmt", SMALL, ids=lambda f: f.name)
def test_every_midpoint_rounds_to_even_code(fmt):
    """Exhaustive: each midpoint between adjacent values goes to the neighbour with M even."""
    table = mf.code_table(fmt)
    values = np.unique(table[np.isfinite(table)])
    mid = (values[:-1] + values[1:]) / 2                      # exact in float64
    codes = mf.encode(mid, fmt).astype(np.int64)
    q = mf.decode(codes, fmt)
    assert np.all((q == values[:-1]) | (q == values[1:]))
    assert np.all((codes & 1) == 0)


@pytest.mark.parametrize("fmt", SMALL + [mf.FP16, mf.BF16], ids=lambda f: f.name)
def test_codes_round_trip(fmt):
    codes = np.arange(1 << fmt.bits)
    values = mf.decode(codes, fmt)
    keep = ~np.isnan(values)
    back = mf.encode(values[keep], fmt)
    assert back.dtype == fmt.code_dtype
    np.testing.assert_array_equal(back, codes[keep])


def test_fp16_matches_numpy():
    rng = np.random.default_rng(1)
    x = rng.standard_normal(200_000) * np.exp2(rng.uniform(-28, 18, 200_000))
    with np.errstate(over="ignore"):
        ref = x.astype(np.float16).view(np.uint16)
    np.testing.assert_array_equal(mf.encode(x, mf.FP16), ref)


def test_bf16_matches_float32_bit_rounding():
    rng = np.random.default_rng(2)
    x = (rng.standard_normal(100_000) * np.exp2(rng.uniform(-140, 120, 100_000))).astype(np.float32)
    u = x.view(np.uint32).astype(np.uint64)
    ref = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)   # RNE on the top 16 bits
    np.testing.assert_array_equal(mf.encode(x, mf.BF16), ref)


def test_shapes_and_scalars():
    x = np.linspace(-8, 8, 24).reshape(2, 3, 4)
    assert mf.encode(x, mf.E2M1).shape == (2, 3, 4)
    assert mf.quantize(x, mf.E4M3).dtype == np.float64
    assert mf.encode(0.3, mf.E4M3).shape == ()
    with pytest.raises(ValueError, match="codes must lie"):
        mf.decode([16], mf.E2M1)


def _nearest_check(fmt, x):
    table = mf.code_table(fmt)
    values = np.unique(table[np.isfinite(table)])
    q = mf.quantize(x, fmt)
    best = np.min(np.abs(x[:, None] - values[None, :]), axis=1)
    np.testing.assert_array_equal(np.abs(x - q), best)


def _range_floats(fmt, limit):
    mags = st.one_of(st.floats(-limit, limit, allow_nan=False),
                     st.builds(lambda m, e: float(np.ldexp(m, e)),
                               st.floats(-1, 1), st.integers(-fmt.bias - fmt.man_bits - 3, 2)))
    return hnp.arrays(np.float64, st.integers(1, 64), elements=mags)


@pytest.mark.parametrize("fmt", SMALL, ids=lambda f: f.name)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_quantize_is_nearest_value(fmt, data):
    # saturating formats: the nearest finite value also covers |x| > max (it is +-max)
    limit = fmt.max_normal * (1.5 if fmt.saturating else 1.0)
    x = data.draw(_range_floats(fmt, limit))
    _nearest_check(fmt, x)
