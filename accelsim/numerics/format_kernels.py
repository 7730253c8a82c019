"""Fused numba kernels of the number-format datapaths, each with a plain-numpy twin.

The numpy twins are built from ``minifloat`` / ``blockscale`` / ``lns`` (the reference format
code); the kernels do the same arithmetic in one pass over the operands, which the element-wise
numpy formulation (~20 passes per format) cannot do at LLM sizes (tens of millions of elements per
tensor). Tests compare each kernel with its twin on seeded random inputs.

* ``fgmp_low`` / ``fgmp_high``: NVFP4 (E2M1 elements, E4M3 block scale, FP32 tensor scale;
  costs.md sec. 4.3) and per-tensor-scaled FP8 E4M3 versions of 16-element blocks, and the FGMP
  block sensitivity score sum_i c_i (x4_i - x8_i)^2.
* ``lns_binned_dot``: the LNS-Madam dot product with 2 gamma remainder bins of limited width
  (costs.md sec. 4.5): products below the bins' LSB are dropped.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from accelsim.numerics import blockscale, lns
from accelsim.numerics import minifloat as mf

# (mantissa bits, minimum exponent, max normal) of the two element grids FGMP uses
E2M1 = (mf.E2M1.man_bits, 1 - mf.E2M1.bias, mf.E2M1.max_normal)
E4M3 = (mf.E4M3.man_bits, 1 - mf.E4M3.bias, mf.E4M3.max_normal)


@numba.njit(cache=True)
def _round(x, man_bits, emin, max_normal):
    """Round to nearest even on a saturating minifloat grid (as ``minifloat.quantize``)."""
    a = abs(x)
    if a == 0.0:
        return 0.0
    e = math.frexp(a)[1] - 1
    if e < emin:
        e = emin
    step = math.ldexp(1.0, e - man_bits)
    q = np.rint(a / step) * step
    if q > max_normal:
        q = max_normal
    return q if x > 0 else -q


@numba.njit(cache=True)
def fgmp_low(x, g, s8, weight):
    """NVFP4 values of ``x`` (rows, blocks, 16) under tensor scale ``g``, and per block the score
    sum_i weight[b, i] (nvfp4_i - fp8_i)^2 against FP8 E4M3 with tensor scale ``s8``."""
    rows, nb, size = x.shape
    out = np.empty(x.shape, dtype=np.float64)
    score = np.zeros((rows, nb), dtype=np.float64)
    for r in range(rows):
        for b in range(nb):
            amax = 0.0
            for i in range(size):
                v = abs(float(x[r, b, i]))
                if v > amax:
                    amax = v
            s = _round(amax / (E2M1[2] * g), E4M3[0], E4M3[1], E4M3[2])
            step = s * g
            acc = 0.0
            for i in range(size):
                v = float(x[r, b, i])
                lo = 0.0
                if step > 0.0:
                    lo = _round(v / step, E2M1[0], E2M1[1], E2M1[2]) * s * g
                hi = _round(v / s8, E4M3[0], E4M3[1], E4M3[2]) * s8
                out[r, b, i] = lo
                acc += weight[b, i] * (lo - hi) * (lo - hi)
            score[r, b] = acc
    return out, score


@numba.njit(cache=True)
def fgmp_high(x, values, high, s8):
    """Overwrite the blocks marked ``high`` in ``values`` with their FP8 E4M3 values (tensor
    scale ``s8``); return (signal, noise) = (sum x^2, sum (x - values)^2) over all elements."""
    rows, nb, size = x.shape
    signal = 0.0
    noise = 0.0
    for r in range(rows):
        for b in range(nb):
            for i in range(size):
                v = float(x[r, b, i])
                if high[r, b]:
                    values[r, b, i] = _round(v / s8, E4M3[0], E4M3[1], E4M3[2]) * s8
                d = v - values[r, b, i]
                signal += v * v
                noise += d * d
    return signal, noise


def tensor_scales(x: np.ndarray) -> tuple[float, float]:
    """(NVFP4 FP32 tensor scale G, FP8 tensor scale) of ``x``, as ``blockscale.nvfp4_encode``
    and a max-calibrated E4M3 tensor make them (1.0 for an all-zero tensor)."""
    amax = float(np.max(np.abs(x), initial=0.0))
    if amax == 0:
        return 1.0, 1.0
    top = mf.E4M3.max_normal * mf.E2M1.max_normal
    g = float(max(np.float32(amax / top), np.finfo(np.float32).smallest_subnormal))
    return g, amax / mf.E4M3.max_normal


def fgmp_low_numpy(x, g, s8, weight):
    """Twin of :func:`fgmp_low` from ``blockscale.nvfp4_encode`` / ``minifloat.quantize``.
    Exact only when ``g`` is the tensor scale of ``x`` itself (nvfp4_encode computes its own)."""
    x = np.asarray(x, dtype=np.float64)
    rows, nb, size = x.shape
    t = blockscale.nvfp4_encode(x.reshape(rows, nb * size), axis=-1)
    if t.tensor_scale != g:
        raise ValueError(f"g = {g} is not the tensor scale of x ({t.tensor_scale})")
    lo = blockscale.nvfp4_decode(t).reshape(x.shape)
    hi = mf.quantize(x / s8, mf.E4M3) * s8
    return lo, (weight[None] * (lo - hi) ** 2).sum(axis=-1)


def fgmp_high_numpy(x, values, high, s8):
    x = np.asarray(x, dtype=np.float64)
    hi = mf.quantize(x / s8, mf.E4M3) * s8
    out = np.where(high[..., None], hi, values)
    values[...] = out
    return float((x * x).sum()), float(((x - out) ** 2).sum())


@numba.njit(cache=True)
def column_mean_square(x):
    """Mean over the rows of x^2: (rows, blocks, size) -> (blocks, size) float64."""
    rows, nb, size = x.shape
    out = np.zeros((nb, size), dtype=np.float64)
    for r in range(rows):
        for b in range(nb):
            for i in range(size):
                v = float(x[r, b, i])
                out[b, i] += v * v
    return out / max(rows, 1)


def column_mean_square_numpy(x):
    x = np.asarray(x, dtype=np.float64)
    return (x * x).mean(axis=0) if x.shape[0] else np.zeros(x.shape[1:])


# -- LNS-Madam -------------------------------------------------------------------------------
@numba.njit(cache=True)
def lns_binned_dot(a, w, exp_bits, frac_bits, drop, lut):
    """Integer LNS dot products of every row of ``a`` (n, K) with every row of ``w`` (m, K), both
    LNS codes (sign << exp_bits | exponent, exponent 0 = zero). Each product e = ea + ew adds
    2^(q - drop), q = e >> frac_bits, to bin r = e & (gamma - 1) (+ gamma if negative); products
    with q < drop fall below the bins' LSB and are dropped. Result: sum_r (PS[r] - PS[r+gamma])
    LUT[r], an int64 (n, m) array."""
    n, k = a.shape
    m = w.shape[0]
    gamma = 1 << frac_bits
    emask = (1 << exp_bits) - 1
    out = np.zeros((n, m), dtype=np.int64)
    bins = np.zeros(2 * gamma, dtype=np.int64)
    for i in range(n):
        for j in range(m):
            bins[:] = 0
            for t in range(k):
                ca = np.int64(a[i, t])
                cw = np.int64(w[j, t])
                ea = ca & emask
                ew = cw & emask
                if ea == 0 or ew == 0:
                    continue
                e = ea + ew
                q = e >> frac_bits
                if q < drop:
                    continue
                neg = ((ca ^ cw) >> exp_bits) & 1
                bins[(e & (gamma - 1)) + gamma * neg] += np.int64(1) << (q - drop)
            s = 0
            for r in range(gamma):
                s += (bins[r] - bins[r + gamma]) * lut[r]
            out[i, j] = s
    return out


def lns_binned_dot_numpy(a, w, exp_bits, frac_bits, drop, lut):
    """Twin of :func:`lns_binned_dot`: ``lns.lns_multiply`` on the (n, m, K) broadcast."""
    fmt = lns.LNSFormat(exp_bits, frac_bits)
    sign, e = lns.lns_multiply(np.asarray(a)[:, None, :], np.asarray(w)[None, :, :], fmt)
    q = e >> frac_bits
    keep = (e > 0) & (q >= drop)
    term = np.where(keep, np.left_shift(np.int64(1), np.where(keep, q - drop, 0)), 0)
    gamma = 1 << frac_bits
    value = term * np.asarray(lut, dtype=np.int64)[e & (gamma - 1)]
    return np.where(sign == 1, -value, value).sum(axis=-1)
