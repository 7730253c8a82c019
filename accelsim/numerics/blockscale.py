"""Block-scaled formats: OCP MX v1.0 (MXFP8/6/4, MXINT8) and NVIDIA NVFP4.

MX (docs/references.md#ocp-mx-blocks): blocks of 32 elements along one axis share an E8M0 scale X = 2^e with
e = floor(log2(amax)) - emax_elem ("floor", the spec's rule) or the smallest e that puts amax
inside the element range ("ceil"); elements are RNE-rounded and clamped to +-max normal.
NVFP4 (docs/references.md#nvfp4): blocks of 16 E2M1 elements with a positive E4M3 block scale, under an
FP32 per-tensor scale G = amax / (448 * 6).
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar, Literal

import numpy as np

from accelsim.numerics import minifloat as mf
from accelsim.numerics.intq import expand_vectors, from_vectors, to_vectors

E8M0_BIAS = 127
E8M0_NAN = 0xFF
INT8_FRAC_BITS = 6          # MX INT8 element = int8 x 2^-6 (docs/references.md#ocp-fp8-mx-elements)


@dataclass(frozen=True)
class MXFormat:
    """An MX block format; ``element`` None means the MX INT8 element (int8 x 2^-6)."""

    name: str
    element: mf.FloatFormat | None
    block: int = 32

    scale_bits: ClassVar[int] = 8      # one E8M0 per block
    tensor_bits: ClassVar[int] = 0

    @property
    def elem_bits(self) -> int:
        return 8 if self.element is None else self.element.bits

    @property
    def emax(self) -> int:
        """emax of the element (docs/references.md#ocp-fp8-mx-elements last column): 0 for INT8."""
        return 0 if self.element is None else self.element.emax

    @property
    def elem_max(self) -> float:
        return 127 / 64 if self.element is None else self.element.max_normal


@dataclass(frozen=True)
class NVFP4Format:
    """NVFP4: E2M1 elements, blocks of 16, UE4M3 block scale, one FP32 tensor scale."""

    name: str = "nvfp4"
    element: mf.FloatFormat = mf.E2M1
    scale: mf.FloatFormat = mf.E4M3
    block: int = 16

    scale_bits: ClassVar[int] = 8      # one UE4M3 per block
    tensor_bits: ClassVar[int] = 32    # the FP32 G

    @property
    def elem_bits(self) -> int:
        return self.element.bits


MXFP8_E4M3 = MXFormat("mxfp8_e4m3", mf.E4M3)
MXFP8_E5M2 = MXFormat("mxfp8_e5m2", mf.E5M2)
MXFP6_E3M2 = MXFormat("mxfp6_e3m2", mf.E3M2)
MXFP6_E2M3 = MXFormat("mxfp6_e2m3", mf.E2M3)
MXFP4 = MXFormat("mxfp4", mf.E2M1)
MXINT8 = MXFormat("mxint8", None)
NVFP4 = NVFP4Format()


def bits_per_element(fmt: MXFormat | NVFP4Format, n_elements: int | None = None) -> float:
    """Storage bits per element: w + 8/block, plus the tensor scale spread over ``n_elements``."""
    bits = fmt.elem_bits + fmt.scale_bits / fmt.block
    if n_elements:
        bits += fmt.tensor_bits / n_elements
    return bits


@dataclass(frozen=True, eq=False)
class MXTensor:
    """Element codes (shape of x, uint8) and E8M0 scale codes (n_blocks along ``axis``)."""

    codes: np.ndarray
    scale_codes: np.ndarray
    fmt: MXFormat
    axis: int


@dataclass(frozen=True, eq=False)
class NVFP4Tensor:
    """E2M1 codes (shape of x), E4M3 block-scale codes (n_blocks along ``axis``), FP32 G."""

    codes: np.ndarray
    scale_codes: np.ndarray
    tensor_scale: float
    axis: int
    fmt: NVFP4Format = NVFP4


def _encode_elements(p: np.ndarray, fmt: MXFormat) -> np.ndarray:
    """RNE to the element type, clamped to +-max normal (MX elements always saturate)."""
    if fmt.element is None:
        q = np.clip(np.rint(np.ldexp(p, INT8_FRAC_BITS)), -127, 127)   # symmetric, as microxcaling
        return q.astype(np.int64).astype(np.uint8)                     # two's-complement byte
    return mf.encode(p, replace(fmt.element, saturating=True))


def _decode_elements(codes: np.ndarray, fmt: MXFormat) -> np.ndarray:
    if fmt.element is None:
        return np.ldexp(codes.astype(np.int8).astype(np.float64), -INT8_FRAC_BITS)
    return mf.decode(codes, fmt.element)


def _shared_exponent(amax: np.ndarray, fmt: MXFormat, rule: str) -> np.ndarray:
    """Unclamped block exponent e (float, NaN for a non-finite amax; -inf for a zero block)."""
    finite = np.isfinite(amax) & (amax > 0)
    safe = np.where(finite, amax, 1.0)
    if rule == "floor":
        _, ex = np.frexp(safe)                          # floor(log2 amax) exactly
        e = (ex - 1 - fmt.emax).astype(np.float64)
    elif rule == "ceil":
        # smallest e with amax <= elem_max * 2^e; the log2 guess is fixed up with exact ldexp
        e = np.ceil(np.log2(safe / fmt.elem_max))
        e = np.where(np.ldexp(fmt.elem_max, (e - 1).astype(np.int64)) >= safe, e - 1, e)
        e = np.where(np.ldexp(fmt.elem_max, e.astype(np.int64)) < safe, e + 1, e)
    else:
        raise ValueError(f"scale rule must be 'floor' or 'ceil', got {rule!r}")
    return np.where(finite, e, np.where(amax == 0, -np.inf, np.nan))


def mx_encode(x, fmt: MXFormat, axis: int = -1,
              scale_rule: Literal["floor", "ceil"] = "floor") -> MXTensor:
    """Quantize ``x`` to an MX format with blocks of ``fmt.block`` along ``axis``.

    A zero block gets the smallest scale 2^-127 (code 0) and zero elements; a block with NaN or
    Inf, or whose exponent exceeds 127, gets the NaN scale 0xFF and zero element codes.
    """
    x = np.asarray(x, dtype=np.float64)
    axis = axis % x.ndim
    blocks = to_vectors(x, fmt.block, axis)                   # (..., n_blocks, block)
    e = _shared_exponent(np.max(np.abs(blocks), axis=-1), fmt, scale_rule)
    nan = np.isnan(e) | (e > E8M0_BIAS)
    e = np.where(nan, 0, np.maximum(e, -E8M0_BIAS)).astype(np.int64)
    p = np.where(nan[..., None], 0.0, np.ldexp(blocks, -e[..., None]))   # V / X, exact
    codes = from_vectors(_encode_elements(p, fmt), x.shape[axis], axis)
    scale_codes = np.where(nan, E8M0_NAN, e + E8M0_BIAS).astype(np.uint8)
    return MXTensor(codes, np.moveaxis(scale_codes, -1, axis), fmt, axis)


def e8m0_decode(codes) -> np.ndarray:
    """2^(E-127); 0xFF is NaN (docs/references.md#ocp-fp8-mx-elements)."""
    c = np.asarray(codes).astype(np.int64)
    return np.where(c == E8M0_NAN, np.nan, np.ldexp(1.0, c - E8M0_BIAS))


def mx_decode(t: MXTensor) -> np.ndarray:
    """v_i = X * P_i; every element of a NaN-scale block is NaN."""
    length = t.codes.shape[t.axis]
    scale = expand_vectors(e8m0_decode(t.scale_codes), t.fmt.block, length, t.axis)
    return scale * _decode_elements(t.codes, t.fmt)


def nvfp4_encode(x, axis: int = -1, fmt: NVFP4Format = NVFP4) -> NVFP4Tensor:
    """NVFP4 as in docs/references.md#nvfp4 (ModelOpt recipe).

    G = float32(amax / (448 * 6)); S_b = RNE_E4M3(amax_b / (6 G)); q_i = RNE_E2M1(x_i / (S_b G))
    clamped to +-6.  A block whose S_b rounds to zero stores zeros.  NVFP4 has no NaN or Inf,
    so non-finite input is rejected.
    """
    x = np.asarray(x, dtype=np.float64)
    if not np.isfinite(x).all():
        raise ValueError("NVFP4 has no NaN or Inf encoding, but the input is not all finite")
    axis = axis % x.ndim
    amax = float(np.max(np.abs(x), initial=0.0))
    top = fmt.scale.max_normal * fmt.element.max_normal
    # G is stored as FP32; below FP32's normal range it loses precision (tensors with amax
    # under ~3e-35), and it must never round to zero
    g = float(max(np.float32(amax / top), np.finfo(np.float32).smallest_subnormal)) \
        if amax > 0 else 1.0
    blocks = to_vectors(x, fmt.block, axis)
    scale_codes = mf.encode(np.max(np.abs(blocks), axis=-1) / (fmt.element.max_normal * g),
                            fmt.scale)
    step = mf.decode(scale_codes, fmt.scale)[..., None] * g
    p = np.where(step > 0, blocks / np.where(step > 0, step, 1.0), 0.0)
    codes = from_vectors(mf.encode(p, fmt.element), x.shape[axis], axis)
    return NVFP4Tensor(codes, np.moveaxis(scale_codes, -1, axis), g, axis, fmt)


def nvfp4_decode(t: NVFP4Tensor) -> np.ndarray:
    """x_i ~= q_i * S_b * G."""
    length = t.codes.shape[t.axis]
    scale = expand_vectors(mf.decode(t.scale_codes, t.fmt.scale), t.fmt.block, length, t.axis)
    return mf.decode(t.codes, t.fmt.element) * scale * t.tensor_scale
