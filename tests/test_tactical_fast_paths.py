"""The faster forms of Bit-Tactical's bookkeeping give exactly what the plain forms give: the
distinct-positions and gathered-oneffset kernels their numpy twins, a filter set's weight grid
the slice of the whole group's grid, and sign flips by sign bit what np.negative gives."""
import numpy as np
import pytest

from accelsim.datapaths import tactical_schedule as ts
from accelsim.numerics import kernels
from accelsim.workload.rows import flip_signs


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("dtype", [np.int32, np.int64])
def test_distinct_sorted_matches_twin(seed, dtype):
    rng = np.random.default_rng(seed)
    rows, n = int(rng.integers(1, 60)), int(rng.integers(1, 70))
    span = int(rng.integers(1, 200))
    v = rng.integers(-1, span, (rows, n)).astype(dtype)
    v[rng.random(v.shape) < rng.random()] = -1            # some rows all empty
    a = kernels.distinct_sorted(v, 9999)
    b = kernels.distinct_sorted_numpy(v, 9999)
    assert a.dtype == b.dtype == np.int64 and np.array_equal(a, b)


def test_distinct_sorted_by_hand():
    v = np.array([[5, -1, 3, 5], [-1, -1, -1, -1], [7, 2, 2, 9]])
    assert kernels.distinct_sorted(v, 0).tolist() == [[3, 5, 0], [0, 0, 0], [2, 7, 9]]
    assert kernels.distinct_sorted(np.full((2, 3), -1), 4).tolist() == [[4], [4]]


@pytest.mark.parametrize("c", [3, 16, 40])
def test_set_grid_is_the_slice_of_the_group_grid(c):
    rng = np.random.default_rng(c)
    filters = rng.integers(-9, 9, (37, 3, 2, c)).astype(np.int32)
    whole = ts.weight_grid(filters, 16)
    assert whole.shape == (3 * 2 * -(-c // 16), 37, 16)
    for first in range(0, 37, 16):
        part = ts.weight_grid(filters[first:first + 16], 16, 16)
        n = min(16, 37 - first)
        assert part.flags.c_contiguous
        assert np.array_equal(part[:, :n], whole[:, first:first + n])
        assert not part[:, n:].any()


def test_flip_signs_is_negative_where():
    rng = np.random.default_rng(0)
    x = np.abs(rng.standard_normal(1001, dtype=np.float32))
    flip = rng.random(1001) < 0.5
    want = np.negative(x, where=flip, out=x.copy())
    flip_signs(x, flip)
    assert np.array_equal(x.view(np.uint32), want.view(np.uint32))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("window", [1, 4, 16])
def test_paired_oneffset_rounds_matches_twin(seed, window):
    rng = np.random.default_rng(seed)
    n, positions = int(rng.integers(1, 30)), int(rng.integers(1, 80))
    masks = rng.integers(0, 1 << 17, (n, positions)) & rng.integers(0, 1 << 17, (n, positions))
    masks = masks.astype(np.int32) if seed % 2 else masks          # TCLe narrows its masks
    paired = rng.integers(0, positions, (int(rng.integers(1, 40)), int(rng.integers(1, 17))))
    a = kernels.paired_oneffset_rounds(masks, paired, window)
    b = kernels.paired_oneffset_rounds_numpy(masks, paired, window)
    assert a.shape == (n, paired.shape[0]) and np.array_equal(a, b)
    assert np.array_equal(a[3 % n], kernels.oneffset_rounds(masks[3 % n][paired], window))


@pytest.mark.parametrize("scale", [1, 1 << 28])       # a tabulated code range, and a wide one
def test_tcle_operands_are_each_codes_terms(scale):
    import accelsim
    from accelsim.numerics.bits import signed_terms
    dp = accelsim.load_arch("tactical_e").build()
    rng = np.random.default_rng(scale)
    acts = (rng.integers(0, 300, (40, 33)) * scale).astype(np.int64)
    masks, terms = dp.operands(acts)
    plus, minus = signed_terms(acts, dp.p.encoding)
    assert np.array_equal(masks, plus | minus) and masks.dtype.itemsize == 4 * (1 + (scale > 1))
    assert np.array_equal(terms[0], np.bitwise_count(plus | minus).sum(axis=0))
    assert np.array_equal(terms[1], np.bitwise_count(minus).sum(axis=0))
