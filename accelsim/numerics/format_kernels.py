"""Fused numba kernels of the number-format datapaths, each with a plain-numpy twin.

The numpy twins are built from ``minifloat`` / ``blockscale`` / ``lns`` (the reference format
code); the kernels do the same arithmetic in one pass over the operands, which the element-wise
numpy formulation (~20 passes per format) cannot do at LLM sizes (tens of millions of elements per
tensor). Tests compare each kernel with its twin on seeded random inputs.

* ``fgmp_low`` / ``fgmp_high_noise`` / ``fgmp_values``: NVFP4 (E2M1 elements, E4M3 block
  scale, FP32 tensor scale; docs/references.md#nvfp4) and per-tensor-scaled FP8 E4M3 versions of
  16-element blocks: the FGMP block sensitivity score sum_i c_i (x_i - x4_i)^2, the errors, and the
  mixed values (only computed where they are needed: every weight, sampled activation rows).
* ``operand_stats``: per-lane mean squares and amax of an operand in one pass.
Loops run block-major, so an operand may be a strided view of the trace codes (a transposed matmul
activation) and still be read in memory order.
* ``lns_binned_dot``: the LNS-Madam dot product with 2 gamma remainder bins of limited width
  (docs/references.md#lns-madam-format): products below the bins' LSB are dropped.
"""
from __future__ import annotations

import math

import numba
import numpy as np

from accelsim.numerics import blockscale, lns
from accelsim.numerics import minifloat as mf

# (mantissa bits, minimum exponent, max normal) of FP8 E4M3, the FGMP high precision and scale
E4M3 = (mf.E4M3.man_bits, 1 - mf.E4M3.bias, mf.E4M3.max_normal)
E2M1_MAX = mf.E2M1.max_normal
_POW2 = np.ldexp(1.0, np.arange(-64, 65))       # 2^k for k = -64..64, indexed k + 64


@numba.njit(cache=True)
def _round(x, man_bits, emin, max_normal):
    """Round to nearest even on a saturating minifloat grid (as ``minifloat.quantize``): the
    binade's step is a power of two, so scaling by it is exact and ``rint`` is the one rounding."""
    a = abs(x)
    if a == 0.0:
        return 0.0
    e = math.frexp(a)[1] - 1
    if e < emin:
        e = emin
    k = man_bits - e
    q = np.rint(a * _POW2[k + 64]) * _POW2[64 - k]
    if q > max_normal:
        q = max_normal
    return q if x > 0 else -q


@numba.njit(cache=True)
def _e2m1(p):
    """E2M1 round to nearest even, saturating at 6, without branches (the magnitudes are random,
    so a chain of ifs mispredicts): the grid 0, .5, 1, 1.5, 2, 3, 4, 6 climbed one step per
    midpoint passed; each midpoint goes to the neighbour whose mantissa bit is 0 (> keeps the tie
    below, >= passes it up)."""
    a = abs(p)
    q = (0.5 * ((a > 0.25) + (a >= 0.75) + (a > 1.25) + (a >= 1.75))
         + (a > 2.5) + (a >= 3.5) + 2.0 * (a > 5.0))
    return math.copysign(q, p)


@numba.njit(cache=True)
def operand_stats(x):
    """(mean over rows of x^2 per (block, lane), amax) of x (rows, blocks, size), one pass."""
    rows, nb, size = x.shape
    ms = np.zeros((nb, size), dtype=np.float64)
    amax = 0.0
    for b in range(nb):                 # block-major: x may be a strided (transposed) view
        for r in range(rows):
            for i in range(size):
                v = float(x[r, b, i])
                ms[b, i] += v * v
                amax = max(amax, abs(v))
    return ms / max(rows, 1), amax


@numba.njit(cache=True)
def _block_scale(x, r, b, g):
    """E4M3 block scale S of block (r, b): amax / (6 g) rounded to E4M3 (as nvfp4_encode)."""
    amax = 0.0
    for i in range(x.shape[2]):
        amax = max(amax, abs(float(x[r, b, i])))
    return _round(amax / (E2M1_MAX * g), E4M3[0], E4M3[1], E4M3[2])


