"""Quantized integer operands: seeded synthetic ones, or real tensors from .npy / .npz files.

Synthetic values: ``round(density * size)`` positions (chosen by the generator) hold non-zeros whose
magnitudes follow the layer's distribution, scaled so the largest magnitude uses the full precision
(max-abs calibration) and never rounded to zero, so the density is exact. ``relu_normal`` and
``half_normal`` are the same magnitude law (the |N(0,1)| of a rectified zero-mean normal).
Signed distributions give two's-complement codes in [-(2^(b-1)-1), 2^(b-1)-1]; unsigned ones
[0, 2^b - 1].
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


def _magnitudes(rng: np.random.Generator, values: Values, n: int) -> np.ndarray:
    d = values.dist
    if d in ("relu_normal", "half_normal"):
        return np.abs(rng.standard_normal(n))
    if d == "normal":
        return rng.standard_normal(n)
    if d == "laplace":
        return rng.laplace(size=n)
    if d == "uniform":
        return rng.uniform(-1.0, 1.0, n)
    if d == "student_t":
        return rng.standard_t(values.dof, n)
    raise ValueError(f"unknown distribution {d}")


def synthetic(rng: np.random.Generator, shape: tuple[int, ...], bits: int, values: Values) -> Operand:
    size = int(np.prod(shape))
    nnz = max(1, int(round(values.density * size)))
    x = np.zeros(size)
    nz = _magnitudes(rng, values, nnz)
    nz[nz == 0] = 1e-12
    x[rng.permutation(size)[:nnz]] = nz
    return quantize(x.reshape(shape), bits, values.signed, keep_nonzero=True)


def quantize(x: np.ndarray, bits: int, signed: bool, keep_nonzero: bool = False) -> Operand:
    """Symmetric max-abs quantization of float values to ``bits``-bit integer codes."""
    top = qmax(bits, signed)
    amax = float(np.max(np.abs(x))) if x.size else 0.0
    scale = amax / top if amax > 0 else 1.0
    q = np.rint(x / scale)
    if keep_nonzero:
        q = np.where((q == 0) & (x != 0), np.sign(x), q)
    q = np.clip(q, -top if signed else 0, top).astype(np.int32)
    err = x / scale - q
    mse = float(np.mean(err ** 2)) if x.size else 0.0
    sig = float(np.sum((x / scale) ** 2))
    noise = float(np.sum(err ** 2))
    sqnr = float("inf") if noise == 0 else 10 * np.log10(sig / noise) if sig > 0 else 0.0
    return Operand(q, signed, mse, sqnr)


def from_file(values: Values, shape: tuple[int, ...], bits: int, file: str, key: str) -> Operand:
    """A real tensor: integers are taken as codes (and must fit ``bits``), floats are quantized."""
    path = values.file
    try:
        if path.suffix == ".npz":
            with np.load(path) as z:
                names = list(z.keys())
                name = values.key or (names[0] if len(names) == 1 else None)
                if name is None or name not in names:
                    raise SpecError(file, key + ".key",
                                    f"one of the arrays in {path.name} ({', '.join(names[:8])})",
                                    values.key)
                arr = z[name]
        else:
            arr = np.load(path, allow_pickle=False)
    except (OSError, ValueError) as exc:
        raise SpecError(file, key + ".file", message=f"cannot read {path.name}: {exc}") from None
    if arr.size != int(np.prod(shape)):
        raise SpecError(file, key + ".file", f"an array of {int(np.prod(shape))} values "
                        f"(layout {'x'.join(map(str, shape))})", f"shape {arr.shape}")
    arr = arr.reshape(shape)
    if np.issubdtype(arr.dtype, np.integer):
        signed = bool(arr.min() < 0)
        lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
        if arr.min() < lo or arr.max() > hi:
            raise SpecError(file, key + ".file",
                            f"integer values in {lo}..{hi} for {bits} bits",
                            f"values in {int(arr.min())}..{int(arr.max())}")
        return Operand(arr.astype(np.int32), signed, 0.0, float("inf"))
    if not np.issubdtype(arr.dtype, np.floating) or not np.all(np.isfinite(arr)):
        raise SpecError(file, key + ".file", "finite integer or float values", str(arr.dtype))
    return quantize(arr.astype(np.float64), bits, bool(np.any(arr < 0)))
