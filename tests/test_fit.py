"""Fitting synthetic value models to operands: the fit recovers the law data were drawn from."""
from __future__ import annotations

import numpy as np
import pytest

from accelsim.spec.workload import Values
from accelsim.workload.fit import fit
from accelsim.workload.stats import operand_stats
from accelsim.workload.tensors import synthetic


def test_half_t_is_unsigned_exactly_dense_and_heavier_tailed_than_relu_normal():
    rng = np.random.default_rng(0)
    ht = synthetic(rng, (4, 16, 32, 32), 8, Values(dist="half_t", dof=3, density=0.5))
    rn = synthetic(rng, (4, 16, 32, 32), 8, Values(dist="relu_normal", density=0.5))
    assert not ht.signed and ht.codes.min() == 0
    assert np.count_nonzero(ht.codes) == round(0.5 * ht.codes.size)
    s_ht, s_rn = (operand_stats(o.codes, 8, False, "act") for o in (ht, rn))
    assert s_ht["max_rms"] > 1.5 * s_rn["max_rms"]
    assert s_ht["ess_bits"] < s_rn["ess_bits"]      # most values sit far below a long tail's max


@pytest.mark.parametrize("law, positive, want", [
    (lambda rng, n: np.maximum(rng.standard_normal(n), 0), True, ("relu_normal", None)),
    (lambda rng, n: np.maximum(rng.standard_t(3, n), 0), True, ("half_t", 3)),
    (lambda rng, n: rng.standard_t(3, n), False, ("student_t", 3)),
    (lambda rng, n: rng.standard_normal(n), False, ("normal", None)),
])
def test_fit_recovers_the_law(law, positive, want):
    rng = np.random.default_rng(7)
    layers = [law(rng, 20000).astype(np.float32) for _ in range(10)]
    f = fit(layers, positive=positive)
    assert f.dist == want[0]
    if want[1] is not None:
        assert abs(f.dof - want[1]) <= 1
    if positive:
        assert f.density == pytest.approx(np.mean([np.mean(x > 0) for x in layers]))


def test_range_bits_keeps_synthetic_values_within_a_profiled_precision():
    rng = np.random.default_rng(1)
    op = synthetic(rng, (64, 32, 3, 3), 16, Values(dist="student_t", dof=5, range_bits=11))
    assert op.signed and np.abs(op.codes).max() == 2 ** 10 - 1
    full = synthetic(rng, (64, 32, 3, 3), 16, Values(dist="student_t", dof=5))
    assert np.abs(full.codes).max() == 2 ** 15 - 1
