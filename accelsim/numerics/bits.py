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


def serial_digits(values: np.ndarray, bits: int, chunk: int = 1, signed: bool = True) -> np.ndarray:
    """The ``chunk``-bit digits a bit-serial unit feeds, least significant first: (n, *shape).

    Each digit is what ``chunk`` wires carry: the value's ``bits``-bit code is cut into digits of
    ``chunk`` bits (the top one may be narrower). With ``signed`` the code is two's complement and
    the top digit is read as a signed number (for chunk 1 the top plane of a negative value is -1:
    the MSB weighs -2**(bits-1)), so ``sum_i digits[i] * 2**(chunk*i)`` is the value for every
    value the code holds; bits beyond the code are lost, as in hardware."""
    v = np.asarray(values, dtype=np.int64)
    n = -(-bits // chunk)
    out = np.empty((n, *v.shape), dtype=np.int64)
    for i in range(n):
        width = min(chunk, bits - chunk * i)
        out[i] = (v >> (chunk * i)) & ((1 << width) - 1)
    if signed:
        top_width = bits - chunk * (n - 1)
        top = out[n - 1]
        top[top >= 1 << (top_width - 1)] -= 1 << top_width
    return out


def spread_max(values: np.ndarray, size: int) -> np.ndarray:
    """Max over consecutive runs of ``size`` entries of the last axis, broadcast back over the run
    (columns that share one precision group all take the group's precision)."""
    if size <= 1:
        return values
    shp = values.shape
    runs = values.reshape(*shp[:-1], shp[-1] // size, size).max(axis=-1, keepdims=True)
    return np.broadcast_to(runs, (*shp[:-1], shp[-1] // size, size)).reshape(shp)


def exact_matmul(a: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``a @ rows.T`` over the last axis, batched on the leading ones, as exact int64.

    Runs through float64 BLAS, which is exact while every partial sum stays below 2**53 (bit-plane
    products of 16-bit operands over reductions far beyond any layer's); checked, not assumed."""
    a64 = np.asarray(a, dtype=np.float64)
    r64 = np.asarray(rows, dtype=np.float64)
    bound = np.abs(a64).max(initial=0) * np.abs(r64).max(initial=0) * a64.shape[-1]
    if bound >= 2.0 ** 53:
        return np.matmul(np.asarray(a, np.int64), np.swapaxes(np.asarray(rows, np.int64), -1, -2))
    return np.rint(np.matmul(a64, np.swapaxes(r64, -1, -2))).astype(np.int64)


# -- signed-digit terms (docs/references.md#booth-csd-terms): what Pragmatic and Laconic process one at a time -----
ENCODINGS = ("binary", "booth_r4", "csd", "dnnsim")
_EVEN = np.int64(0x5555_5555_5555_5555)      # bit positions 0, 2, 4, ...
_ODD = ~_EVEN                                  # bit positions 1, 3, 5, ...


def _by_table(x: np.ndarray, fn):
    """fn applied to a large tensor of narrow integer codes by evaluating it once per distinct
    code in range and gathering (one pass over the tensor instead of one per operation);
    None when the tensor is small or its range wide."""
    if x.size <= 1 << 16 or x.dtype.kind not in "iu":
        return None
    lo, hi = int(x.min()), int(x.max())
    if hi - lo >= 1 << 18:
        return None
    index = x - lo
    out = fn(np.arange(lo, hi + 1, dtype=np.int64))
    return tuple(t[index] for t in out) if isinstance(out, tuple) else out[index]


def signed_terms(x: np.ndarray, enc: str = "binary") -> tuple[np.ndarray, np.ndarray]:
    """Bit masks (plus, minus) of the terms +2^i and -2^i of integers, with x == plus - minus.

    * ``binary``: sign-magnitude, the 1 bits of |x| carry the sign of x.
    * ``booth_r4``: modified (radix-4) Booth digits of the two's-complement x; digit +-1 at 4^j
      is the term +-2^(2j), digit +-2 the term +-2^(2j+1). Can exceed popcount (2 = 4 - 2).
    * ``csd``: the non-adjacent form, the signed-digit form with the fewest terms.
    * ``dnnsim``: the run-of-ones recoding of DNNsim's "booth_encoding" option (``run_recoding``),
      which is neither radix-4 Booth nor CSD; the sign of x applies to the recoded magnitude.
    Valid for |x| < 2^61.
    """
    x = np.asarray(x)
    fast = _by_table(x, lambda v: _signed_terms(v, enc))
    return fast if fast is not None else _signed_terms(x.astype(np.int64, copy=False), enc)


def _signed_terms(x: np.ndarray, enc: str) -> tuple[np.ndarray, np.ndarray]:
    if enc == "binary":
        mag, neg = np.abs(x), x < 0
        zero = np.zeros_like(mag)
        return np.where(neg, zero, mag), np.where(neg, mag, zero)
    if enc == "booth_r4":
        # Digit j reads (y_2j+1, y_2j, y_2j-1); z = x ^ (x << 1) holds y_i xor y_i-1 at bit i.
        # Non-zero iff z_2j or z_2j+1; magnitude 1 iff z_2j; negative iff y_2j+1.
        z = x ^ (x << 1)
        one = z & _EVEN
        two = z & ~(z << 1) & _ODD
        minus = ((x >> 1) & one) | (x & two)
        return (one | two) & ~minus, minus
    if enc == "csd":
        # NAF of |x| from x + x/2 (the carries mark where runs of ones start and end).
        mag = np.abs(x)
        half = mag >> 1
        three = mag + half
        edge = half ^ three
        p, m = three & edge, half & edge
        neg = x < 0
        return np.where(neg, m, p), np.where(neg, p, m)
    if enc == "dnnsim":
        p, m = run_recoding(np.abs(x))
        neg = x < 0
        return np.where(neg, m, p), np.where(neg, p, m)
    raise ValueError(f"unknown encoding {enc!r} (known: {', '.join(ENCODINGS)})")


def run_recoding(mag: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(plus, minus) masks of non-negative integers as DNNsim's term tables recode them (its
    ``booth_encoding`` switch for Pragmatic / Bit-Tactical / Laconic; isakedo/DNNsim, core Utils).

    A scan from the most significant bit down looks at each bit and the two below it. Outside a
    run, a one is kept as a positive term unless it starts a run of three or more ones: then the
    run becomes +2^(top+1) and the scan enters "run" mode. In run mode ones cost nothing; a zero
    followed by a one is a negative term (the run goes on); a one followed by two zeros closes the
    run with a negative term at that one. So 0111 -> 1000 - 0001, 0110 stays two terms, and
    11101 -> 100000 - 00010 - 00001. The result is exact (plus - minus == mag) and never has
    more terms than popcount + 1; unlike radix-4 Booth it has no digit boundaries, and unlike
    CSD a run of two ones is left as is."""
    m = np.asarray(mag, dtype=np.int64)
    top = int(bit_length(m.max(initial=0)))
    plus, minus = np.zeros_like(m), np.zeros_like(m)
    in_run = np.zeros(m.shape, dtype=bool)
    for j in range(top, -1, -1):
        b0 = (m >> j) & 1
        b1 = (m >> (j - 1)) & 1 if j >= 1 else np.zeros_like(m)
        b2 = (m >> (j - 2)) & 1 if j >= 2 else np.zeros_like(m)
        bit = np.int64(1) << j
        starts = ~in_run & (b0 == 1) & (b1 == 1) & (b2 == 1)
        keeps = ~in_run & (b0 == 1) & ~starts
        gap = in_run & (b0 == 0) & (b1 == 1)             # a zero inside a run
        closes = in_run & (b0 == 1) & (b1 == 0) & (b2 == 0)
        plus |= np.where(starts, bit << 1, 0) | np.where(keeps, bit, 0)
        minus |= np.where(gap | closes, bit, 0)
        in_run = (in_run | starts) & ~closes
    return plus, minus


def terms(x: np.ndarray, enc: str = "binary") -> np.ndarray:
    """Number of signed power-of-two terms of each value (uint8): popcount(|x|), non-zero
    radix-4 Booth digits, or non-zero NAF digits (``enc``)."""
    x = np.asarray(x)
    fast = _by_table(x, lambda v: _term_counts(v, enc))
    return fast if fast is not None else _term_counts(x, enc)


def _term_counts(x: np.ndarray, enc: str) -> np.ndarray:
    plus, minus = _signed_terms(np.asarray(x, dtype=np.int64), enc)
    return np.bitwise_count(plus | minus).astype(np.uint8)


def max_terms(bits: int, enc: str, signed: bool) -> int:
    """Most terms a ``bits``-bit code can have (unsigned 0..2^b-1, signed two's complement)."""
    if enc == "binary":
        return bits - 1 if signed else bits
    if enc == "booth_r4":
        n = bits if signed else bits + 1          # two's-complement width holding the code
        return -(-n // 2)
    if enc == "csd":
        m = bits - 1 if signed else bits          # magnitude bits (-2^(b-1) is one term)
        return (m + 2) // 2                       # ceil((m + 1) / 2)
    if enc == "dnnsim":
        # No closed form: the recoding has a state bit; evaluate every code (bits <= 20).
        if bits > 20:
            raise ValueError("max_terms for the dnnsim recoding is evaluated for at most 20 bits")
        codes = np.arange(-(1 << (bits - 1)), 1 << (bits - 1)) if signed else np.arange(1 << bits)
        return int(terms(codes, enc).max())
    raise ValueError(f"unknown encoding {enc!r} (known: {', '.join(ENCODINGS)})")


def booth_r4_digits(x: np.ndarray, n: int) -> np.ndarray:
    """Radix-4 Booth digits d_j = -2 y_(2j+1) + y_2j + y_(2j-1) (y_-1 = 0) of n-bit two's-complement
    integers: (..., ceil(n/2)) int8 in -2..2, with x == sum_j d_j 4^j."""
    x = np.asarray(x, dtype=np.int64)
    if x.size and (x.min() < -(1 << (n - 1)) or x.max() > (1 << (n - 1)) - 1):
        raise ValueError(f"values outside the {n}-bit two's-complement range")
    j = np.arange(-(-n // 2))
    col = x[..., None]
    hi = (col >> (2 * j + 1)) & 1
    mid = (col >> (2 * j)) & 1
    lo = np.where(j == 0, 0, (col >> np.maximum(2 * j - 1, 0)) & 1)
    return (-2 * hi + mid + lo).astype(np.int8)


def naf_digits(x: np.ndarray, n: int) -> np.ndarray:
    """Non-adjacent-form digits in -1..1 of integers with |x| < 2^n: (..., n + 1) int8, lowest
    first, x == sum_i d_i 2^i (digit i = 2 - (y mod 4) when y is odd, then y = (y - d) / 2)."""
    y = np.asarray(x, dtype=np.int64).copy()
    out = np.zeros(y.shape + (n + 1,), dtype=np.int8)
    for i in range(n + 1):
        d = np.where(y & 1, 2 - np.mod(y, 4), 0)
        out[..., i] = d
        y = (y - d) >> 1
    if np.any(y != 0):
        raise ValueError(f"values of magnitude 2^{n} or more")
    return out


def oneffsets(values: np.ndarray, booth: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Pragmatic's oneffsets: the positions of each value's terms, lowest first, and their signs.

    Terms are the 1 bits of |x| (sign of x) or, with ``booth``, the radix-4 Booth terms. Returns
    (positions, signs), both (..., t) int8 with t the most terms of any value; unused slots hold
    position -1 and sign 0."""
    plus, minus = signed_terms(values, "booth_r4" if booth else "binary")
    mask = plus | minus
    t = int(np.bitwise_count(mask).max()) if mask.size else 0
    pos = np.full(mask.shape + (t,), -1, dtype=np.int8)
    sign = np.zeros(mask.shape + (t,), dtype=np.int8)
    for i in range(t):
        low = mask & -mask
        live = low != 0
        pos[..., i] = np.where(live, bit_length(low) - 1, -1)
        sign[..., i] = np.where(live, np.where(minus & low, -1, 1), 0)
        mask = mask ^ low
    return pos, sign
