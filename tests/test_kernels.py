"""Numba kernels agree with their numpy twins on seeded random inputs."""
import numpy as np
import pytest

from accelsim.numerics import kernels


@pytest.mark.parametrize("seed", range(6))
def test_staggered_matches_twin(seed):
    rng = np.random.default_rng(seed)
    c = rng.integers(1, 20, rng.integers(1, 300))
    cols = int(rng.integers(1, 20))
    assert kernels.staggered_finish(c, cols) == kernels.staggered_finish_numpy(c, cols)


def test_staggered_is_baseline_speed_when_precision_fits():
    # p <= columns: one chunk per cycle, plus the last chunk's tail.
    assert kernels.staggered_finish(np.full(100, 9), 16) == 99 + 9
    # p > columns: columns are the bottleneck.
    assert kernels.staggered_finish(np.full(64, 32), 16) == 15 + 4 * 32


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("registers", [0, 1, 3])
def test_sync_columns_matches_twin(seed, registers):
    rng = np.random.default_rng(seed)
    cost = rng.integers(1, 17, (int(rng.integers(1, 200)), 16))
    a = kernels.sync_columns(cost, registers)
    b = kernels.sync_columns_numpy(cost, registers)
    assert np.array_equal(a, b)


def test_sync_columns_limits():
    rng = np.random.default_rng(1)
    cost = rng.integers(1, 17, (500, 16))
    lockstep = kernels.sync_columns(cost, 0)
    assert lockstep[-1] == cost.max(axis=1).sum()
    free = kernels.sync_columns(cost, 10_000)           # unbounded run-ahead: slowest column
    assert free[-1] == cost.sum(axis=0).max()
    ends = [kernels.sync_columns(cost, r)[-1] for r in range(6)]
    assert all(a >= b for a, b in zip(ends, ends[1:]))   # more registers never slower
