"""Diffy's deltas: exact reconstruction, the adders it takes, and fewer serial cycles on smooth
feature maps (more on uncorrelated ones)."""
import numpy as np
import pytest

from accelsim import diffy


@pytest.mark.parametrize("stride", [1, 2, 4])
def test_deltas_reconstruct_exactly(stride):
    rng = np.random.default_rng(stride)
    a = rng.integers(0, 256, size=(2, 5, 3, 11))
    d = diffy.deltas(a, stride)
    np.testing.assert_array_equal(d[..., :stride], a[..., :stride])
    np.testing.assert_array_equal(d[..., stride:], a[..., stride:] - a[..., :-stride])
    np.testing.assert_array_equal(diffy.reconstruct(d, stride), a)
    assert diffy.adder_ops(a.shape, stride) == 2 * 5 * 3 * (11 - stride)


def test_smooth_maps_need_fewer_serial_cycles_and_noise_more():
    rng = np.random.default_rng(0)
    x = np.arange(64)
    smooth = (1000 + 200 * np.sin(x / 9.0)[None, None, None, :]
              + rng.integers(0, 4, size=(1, 32, 8, 64))).astype(np.int64)
    assert diffy.work_fraction(smooth, False, 1) < 0.6      # 6-bit deltas of 11-bit values
    noise = rng.integers(0, 1 << 10, size=(1, 32, 8, 64))
    assert diffy.work_fraction(noise, False, 1) > 1.0
    # a hand count: one group of 16 channels, one row of two columns: raw 11 + 11 bits;
    # deltas 11 (first column, now signed: 12) + 2 (delta 1 signed) = 14 of 22
    a = np.full((1, 16, 1, 2), 1024)
    a[..., 1] += 1
    assert diffy.serial_cycles(a, False) == 22
    assert diffy.work_fraction(a, False, 1) == pytest.approx(14 / 22)


def test_twos_complement_width_is_dnnsims():
    """DNNsim's widths for a signed layer (minMax of v, or of ~v when negative, + a sign bit; an
    all-zero group 2), counted by hand; sign-magnitude differs on -2^k and on non-negative groups."""
    def tc(v, lead=True):
        return int(diffy.twos_complement_precision(np.array(v), leading_only=lead))
    assert tc([-4, 3]) == 3          # 100, 011
    assert tc([-5]) == 4             # 1011
    assert tc([0, 0]) == 2 and tc([-1]) == 2
    assert tc([4]) == 4              # 0100: non-negative groups pay the sign bit too
    assert tc([4, 8], lead=False) == 3 and tc([4, 8]) == 5       # 01100 less two trailing zeros
    from accelsim.numerics.bits import group_precision
    assert int(group_precision(np.array([-4, 3]), leading_only=True)) == 4
    assert int(group_precision(np.array([4]), leading_only=True)) == 3
