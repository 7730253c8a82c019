"""Quantized integer operands: seeded synthetic ones, or real tensors from .npy / .npz files.

Synthetic values: ``round(density * size)`` positions (chosen by the generator) hold non-zeros whose
magnitudes follow the layer's distribution, scaled so the largest magnitude uses the full precision
(max-abs calibration; or only ``range_bits`` of it when fewer, the profiled precision of values
held in a wider container) and never rounded to zero, so the density is exact. ``relu_normal`` and
``half_normal`` are the same magnitude law (the |N(0,1)| of a rectified zero-mean normal);
``half_t`` is |t| with ``dof`` degrees of freedom, the heavier-tailed unsigned law fitted to real
post-ReLU activations (``workload.fit``).
Signed distributions give two's-complement codes in [-(2^(b-1)-1), 2^(b-1)-1]; unsigned ones
[0, 2^b - 1]. Activations are drawn here in one stream; synthetic weights follow the same law
drawn by blocks of filters (``workload.rows``), so that a sample can draw only its rows.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accelsim.errors import SpecError
from accelsim.spec.workload import Values


@dataclass(frozen=True)
class Operand:
    codes: np.ndarray       # integer codes, int32
    signed: bool
    mse: float              # quantization error against the float values, in code units^2
    sqnr_db: float          # 10 log10(signal / error); inf when the codes are exact


def qmax(bits: int, signed: bool) -> int:
    return (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1


def magnitudes(rng: np.random.Generator, values: Values, n: int) -> np.ndarray:
    d = values.dist
    if d in ("relu_normal", "half_normal"):
        return np.abs(rng.standard_normal(n, dtype=np.float32))
    if d == "normal":
        return rng.standard_normal(n, dtype=np.float32)
    if d == "laplace":
        return rng.laplace(size=n).astype(np.float32)
    if d == "uniform":
        return rng.uniform(-1.0, 1.0, n).astype(np.float32)
    if d == "student_t":
        return rng.standard_t(values.dof, n).astype(np.float32)
    if d == "half_t":
        return np.abs(rng.standard_t(values.dof, n)).astype(np.float32)
    raise ValueError(f"unknown distribution {d}")


def exact_mask(rng: np.random.Generator, size: int, nnz: int) -> np.ndarray:
    """A boolean mask with exactly ``nnz`` True entries at uniformly random positions.

    A Bernoulli draw lands within a few sqrt(size) of nnz; the surplus (or deficit) is then removed
    (or added) at random positions, which keeps every position equally likely to be non-zero."""
    mask = rng.random(size, dtype=np.float32) < nnz / size
    have = int(np.count_nonzero(mask))
    if have > nnz:
        on = np.flatnonzero(mask)
        mask[on[rng.choice(on.size, have - nnz, replace=False)]] = False
    elif have < nnz:
        off = np.flatnonzero(~mask)
        mask[off[rng.choice(off.size, nnz - have, replace=False)]] = True
    return mask


def synthetic(rng: np.random.Generator, shape: tuple[int, ...], bits: int, values: Values) -> Operand:
    # a profiled precision inside a wider container: the largest magnitude uses range_bits
    bits = min(values.range_bits or bits, bits)
    size = int(np.prod(shape))
    nnz = max(1, int(round(values.density * size)))
    nz = magnitudes(rng, values, nnz)
    nz[nz == 0] = np.float32(1e-12)
    if nnz == size:
        return quantize(nz.reshape(shape), bits, values.signed, keep_nonzero=True)
    # Only the non-zeros are quantized (zeros are exact): sparse layers cost their density.
    mask = exact_mask(rng, size, nnz)
    q = quantize(nz, bits, values.signed, keep_nonzero=True)
    codes = np.zeros(size, dtype=np.int32)
    codes[mask] = q.codes
    return Operand(codes.reshape(shape), q.signed, q.mse * nnz / size, q.sqnr_db)


def quantize(x: np.ndarray, bits: int, signed: bool, keep_nonzero: bool = False) -> Operand:
    """Symmetric max-abs quantization of float values to ``bits``-bit integer codes."""
    codes, signal, noise = quantize_sums(x, bits, signed, keep_nonzero)
    return Operand(codes, signed, noise / x.size if x.size else 0.0, sqnr(signal, noise))


def quantize_sums(x: np.ndarray, bits: int, signed: bool, keep_nonzero: bool = False,
                  amax: float | None = None,
                  out: np.ndarray | None = None) -> tuple[np.ndarray, float, float]:
    """Codes (int32, x's shape) and the sums of squared signal and rounding error in code units;
    the scale maps ``amax`` (default: x's own largest magnitude) to the largest code.
    ``out`` (contiguous int32, x's size) receives the codes in place of a new array: a caller
    filling a large tensor block by block saves a copy."""
    top = qmax(bits, signed)
    if bits > 24 and x.dtype != np.float64:
        x = x.astype(np.float64)     # float32 rounds codes above 2^24 (2^31 - 1 to 2^31: overflow)
    if amax is None:
        amax = max(float(x.max()), -float(x.min())) if x.size else 0.0
    y = x * np.asarray(top / amax if amax > 0 else 1.0, dtype=x.dtype)   # in code units
    q = np.rint(y)
    if keep_nonzero:
        lost = q == 0
        lost &= x != 0
        q[lost] = np.sign(y[lost])
    np.clip(q, -top if signed else 0, top, out=q)
    flat = y.ravel()
    signal = float(np.dot(flat, flat)) if x.size else 0.0
    flat -= q.ravel()                                   # y now holds the rounding error
    noise = float(np.dot(flat, flat)) if x.size else 0.0
    if out is None:
        return q.astype(np.int32), signal, noise
    np.copyto(out.reshape(q.shape), q, casting="unsafe")
    return out, signal, noise


def sqnr(signal: float, noise: float) -> float:
    """10 log10(signal / noise) in dB; inf when the codes are exact."""
    return float("inf") if noise == 0 else 10 * np.log10(signal / noise) if signal > 0 else 0.0


def values_text(values: Values) -> str:
    """repr of a value model without fields left at a default added after seeds were fixed
    (range_bits), so adding a field does not redraw every existing workload's operands."""
    return repr(values).replace(", range_bits=None", "")


def from_file(values: Values, shape: tuple[int, ...], bits: int, file: str, key: str) -> Operand:
    """A real tensor: integers are taken as codes (and must fit ``bits``), floats are quantized."""
    from accelsim.spec.npyfile import read_operand
    arr = read_operand(values.file, values.key, tuple(shape), file, key).reshape(shape)
    integer = np.issubdtype(arr.dtype, np.integer)
    if not integer and not np.issubdtype(arr.dtype, np.floating):
        raise SpecError(file, key + ".file", "finite integer or float values", str(arr.dtype))
    if not integer and not np.all(np.isfinite(arr)):
        bad = int(np.count_nonzero(~np.isfinite(arr)))
        raise SpecError(file, key + ".file", "finite integer or float values",
                        f"{bad:,} NaN or infinite {arr.dtype} values")
    signed = bool(arr.min() < 0)
    if signed and bits < 2:
        raise SpecError(file, key + ".file", message="expected at least 2 bits for signed values "
                        "(1-bit signed codes are all zero)")
    if not integer:
        return quantize(arr.astype(np.float64), bits, signed)
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    if hi > np.iinfo(np.int32).max:
        raise SpecError(file, key + ".file", message=f"expected at most 31 bits for unsigned "
                        f"values (codes are stored as int32), got {bits}")
    if arr.min() < lo or arr.max() > hi:
        raise SpecError(file, key + ".file",
                        message=f"expected integer values in {lo}..{hi} for {bits} bits, "
                                f"got values in {int(arr.min())}..{int(arr.max())}")
    return Operand(arr.astype(np.int32), signed, 0.0, float("inf"))
