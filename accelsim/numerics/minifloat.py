"""Small floating-point formats: FP8 E4M3/E5M2, FP6 E3M2/E2M3, FP4 E2M1, FP16 and BF16.

Definitions follow docs/references.md#ocp-fp8-mx-elements (OCP OFP8 and OCP MX v1.0 element types): a normal code
(E > 0) is (-1)^s 2^(E-b) (1 + M/2^m), a subnormal code (E = 0) is (-1)^s 2^(1-b) M/2^m.
Encoding rounds to nearest, ties to even, in the subnormal range too, and is exact: the input
is scaled by a power of two (``np.ldexp``) onto the integer grid of its binade, so the one
rounding is ``np.rint`` (ties to even) on an exactly representable float64.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np


class NaNStyle(Enum):
    """Which codes are NaN (and whether there is an Inf)."""

    NONE = "none"          # no NaN, no Inf: every code is a number (FP6, FP4)
    ALL_ONES = "all_ones"  # only S.1...1.1...1 is NaN, no Inf (OCP E4M3)
    IEEE = "ieee"          # exponent all ones: M == 0 is Inf, M != 0 is NaN (E5M2, FP16, BF16)


@dataclass(frozen=True)
class FloatFormat:
    """A sign / exponent / mantissa format with at most 16 bits.

    ``saturating`` is the overflow rule: True maps every |x| above max normal (and +-Inf) to
    +-max normal (OCP "satfinite"); False maps a value that rounds above max normal to Inf
    (IEEE style) or, without Inf, to NaN.
    """

    name: str
    exp_bits: int
    man_bits: int
    bias: int
    nan: NaNStyle
    saturating: bool

    def __post_init__(self):
        if self.exp_bits < 1 or self.man_bits < 0 or self.bits > 16:
            raise ValueError(f"{self.name}: need 1 <= exp bits and 1 + exp + man bits <= 16")
        if self.nan is NaNStyle.ALL_ONES and self.man_bits < 1:
            raise ValueError(f"{self.name}: an all-ones NaN needs a mantissa bit")
        if self.nan is NaNStyle.NONE and not self.saturating:
            raise ValueError(f"{self.name}: without Inf or NaN, overflow can only saturate")

    @property
    def bits(self) -> int:
        return 1 + self.exp_bits + self.man_bits

    @property
    def has_inf(self) -> bool:
        return self.nan is NaNStyle.IEEE

    @property
    def code_dtype(self) -> type:
        return np.uint8 if self.bits <= 8 else np.uint16

    @property
    def max_exp_field(self) -> int:
        """Largest biased exponent of a finite number (IEEE reserves the all-ones field)."""
        top = (1 << self.exp_bits) - 1
        return top - 1 if self.nan is NaNStyle.IEEE else top

    @property
    def emax(self) -> int:
        return self.max_exp_field - self.bias

    @property
    def max_normal(self) -> float:
        # E4M3 loses only the all-ones mantissa to NaN, so its top binade stops one step early
        top_man = (1 << self.man_bits) - (2 if self.nan is NaNStyle.ALL_ONES else 1)
        return float(np.ldexp(1.0 + top_man / (1 << self.man_bits), self.emax))

    @property
    def min_normal(self) -> float:
        return float(np.ldexp(1.0, 1 - self.bias))

    @property
    def min_subnormal(self) -> float:
        return float(np.ldexp(1.0, 1 - self.bias - self.man_bits))

    @property
    def nan_code(self) -> int:
        """The NaN this library writes: every bit but the sign set."""
        if self.nan is NaNStyle.NONE:
            raise ValueError(f"{self.name} has no NaN encoding")
        return (1 << (self.bits - 1)) - 1

    @property
    def inf_code(self) -> int:
        return ((1 << self.exp_bits) - 1) << self.man_bits


# docs/references.md#ocp-fp8-mx-elements: the OCP element types.  E5M2 follows IEEE (overflow -> Inf) unless a caller
# asks for saturation, e.g. dataclasses.replace(E5M2, saturating=True) inside MX blocks.
E4M3 = FloatFormat("e4m3", 4, 3, 7, NaNStyle.ALL_ONES, saturating=True)
E5M2 = FloatFormat("e5m2", 5, 2, 15, NaNStyle.IEEE, saturating=False)
E3M2 = FloatFormat("e3m2", 3, 2, 3, NaNStyle.NONE, saturating=True)
E2M3 = FloatFormat("e2m3", 2, 3, 1, NaNStyle.NONE, saturating=True)
E2M1 = FloatFormat("e2m1", 2, 1, 1, NaNStyle.NONE, saturating=True)
FP16 = FloatFormat("fp16", 5, 10, 15, NaNStyle.IEEE, saturating=False)
BF16 = FloatFormat("bf16", 8, 7, 127, NaNStyle.IEEE, saturating=False)

FORMATS = {f.name: f for f in (E4M3, E5M2, E3M2, E2M3, E2M1, FP16, BF16)}


def round_magnitude(a: np.ndarray, fmt: FloatFormat) -> np.ndarray:
    """RNE of magnitudes ``a >= 0`` onto the format's grid with an unbounded top exponent.

    Zero, Inf and NaN pass through.  The grid step in a binade is 2^(e - m), with e clamped
    at the minimum normal exponent so that the subnormal range shares the min-normal step.
    """
    a = np.asarray(a, dtype=np.float64)
    finite = np.isfinite(a) & (a > 0)
    safe = np.where(finite, a, 1.0)
    _, ex = np.frexp(safe)                                  # safe = f 2^ex, f in [0.5, 1)
    e = np.maximum(ex - 1, 1 - fmt.bias)
    steps = np.rint(np.ldexp(safe, fmt.man_bits - e))       # exact scaling, one rounding
    return np.where(finite, np.ldexp(steps, e - fmt.man_bits), a)


def _pack(v: np.ndarray, fmt: FloatFormat) -> np.ndarray:
    """Exponent and mantissa fields of finite grid magnitudes ``0 <= v <= max_normal``."""
    sub = v < fmt.min_normal
    _, ex = np.frexp(np.where(sub, 1.0, v))
    e = ex - 1
    man_normal = np.ldexp(v, fmt.man_bits - e) - (1 << fmt.man_bits)
    man_sub = np.ldexp(v, fmt.man_bits - (1 - fmt.bias))
    field = np.where(sub, 0, e + fmt.bias).astype(np.int64)
    man = np.where(sub, man_sub, man_normal).astype(np.int64)
    return (field << fmt.man_bits) | man


def encode(x, fmt: FloatFormat) -> np.ndarray:
    """Codes (uint8 or uint16) of ``x`` rounded to nearest even, with the format's overflow rule.

    NaN becomes the format's NaN code; a format without NaN (FP6, FP4) rejects NaN input.
    """
    x = np.asarray(x, dtype=np.float64)
    nan = np.isnan(x)
    if fmt.nan is NaNStyle.NONE and nan.any():
        raise ValueError(f"{fmt.name} has no NaN encoding, but the input contains NaN")
    sign = np.signbit(x).astype(np.int64) << (fmt.bits - 1)
    mag = round_magnitude(np.abs(x), fmt)
    over = mag > fmt.max_normal                             # NaN compares False
    if fmt.saturating:
        mag = np.where(over, fmt.max_normal, mag)
        inf = np.zeros_like(over)
    elif fmt.has_inf:
        inf = over
    else:                                                   # non-saturating E4M3: overflow is NaN
        inf = np.zeros_like(over)
        nan = nan | over
    fields = _pack(np.where(inf | nan, 0.0, mag), fmt)
    codes = sign | np.where(inf, fmt.inf_code, fields)
    if fmt.nan is not NaNStyle.NONE:
        codes = np.where(nan, fmt.nan_code, codes)
    return codes.astype(fmt.code_dtype)


def decode(codes, fmt: FloatFormat) -> np.ndarray:
    """float64 values of ``codes`` (exact: every format here fits in float64)."""
    c = np.asarray(codes).astype(np.int64)
    if c.size and (c.min() < 0 or c.max() >= 1 << fmt.bits):
        raise ValueError(f"{fmt.name} codes must lie in 0..{(1 << fmt.bits) - 1}")
    neg = ((c >> (fmt.bits - 1)) & 1) == 1
    field = (c >> fmt.man_bits) & ((1 << fmt.exp_bits) - 1)
    man = c & ((1 << fmt.man_bits) - 1)
    mag = np.where(field == 0,
                   np.ldexp(man.astype(np.float64), 1 - fmt.bias - fmt.man_bits),
                   np.ldexp((man + (1 << fmt.man_bits)).astype(np.float64),
                            field - fmt.bias - fmt.man_bits))
    top = field == (1 << fmt.exp_bits) - 1
    if fmt.nan is NaNStyle.IEEE:
        mag = np.where(top, np.where(man == 0, np.inf, np.nan), mag)
    elif fmt.nan is NaNStyle.ALL_ONES:
        mag = np.where(top & (man == (1 << fmt.man_bits) - 1), np.nan, mag)
    return np.where(neg, -mag, mag)


def quantize(x, fmt: FloatFormat) -> np.ndarray:
    """``decode(encode(x))``: the value the format stores for ``x``."""
    return decode(encode(x, fmt), fmt)


def code_table(fmt: FloatFormat) -> np.ndarray:
    """The value of every code, indexed by code (only sensible for small formats)."""
    return decode(np.arange(1 << fmt.bits), fmt)
