"""Fit the synthetic value models (family, tail, density) to real captured operands.

For each real operand (a layer's float activations or weights), the target is what the value-level
designs feel, on its non-zero values quantized per tensor (max-abs) at ``bits``: mean essential
bits, mean radix-4 Booth terms, max / rms (the tail) and the mean position of the highest set bit
(the precision a per-value detector sees). A candidate family draws the same number of non-zeros
through ``tensors.synthetic`` (so exactly as a bundled workload would), and the family whose
statistics are closest, in squared log-ratio summed over the four and averaged over layers,
wins. Density is fitted directly: the mean fraction of non-zero values.

Activations are fitted as post-ReLU values: their positive part, with the density of positive
values. For a ReLU network that is the layer input itself; for networks with other activations
(PP-OCR's HardSwish) it is the ReLU of the same pre-activations to within HardSwish's bend on
(0, 3), which is the approximation the bundled ReLU networks take from it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

import numpy as np

from accelsim.numerics.bits import bit_length
from accelsim.spec.workload import Values
from accelsim.workload.stats import operand_stats
from accelsim.workload.tensors import quantize, synthetic

ACT_CANDIDATES = (("relu_normal", 4.0),) + tuple(("half_t", d) for d in (2.5, 3, 4, 5, 6, 8, 12))
WGT_CANDIDATES = (("normal", 4.0), ("laplace", 4.0)) + tuple(("student_t", d)
                                                             for d in (2.5, 3, 4, 5, 6, 8, 12))
STATS = ("ess_bits", "booth", "max_rms", "msb")
MAX_SAMPLE = 1 << 16           # values per operand; a random subset keeps max/rms size-matched


@dataclass(frozen=True)
class Fit:
    dist: str
    dof: float
    density: float
    error: float                            # mean squared log-ratio over layers and STATS
    real: dict                              # mean real statistics
    synthetic: dict                         # mean statistics of the fitted family
    layers: int


def nonzero_sample(x: np.ndarray, rng: np.random.Generator, positive: bool) -> np.ndarray:
    """The non-zero (or, ``positive``, the positive) values, at most MAX_SAMPLE of them."""
    flat = np.asarray(x, dtype=np.float64).ravel()
    nz = flat[flat > 0] if positive else flat[flat != 0]
    if nz.size > MAX_SAMPLE:
        nz = rng.choice(nz, MAX_SAMPLE, replace=False)
    return nz


def statistics(codes: np.ndarray, bits: int, signed: bool) -> dict:
    s = operand_stats(np.asarray(codes).reshape(1, -1, 1, 1), bits, signed, "act")
    s["msb"] = float(bit_length(np.abs(np.asarray(codes, dtype=np.int64))).mean())
    return {k: s[k] for k in STATS}


def fit(operands: Iterable[np.ndarray], *, positive: bool, bits: int = 8, seed: int = 0,
        candidates=None) -> Fit:
    """The candidate family closest to ``operands`` (float arrays, one per layer)."""
    rng = np.random.default_rng(seed)
    candidates = candidates or (ACT_CANDIDATES if positive else WGT_CANDIDATES)
    samples, densities = [], []
    for x in operands:
        flat = np.asarray(x).ravel()
        densities.append(float(np.mean(flat > 0 if positive else flat != 0)))
        samples.append(nonzero_sample(x, rng, positive))
    signed = not positive
    # keep_nonzero as synthetic() does: the families are compared on their non-zeros only
    real = [statistics(quantize(s, bits, signed, keep_nonzero=True).codes, bits, signed)
            for s in samples]
    best = None
    for dist, dof in candidates:
        values = Values(dist=dist, dof=dof, density=1.0)
        syn = [statistics(synthetic(rng, (s.size,), bits, values).codes, bits, signed)
               for s in samples]
        err = float(np.mean([sum(math.log(max(a[k], 1e-9) / max(b[k], 1e-9)) ** 2
                                 for k in STATS) for a, b in zip(real, syn)]))
        if best is None or err < best[0]:
            best = (err, dist, dof, syn)
    err, dist, dof, syn = best
    mean = lambda rows: {k: float(np.mean([r[k] for r in rows])) for k in STATS}  # noqa: E731
    return Fit(dist, dof, float(np.mean(densities)), err, mean(real), mean(syn), len(samples))
