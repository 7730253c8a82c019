"""Integer, per-channel and VS-Quant per-vector quantization (docs/references.md#vs-quant-format)."""
import hypothesis.extra.numpy as hnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accelsim.numerics import intq


def test_qmax():
    assert intq.qmax(8) == 127 and intq.qmax(4) == 7 and intq.qmax(4, signed=False) == 15
    with pytest.raises(ValueError):
        intq.qmax(1)


def test_per_tensor():
    x = np.array([[-2.0, 0.5], [1.0, 0.26]])
    q = intq.quantize_tensor(x, 4)
    assert q.scale.item() == pytest.approx(2 / 7)
    np.testing.assert_array_equal(q.codes, [[-7, 2], [4, 1]])   # 1.75 -> 2, 3.5 -> 4 (even), 0.91
    np.testing.assert_allclose(intq.dequantize(q), q.codes * 2 / 7)


def test_unsigned_clamps_negatives():
    q = intq.quantize_tensor([-1.0, 0.0, 3.0, 1.5], 2, signed=False)
    np.testing.assert_array_equal(q.codes, [0, 0, 3, 2])


def test_per_channel():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 3, 7)) * np.array([0.01, 1, 100])[None, :, None]
    q = intq.quantize_channel(x, 8, axis=1)
    assert q.scale.shape == (1, 3, 1)
    assert np.all(np.max(np.abs(q.codes), axis=(0, 2)) == 127)
    assert np.all(np.abs(x - intq.dequantize(q)) <= q.scale / 2 * (1 + 1e-12))


def test_zero_tensor_gives_zero_codes():
    q = intq.quantize_vector(np.zeros((2, 20)), 4, 8, gamma_axis=0)
    assert not q.codes.any() and not intq.dequantize(q).any()
    assert not intq.quantize_tensor(np.zeros(3), 8).codes.any()


def test_vectors_round_trip_with_padding():
    x = np.arange(2 * 3 * 10, dtype=float).reshape(2, 3, 10)
    v = intq.to_vectors(x, 4, axis=2)
    assert v.shape == (2, 3, 3, 4)
    np.testing.assert_array_equal(v[0, 0, 2], [8, 9, 0, 0])
    np.testing.assert_array_equal(intq.from_vectors(v, 10, axis=2), x)
    v1 = intq.to_vectors(x, 2, axis=1)
    assert v1.shape == (2, 10, 2, 2)
    np.testing.assert_array_equal(intq.from_vectors(v1, 3, axis=1), x)


def test_vsquant_hand_example():
    # two vectors of 4 along K; 4-bit elements (qmax 7), 2-bit scales (max 3)
    x = np.array([[7.0, -3.5, 1.0, 0.0, 0.7, 0.35, -0.1, 0.2]])
    q = intq.quantize_vector(x, 4, vector_size=4, scale_bits=2)
    s_ideal = np.array([1.0, 0.1])               # amax / 7
    gamma = 1.0 / 3
    assert q.gamma.item() == pytest.approx(gamma)
    np.testing.assert_array_equal(q.sq, [[3, 0]])  # 0.1 / (1/3) = 0.3 rounds to 0
    np.testing.assert_array_equal(q.codes, [[7, -4, 1, 0, 0, 0, 0, 0]])   # -3.5 -> -4 (even)
    np.testing.assert_allclose(q.vector_scale(), [[1.0, 0.0]])
    assert s_ideal[0] == q.vector_scale()[0, 0]


def test_vsquant_ranges_and_reconstruction():
    rng = np.random.default_rng(3)
    w = rng.standard_normal((6, 50)) * np.exp(rng.standard_normal((6, 50)))
    q = intq.quantize_vector(w, 4, vector_size=16, axis=1, scale_bits=6, gamma_axis=0)
    assert q.sq.shape == (6, 4) and q.gamma.shape == (6, 1)
    assert q.codes.min() >= -7 and q.codes.max() <= 7
    assert q.sq.min() >= 0 and q.sq.max() <= 63
    assert np.all(q.sq.max(axis=1) == 63)               # the channel's largest vector hits 2^M-1
    # two-level scale tracks the ideal per-vector scale within half a gamma step
    s_ideal = np.max(np.abs(intq.to_vectors(w, 16, 1)), axis=-1) / 7
    assert np.all(np.abs(q.vector_scale() - s_ideal) <= q.gamma / 2 * (1 + 1e-12))
    # the last (ragged) vector holds 2 elements: its scale comes from those two only
    assert s_ideal[0, 3] == np.max(np.abs(w[0, 48:])) / 7
    expected = q.codes * np.repeat(q.sq * q.gamma, 16, axis=1)[:, :50]
    np.testing.assert_array_equal(intq.dequantize(q), expected)


def test_vsquant_beats_per_tensor_on_heavy_tails():
    rng = np.random.default_rng(4)
    x = rng.standard_t(df=2, size=(64, 256))
    _, per_tensor = intq.quant_error(x, intq.dequantize(intq.quantize_tensor(x, 4)))
    _, per_channel = intq.quant_error(x, intq.dequantize(intq.quantize_channel(x, 4, axis=0)))
    _, per_vector = intq.quant_error(
        x, intq.dequantize(intq.quantize_vector(x, 4, 16, scale_bits=6, gamma_axis=0)))
    assert per_vector > per_channel + 3 and per_channel > per_tensor


def test_vsquant_rejects_same_axes():
    with pytest.raises(ValueError, match="gamma_axis"):
        intq.quantize_vector(np.ones((2, 8)), 4, 4, axis=1, gamma_axis=-1)


def test_quant_error():
    assert intq.quant_error([1.0, 2.0], [1.0, 2.0]) == (0.0, float("inf"))
    mse, sqnr = intq.quant_error([1.0, 1.0], [1.0, 0.0])
    assert mse == 0.5 and sqnr == pytest.approx(10 * np.log10(2))
    assert intq.quant_error([0.0], [1.0])[1] == float("-inf")


@settings(max_examples=50, deadline=None)
@given(x=hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=40),
                    elements=st.floats(-1e3, 1e3)),
       bits=st.integers(2, 8), v=st.integers(1, 20), m=st.integers(1, 8))
def test_vsquant_error_bound(x, bits, v, m):
    q = intq.quantize_vector(x, bits, v, axis=1, scale_bits=m, gamma_axis=0)
    top = intq.qmax(bits)
    assert np.abs(q.codes).max() <= top
    scale = q.element_scale()
    amax = intq.expand_vectors(np.max(np.abs(intq.to_vectors(x, v, 1)), -1), v, x.shape[1], 1)
    # in range: half a step; clamped (sq rounded down): the clamp distance; sq = 0: |x|
    bound = np.where(scale > 0, np.maximum(scale / 2, amax - top * scale), np.abs(x))
    assert np.all(np.abs(x - intq.dequantize(q)) <= bound * (1 + 1e-9) + 1e-300)
