"""LNS-Madam format, multiply and binned accumulation (docs/references.md#lns-madam-format)."""
import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.numerics import lns

F = lns.LNS8


def test_format():
    assert (F.gamma, F.bits, F.max_exp, F.code_dtype) == (8, 8, 127, np.uint8)
    with pytest.raises(ValueError):
        lns.LNSFormat(exp_bits=3, frac_bits=4)


def test_lut():
    # round(2^(r/8) 2^8); a table listing 394 for r = 5 is off:  2^(5/8) 256 = 394.8 rounds to 395
    np.testing.assert_array_equal(lns.lut(F, 8), [256, 279, 304, 332, 362, 395, 431, 470])
    np.testing.assert_array_equal(lns.lut(lns.LNSFormat(7, 1), 4), [16, 23])


def test_encode_decode_points():
    # +-1.0 have exponent 0, the reserved zero code: with shift 0 they flush to zero
    codes = lns.encode([0.0, -0.0, 1.0, -1.0, 2.0, 2.0**(3 / 8), -(2.0**15)], F)
    np.testing.assert_array_equal(codes, [0, 0, 0, 0, 8, 3, 0x80 | 120])
    assert lns.decode(0x80 | 120, F) == -(2.0**15)
    np.testing.assert_array_equal(lns.decode([0, 0x80], F), [0.0, 0.0])
    assert lns.decode(1, F, shift=-1) == 1.0
    with pytest.raises(ValueError, match="NaN"):
        lns.encode([np.nan], F)


def test_tensor_shift_range_flush_and_saturation():
    x = np.array([3.0, -0.001, 1e-9, 5.0])
    shift = lns.tensor_shift(x, F)
    assert shift == round(8 * np.log2(5.0)) - 127
    _, e = lns.split(lns.encode(x, F, shift), F)
    assert e[3] == 127 and e[2] == 0                   # amax on the top code; 1e-9 flushes
    assert lns.encode(1e6, F, shift) == 127            # saturates
    lo = 2.0 ** ((0.49 + shift) / 8)
    hi = 2.0 ** ((0.51 + shift) / 8)
    np.testing.assert_array_equal(lns.encode([lo, hi], F, shift), [0, 1])
    assert lns.tensor_shift(np.zeros(4), F) == 0


@settings(max_examples=60, deadline=None)
@given(x=hnp.arrays(np.float64, st.integers(1, 50), elements=st.floats(-1e6, 1e6)),
       shift=st.integers(-200, 100))
def test_encode_is_nearest_in_log_domain(x, shift):
    codes = lns.encode(x, F, shift)
    y = lns.decode(codes, F, shift)
    table = lns.decode(np.arange(1, 128), F, shift)        # positive non-zero magnitudes
    mag = np.abs(x)
    inside = (mag >= table[0] * 2.0**(-0.5 / 8)) & (mag <= table[-1])
    dist = np.abs(np.log2(mag[inside, None]) - np.log2(table))
    chosen = np.abs(np.log2(mag[inside]) - np.log2(np.abs(y[inside])))
    assert np.all(chosen <= dist.min(axis=1) + 1e-12)
    assert np.all(np.sign(y[inside]) == np.sign(x[inside]))
    below = mag < table[0] * 2.0**(-0.5 / 8) * (1 - 1e-12)
    assert not y[below].any()
    above = mag > table[-1]
    np.testing.assert_array_equal(np.abs(y[above]), table[-1])


def test_multiply():
    a = np.array([0x05, 0x85, 0x00, 0x7F, 0x81])
    b = np.array([0x83, 0x83, 0x10, 0x7F, 0x00])
    sign, e = lns.lns_multiply(a, b, F)
    np.testing.assert_array_equal(sign, [1, 0, 0, 0, 0])
    np.testing.assert_array_equal(e, [8, 8, 0, 254, 0])
    value = np.where(e > 0, np.where(sign == 1, -1.0, 1.0) * np.exp2(e / 8), 0.0)
    np.testing.assert_allclose(value, lns.decode(a, F) * lns.decode(b, F), rtol=1e-15)


def _direct_sum(a, b, fmt, k):
    """The same integer result, one LUT lookup per product: sum sign * (LUT[r] << q)."""
    sign, e = lns.lns_multiply(a, b, fmt)
    q, r = e >> fmt.frac_bits, e & (fmt.gamma - 1)
    term = np.left_shift(lns.lut(fmt, k)[r], q)
    return np.sum(np.where(e > 0, np.where(sign == 1, -term, term), 0), axis=-1)


codes = hnp.arrays(np.uint8, st.tuples(st.integers(1, 3), st.integers(1, 64)))


@settings(max_examples=60, deadline=None)
@given(data=st.data(), k=st.integers(0, 12))
def test_lns_dot_exact_and_within_lut_bound(data, k):
    a = data.draw(codes)
    b = data.draw(hnp.arrays(np.uint8, a.shape))
    s = lns.lns_dot(a, b, F, k)
    assert s.dtype == np.int64 and s.shape == a.shape[:-1]
    np.testing.assert_array_equal(s, _direct_sum(a, b, F, k))
    # each product 2^q 2^(r/gamma) is replaced by 2^q LUT[r] 2^-k: at most 2^q 2^-(k+1) off
    _, e = lns.lns_multiply(a, b, F)
    bound = np.sum(np.where(e > 0, np.exp2(e >> 3), 0.0), axis=-1) * 2.0 ** -(k + 1)
    ref = lns.lns_dot_reference(a, b, F)
    assert np.all(np.abs(s * 2.0**-k - ref) <= bound + 1e-12 * np.abs(ref))


def test_bins_hold_shifted_ones():
    a = np.array([[0x09, 0x8A, 0x00, 0x09]])              # e = 9, 10 (negative), zero, 9
    b = np.array([[0x08, 0x08, 0x08, 0x08]])              # products e = 17, 18, -, 17
    ps = lns.lns_bins(a, b, F)
    expected = np.zeros((1, 16), dtype=np.int64)
    expected[0, 1] = 2 * (1 << 2)                          # 17 = 8*2 + 1, positive, twice
    expected[0, 8 + 2] = 1 << 2                            # 18 = 8*2 + 2, negative
    np.testing.assert_array_equal(ps, expected)
    assert lns.lns_dot(a, b, F, 8).item() == 2 * 4 * 279 - 4 * 304


def test_dot_of_encoded_floats():
    rng = np.random.default_rng(9)
    a = rng.standard_normal((16, 256))
    b = rng.standard_normal((16, 256))
    sa, sb = lns.tensor_shift(a, F), lns.tensor_shift(b, F)
    s = lns.lns_dot(lns.encode(a, F, sa), lns.encode(b, F, sb), F, k=8)
    approx = s * 2.0**-8 * 2.0 ** ((sa + sb) / 8)
    exact = np.sum(a * b, axis=-1)
    scale = np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1)
    assert np.all(np.abs(approx - exact) <= 0.03 * scale)


def test_overflow_guard():
    wide = lns.LNSFormat(exp_bits=12, frac_bits=3)
    top = np.array([(1 << 12) - 1])
    with pytest.raises(ValueError, match="overflow"):
        lns.lns_dot(top, top, wide)