@numba.njit(cache=True)
def fgmp_low(x, g, weight):
    """The NVFP4 error of the blocks of ``x`` (rows, blocks, 16) under tensor scale ``g``.

    Returns (score, noise, signal): per block the score sum_i weight[b, i] (x_i - v_i)^2 and the
    noise sum_i (x_i - v_i)^2 (v the NVFP4 value), and sum x^2 over all elements."""
    rows, nb, size = x.shape
    score = np.zeros((rows, nb), dtype=np.float64)
    noise = np.zeros((rows, nb), dtype=np.float64)
    signal = 0.0
    for b in range(nb):
        for r in range(rows):
            s = _block_scale(x, r, b, g)
            step = s * g
            acc = 0.0
            err = 0.0
            for i in range(size):
                v = float(x[r, b, i])
                lo = _e2m1(v / step) * s * g if step > 0.0 else 0.0
                d = (v - lo) * (v - lo)
                acc += weight[b, i] * d
                err += d
                signal += v * v
            score[r, b] = acc
            noise[r, b] = err
    return score, noise, signal


@numba.njit(cache=True)
def fgmp_high_noise(x, high, s8):
    """sum (x - fp8(x))^2 over the blocks marked ``high`` (FP8 E4M3, tensor scale ``s8``)."""
    rows, nb, size = x.shape
    noise = 0.0
    for b in range(nb):
        for r in range(rows):
            if high[r, b]:
                for i in range(size):
                    v = float(x[r, b, i])
                    d = v - _round(v / s8, E4M3[0], E4M3[1], E4M3[2]) * s8
                    noise += d * d
    return noise


@numba.njit(cache=True)
def fgmp_values(x, g, s8, high):
    """The values of ``x`` (rows, blocks, 16) in FGMP: FP8 E4M3 (tensor scale ``s8``) for the
    blocks marked ``high``, NVFP4 (tensor scale ``g``) for the others."""
    rows, nb, size = x.shape
    out = np.zeros((rows, nb, size), dtype=np.float64)
    for b in range(nb):
        for r in range(rows):
            if high[r, b]:
                for i in range(size):
                    out[r, b, i] = _round(float(x[r, b, i]) / s8, E4M3[0], E4M3[1], E4M3[2]) * s8
            else:
                s = _block_scale(x, r, b, g)
                step = s * g
                if step > 0.0:
                    for i in range(size):
                        out[r, b, i] = _e2m1(float(x[r, b, i]) / step) * s * g
    return out


def tensor_scales(amax: float) -> tuple[float, float]:
    """(NVFP4 FP32 tensor scale G, FP8 tensor scale) of a tensor whose largest magnitude is
    ``amax``, as ``blockscale.nvfp4_encode`` and a max-calibrated E4M3 tensor make them (1.0 for
    an all-zero tensor)."""
    if amax == 0:
        return 1.0, 1.0
    top = mf.E4M3.max_normal * mf.E2M1.max_normal
    g = float(max(np.float32(amax / top), np.finfo(np.float32).smallest_subnormal))
    return g, amax / mf.E4M3.max_normal


def operand_stats_numpy(x):
    x = np.asarray(x, dtype=np.float64)
    ms = (x * x).mean(axis=0) if x.shape[0] else np.zeros(x.shape[1:])
    return ms, float(np.max(np.abs(x), initial=0.0))


def _fgmp_numpy(x, g, s8):
    """(NVFP4 values, FP8 values) of x from ``blockscale`` / ``minifloat``. Exact only when
    ``g`` is the tensor scale of ``x`` itself (nvfp4_encode computes its own)."""
    x = np.asarray(x, dtype=np.float64)
    rows, nb, size = x.shape
    t = blockscale.nvfp4_encode(x.reshape(rows, nb * size), axis=-1)
    if t.tensor_scale != g:
        raise ValueError(f"g = {g} is not the tensor scale of x ({t.tensor_scale})")
    return blockscale.nvfp4_decode(t).reshape(x.shape), mf.quantize(x / s8, mf.E4M3) * s8


def fgmp_low_numpy(x, g, weight):
    x = np.asarray(x, dtype=np.float64)
    d = (x - _fgmp_numpy(x, g, 1.0)[0]) ** 2
    return (weight[None] * d).sum(axis=-1), d.sum(axis=-1), float((x * x).sum())


def fgmp_high_noise_numpy(x, high, s8):
    x = np.asarray(x, dtype=np.float64)
    hi = mf.quantize(x / s8, mf.E4M3) * s8
    return float(((x - hi)[high] ** 2).sum())


def fgmp_values_numpy(x, g, s8, high):
    lo, hi = _fgmp_numpy(x, g, s8)
    return np.where(high[..., None], hi, lo)


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
