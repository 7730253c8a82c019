"""Signed-digit terms (numerics.bits): radix-4 Booth and NAF digits against their definitions and
brute force, term counts and their bounds, and Pragmatic's oneffsets."""
import itertools

import numpy as np
import pytest

from accelsim.numerics.bits import (ENCODINGS, booth_r4_digits, max_terms, naf_digits, oneffsets,
                                    signed_terms, terms)


def brute_booth(x: int, n: int) -> list[int]:
    """The radix-4 Booth digits of one integer, straight from the definition, bit by bit."""
    bits = [(x >> i) & 1 for i in range(n + 2)]             # Python ints sign-extend
    bit = lambda i: 0 if i < 0 else bits[i]
    return [-2 * bit(2 * j + 1) + bit(2 * j) + bit(2 * j - 1) for j in range(-(-n // 2))]


@pytest.mark.parametrize("n", [2, 5, 8, 9, 12])
def test_booth_digits_match_the_definition_and_reconstruct(n):
    x = np.arange(-(1 << (n - 1)), 1 << (n - 1))
    d = booth_r4_digits(x, n)
    assert d.shape == (x.size, -(-n // 2))
    assert set(np.unique(d)) <= {-2, -1, 0, 1, 2}
    assert np.array_equal((d.astype(np.int64) * 4 ** np.arange(d.shape[1])).sum(axis=1), x)
    for v, row in zip(x[::37], d[::37]):
        assert list(row) == brute_booth(int(v), n)


def test_booth_digits_reject_values_outside_the_width():
    with pytest.raises(ValueError):
        booth_r4_digits(np.array([128]), 8)


def test_booth_terms_equal_non_zero_digits_and_masks_hold_the_digits():
    x = np.arange(-512, 512)
    d = booth_r4_digits(x, 10).astype(np.int64)
    assert np.array_equal(terms(x, "booth_r4"), np.count_nonzero(d, axis=1))
    plus, minus = signed_terms(x, "booth_r4")
    for j in range(d.shape[1]):
        # digit +-1 is a term at 2j, digit +-2 at 2j+1, with the digit's sign
        one = ((plus >> 2 * j) & 1) - ((minus >> 2 * j) & 1)
        two = ((plus >> (2 * j + 1)) & 1) - ((minus >> (2 * j + 1)) & 1)
        assert np.array_equal(one + 2 * two, d[:, j])


def naf_reference(x: int) -> list[int]:
    """NAF by the textbook loop on one Python integer (docs/references.md#booth-csd-terms)."""
    out = []
    while x:
        d = 2 - (x % 4) if x & 1 else 0
        out.append(d)
        x = (x - d) // 2
    return out


@pytest.mark.parametrize("n", [1, 4, 7, 10])
def test_naf_digits_reconstruct_are_non_adjacent_and_match_the_loop(n):
    x = np.arange(-(1 << n) + 1, 1 << n)
    d = naf_digits(x, n).astype(np.int64)
    assert d.shape == (x.size, n + 1)
    assert np.array_equal((d * 2 ** np.arange(n + 1)).sum(axis=1), x)
    assert not np.any((d[:, 1:] != 0) & (d[:, :-1] != 0))
    for v, row in zip(x[::11], d[::11]):
        ref = naf_reference(int(v))
        assert list(row[:len(ref)]) == ref and not row[len(ref):].any()
    assert np.array_equal(terms(x, "csd"), np.count_nonzero(d, axis=1))


def test_naf_is_the_minimal_weight_signed_digit_form():
    # Every {-1,0,1} digit vector of length 8 (values in -255..255): min weight per value.
    digits = np.array(list(itertools.product((-1, 0, 1), repeat=8)))
    values = digits @ (2 ** np.arange(8))
    weight = np.count_nonzero(digits, axis=1)
    best = np.full(511, 99)
    np.minimum.at(best, values + 255, weight)
    x = np.arange(-127, 128)                           # all fit in 8 signed digits
    assert np.array_equal(terms(x, "csd"), best[x + 255])
    assert np.all(terms(x, "csd") <= terms(x, "booth_r4"))
    assert np.all(terms(x, "csd") <= terms(x, "binary"))


@pytest.mark.parametrize("enc", ENCODINGS)
@pytest.mark.parametrize("bits", [2, 3, 4, 7, 8, 11, 16])
@pytest.mark.parametrize("signed", [False, True])
def test_max_terms_is_the_exact_worst_case(enc, bits, signed):
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    x = np.arange(lo, hi + 1)
    assert int(terms(x, enc).max()) == max_terms(bits, enc, signed)


def test_naf_bound_ceil_half_n_plus_one():
    for n in range(1, 15):
        x = np.arange(1 << n)                           # n-bit magnitudes
        assert int(terms(x, "csd").max()) <= -(-(n + 1) // 2)


@pytest.mark.parametrize("enc", ENCODINGS)
def test_masks_reconstruct_and_large_tensors_take_the_table_path_exactly(enc):
    rng = np.random.default_rng(3)
    small = rng.integers(-(1 << 20), 1 << 20, 5000)
    plus, minus = signed_terms(small, enc)
    assert np.array_equal(plus - minus, small) and not np.any(plus & minus)
    big = rng.integers(-32767, 65536, 200_000).astype(np.int32)     # > the table threshold
    p_big, m_big = signed_terms(big, enc)
    p_ref, m_ref = signed_terms(big[:1000].astype(np.int64), enc)
    assert np.array_equal(p_big[:1000], p_ref) and np.array_equal(m_big[:1000], m_ref)
    assert np.array_equal(terms(big, enc)[:1000], terms(big[:1000], enc))


def test_binary_terms_are_popcount_of_magnitude():
    x = np.array([0, 1, -1, 7, -7, 255, -128, 1 << 15])
    assert terms(x, "binary").tolist() == [0, 1, 1, 3, 3, 8, 1, 1]


def test_unknown_encoding_is_an_error():
    with pytest.raises(ValueError, match="booth_r4"):
        terms(np.array([1]), "booth3")


def test_oneffsets_positions_and_signs():
    pos, sign = oneffsets(np.array([5, 0, 6, -3]))
    assert pos.tolist() == [[0, 2], [-1, -1], [1, 2], [0, 1]]
    assert sign.tolist() == [[1, 1], [0, 0], [1, 1], [-1, -1]]
    pos, sign = oneffsets(np.array([7, 2, -6]), booth=True)   # 8-1, 4-2, -4-2
    assert pos.tolist() == [[0, 3], [1, 2], [1, 2]]
    assert sign.tolist() == [[-1, 1], [-1, 1], [-1, -1]]


@pytest.mark.parametrize("booth", [False, True])
def test_oneffsets_rebuild_the_values_lowest_first(booth):
    x = np.random.default_rng(5).integers(-3000, 3000, (40, 7))
    pos, sign = oneffsets(x, booth)
    live = pos >= 0
    value = np.where(live, sign.astype(np.int64) << np.maximum(pos, 0), 0).sum(axis=-1)
    assert np.array_equal(value, x)
    p = np.where(live, pos, 64 + np.arange(pos.shape[-1]))  # padding sorts after, in order
    assert np.all(np.diff(p.astype(np.int64), axis=-1) > 0)  # strictly increasing, padding last
    assert np.array_equal(live.sum(axis=-1), terms(x, "booth_r4" if booth else "binary"))


def test_dnnsim_recoding_replaces_runs_of_three_or_more_ones():
    from accelsim.numerics.bits import run_recoding
    cases = {   # magnitude: (plus, minus), worked by hand from the rule in run_recoding's docstring
        0b0111: (0b1000, 0b0001),          # a run of three: +8 -1
        0b0110: (0b0110, 0),               # a run of two is left alone (CSD would give +8 -2)
        0b11101: (0b100000, 0b00011),      # a one-zero gap inside a run: +32 -2 -1
        0b1011: (0b1011, 0),               # no run of three starts at the top
        0b111000111: (0b1000001000, 0b1000001),   # two runs: +512 -64 +8 -1
    }
    for m, want in cases.items():
        got = run_recoding(np.array([m]))
        assert (int(got[0][0]), int(got[1][0])) == want, bin(m)
    m = np.arange(1 << 15)
    plus, minus = run_recoding(m)
    counts = np.bitwise_count(plus | minus)
    assert np.array_equal(plus - minus, m) and not np.any(plus & minus)
    assert np.all(counts <= np.bitwise_count(m) + 1)
    # Neither radix-4 Booth nor CSD: both differ from it on many codes.
    assert np.count_nonzero(counts != terms(m, "booth_r4")) > 1000
    assert np.count_nonzero(counts != terms(m, "csd")) > 1000
