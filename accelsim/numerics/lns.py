"""LNS-Madam multi-base logarithmic format (docs/references.md#lns-madam-format; Zhao et al., IEEE TC 2022).

A code is a sign bit s over a B-bit unsigned exponent x~: value = (-1)^s 2^((x~ + shift)/gamma),
with gamma = 2^f.  ``shift`` is the tensor scale, an integer in 1/gamma steps chosen from amax.
Zero: this library reserves x~ = 0 (either sign) for zero, so numbers use x~ in 1..2^B-1.
Values whose log-domain rounding lands at or below code 0 flush to zero; values above the top
code saturate to it.  A product of two numbers is an exponent add, so a product exponent of 0
again means zero.

Dot products follow the binned accumulation of the LNS-Madam PE (phucducnguyen/LNS_Madam
``add_unit.cpp``): split e = gamma q + r, add 1 << q into bin r (r + gamma if negative), and
only after the dot product multiply each bin difference by LUT[r] = round(2^(r/gamma) 2^k).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LNSFormat:
    """Sign + ``exp_bits`` exponent bits, base 2^(1/gamma) with gamma = 2^frac_bits."""

    exp_bits: int = 7
    frac_bits: int = 3

    def __post_init__(self):
        if not 1 <= self.exp_bits <= 15 or not 0 <= self.frac_bits <= self.exp_bits:
            raise ValueError("need 1 <= exp_bits <= 15 and 0 <= frac_bits <= exp_bits")

    @property
    def gamma(self) -> int:
        return 1 << self.frac_bits

    @property
    def bits(self) -> int:
        return 1 + self.exp_bits

    @property
    def max_exp(self) -> int:
        return (1 << self.exp_bits) - 1

    @property
    def code_dtype(self) -> type:
        return np.uint8 if self.bits <= 8 else np.uint16


LNS8 = LNSFormat(7, 3)      # the paper's 8-bit format: 1 sign + 7 exponent bits, gamma = 8


def tensor_shift(x, fmt: LNSFormat) -> int:
    """Shift that puts amax on the top code: rint(gamma log2 amax) - (2^B - 1); 0 if x is zero."""
    amax = float(np.max(np.abs(np.asarray(x, dtype=np.float64)), initial=0.0))
    if not 0 < amax < np.inf:
        return 0
    return int(np.rint(fmt.gamma * np.log2(amax))) - fmt.max_exp


def encode(x, fmt: LNSFormat, shift: int = 0) -> np.ndarray:
    """Codes s << B | x~ with x~ = rint(gamma log2|x|) - shift, nearest in the log domain.

    x~ <= 0 flushes to the zero code, x~ > 2^B - 1 saturates; NaN is rejected.
    """
    x = np.asarray(x, dtype=np.float64)
    if np.isnan(x).any():
        raise ValueError("LNS has no NaN encoding, but the input contains NaN")
    mag = np.abs(x)
    nonzero = mag > 0
    with np.errstate(divide="ignore"):
        e = np.rint(fmt.gamma * np.log2(np.where(nonzero, mag, 1.0))) - shift
    e = np.where(nonzero & (e > 0), np.minimum(e, fmt.max_exp), 0).astype(np.int64)
    sign = np.where(e > 0, np.signbit(x), False).astype(np.int64)
    return ((sign << fmt.exp_bits) | e).astype(fmt.code_dtype)


def split(codes, fmt: LNSFormat) -> tuple[np.ndarray, np.ndarray]:
    """(sign 0/1, exponent x~) as int64 arrays."""
    c = np.asarray(codes).astype(np.int64)
    if c.size and (c.min() < 0 or c.max() >= 1 << fmt.bits):
        raise ValueError(f"LNS codes must lie in 0..{(1 << fmt.bits) - 1}")
    return (c >> fmt.exp_bits) & 1, c & fmt.max_exp


def decode(codes, fmt: LNSFormat, shift: int = 0) -> np.ndarray:
    """(-1)^s 2^((x~ + shift)/gamma), and 0 for x~ = 0."""
    sign, e = split(codes, fmt)
    mag = np.where(e > 0, np.exp2((e + shift) / fmt.gamma), 0.0)
    return np.where(sign == 1, -mag, mag)


def lns_multiply(a_codes, b_codes, fmt: LNSFormat) -> tuple[np.ndarray, np.ndarray]:
    """Product (sign, exponent) with a (B+1)-bit exponent: sign xor, one integer add.

    The exponent is x~_a + x~_b (0 if either factor is zero), so the product's value is
    (-1)^s 2^((e + shift_a + shift_b)/gamma).
    """
    sa, ea = split(a_codes, fmt)
    sb, eb = split(b_codes, fmt)
    zero = (ea == 0) | (eb == 0)
    return np.where(zero, 0, sa ^ sb), np.where(zero, 0, ea + eb)


def lut(fmt: LNSFormat, k: int = 8) -> np.ndarray:
    """LUT[r] = round(2^(r/gamma) 2^k), r = 0..gamma-1 (int64)."""
    return np.rint(np.ldexp(np.exp2(np.arange(fmt.gamma) / fmt.gamma), k)).astype(np.int64)


def lns_bins(a_codes, b_codes, fmt: LNSFormat) -> np.ndarray:
    """Partial sums PS (..., 2 gamma) over the last axis: PS[r (+gamma if negative)] += 1 << q.

    q = e >> f and r = e & (gamma - 1) for each product exponent e; zero products add nothing.
    """
    sign, e = lns_multiply(a_codes, b_codes, fmt)
    q = e >> fmt.frac_bits
    if q.size and int(q.max()) + int(np.ceil(np.log2(max(e.shape[-1], 1)))) > 62:
        raise ValueError("binned partial sums would overflow int64 for this format and length")
    bins = (e & (fmt.gamma - 1)) + fmt.gamma * sign
    term = np.where(e > 0, np.left_shift(np.int64(1), q), 0)
    # one pass per bin (2 gamma of them), each vectorised over the products
    return np.stack([np.sum(np.where(bins == b, term, 0), axis=-1)
                     for b in range(2 * fmt.gamma)], axis=-1)


def lns_dot(a_codes, b_codes, fmt: LNSFormat, k: int = 8) -> np.ndarray:
    """Exact integer result of the binned LNS dot product over the last axis.

    S = sum_r (PS[r] - PS[r + gamma]) LUT[r]; the dot product is about
    S 2^-k 2^((shift_a + shift_b)/gamma).
    """
    ps = lns_bins(a_codes, b_codes, fmt)
    g = fmt.gamma
    # |S| <= gamma * max|PS| * 2^(k+1): keep that inside int64
    if ps.size and int(np.abs(ps).max()) >= (1 << 62) >> (k + 1 + fmt.frac_bits):
        raise ValueError("the LUT products would overflow int64; use a smaller k or format")
    return np.sum((ps[..., :g] - ps[..., g:]) * lut(fmt, k), axis=-1)


def lns_dot_reference(a_codes, b_codes, fmt: LNSFormat) -> np.ndarray:
    """Float64 sum over the last axis of decode(a) * decode(b), without tensor shifts."""
    return np.sum(decode(a_codes, fmt) * decode(b_codes, fmt), axis=-1)
