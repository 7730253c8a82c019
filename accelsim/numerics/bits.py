"""Bit-level analysis of integer operands: precision per group, and the bit counts designs use.

All functions are vectorised numpy over int arrays (values held in int32 / int64).
"""
from __future__ import annotations

import numpy as np


def bit_length(v: np.ndarray) -> np.ndarray:
    """Number of bits of non-negative integers (0 -> 0)."""
    v = np.asarray(v, dtype=np.int64)
    out = np.zeros(v.shape, dtype=np.int64)
    nz = v > 0
    out[nz] = np.frexp(v[nz].astype(np.float64))[1]
    return out


def trailing_zeros(v: np.ndarray) -> np.ndarray:
    """Index of the lowest set bit of positive integers (0 -> 0)."""
    v = np.asarray(v, dtype=np.int64)
    return np.maximum(bit_length(v & -v) - 1, 0)


def group_precision(values: np.ndarray, axis: int = -1, leading_only: bool = False,
                    zero_cost: int = 1) -> np.ndarray:
    """Bits a group of values needs, detected at run time (Dynamic Stripes).

    The magnitudes of the group are OR-reduced; the precision is ``msb - lsb + 1`` (both ends
    trimmed) or ``msb + 1`` (``leading_only``), plus one sign bit if any value is negative
    (sign-magnitude). An all-zero group still costs ``zero_cost`` cycles.
    """
    values = np.asarray(values, dtype=np.int64)
    mags = np.bitwise_or.reduce(np.abs(values), axis=axis)
    neg = np.any(values < 0, axis=axis)
    msb = bit_length(mags)
    bits = msb if leading_only else msb - trailing_zeros(mags)
    bits = bits + neg.astype(np.int64)
    return np.where(mags == 0, zero_cost, bits)


def serial_digits(values: np.ndarray, bits: int, chunk: int = 1) -> np.ndarray:
    """The ``chunk``-bit digits a bit-serial unit feeds, least significant first: (n, *shape).

    ``values == sum_i digits[i] * 2**(chunk*i)`` exactly for any value in ``bits``-bit two's
    complement: the lower digits are the plain bits, the top digit is the arithmetic shift of what
    is left, so it carries the sign (for chunk 1 the top plane of a negative value is -1, the
    two's complement MSB weight -2**(bits-1)). Non-negative values give non-negative digits."""
    v = np.asarray(values, dtype=np.int64)
    n = -(-bits // chunk)
    out = np.empty((n, *v.shape), dtype=np.int64)
    mask = (1 << chunk) - 1
    for i in range(n - 1):
        out[i] = (v >> (chunk * i)) & mask
    out[n - 1] = v >> (chunk * (n - 1))
    return out


def spread_max(values: np.ndarray, size: int) -> np.ndarray:
    """Max over consecutive runs of ``size`` entries of the last axis, broadcast back over the run
    (columns that share one precision group all take the group's precision)."""
    if size <= 1:
        return values
    shp = values.shape
    runs = values.reshape(*shp[:-1], shp[-1] // size, size).max(axis=-1, keepdims=True)
    return np.broadcast_to(runs, (*shp[:-1], shp[-1] // size, size)).reshape(shp)
