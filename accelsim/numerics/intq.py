"""Integer quantization: per tensor, per channel, and per vector (VS-Quant two-level scales).

Symmetric ("narrow") signed range [-(2^(N-1)-1), 2^(N-1)-1] and unsigned range [0, 2^N-1], max
calibration (scale = amax / qmax), round half to even (``np.rint``, as torch.round).  VS-Quant
follows docs/references.md#vs-quant-format (Dai et al., MLSys 2021): each vector of V elements along the reduction
axis has the scale s_v = sq_v * gamma, with sq_v an unsigned M-bit integer and gamma a float
per channel or per tensor.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def qmax(bits: int, signed: bool = True) -> int:
    """Largest code: 2^(N-1)-1 signed (symmetric range), 2^N-1 unsigned."""
    if bits < 1 or (signed and bits < 2):
        raise ValueError(f"need at least {2 if signed else 1} bits, got {bits}")
    return (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1


def to_vectors(x, size: int, axis: int = -1) -> np.ndarray:
    """Split ``axis`` into vectors of ``size``: shape (..., n_vectors, size), axis moved last.

    A ragged last vector is padded with zeros; zeros never change an absolute maximum, so the
    padding cannot change any scale computed from the vectors.
    """
    if size < 1:
        raise ValueError(f"vector size must be >= 1, got {size}")
    x = np.moveaxis(np.asarray(x), axis, -1)
    pad = -x.shape[-1] % size
    if pad:
        x = np.concatenate([x, np.zeros(x.shape[:-1] + (pad,), dtype=x.dtype)], axis=-1)
    return x.reshape(x.shape[:-1] + (x.shape[-1] // size, size))


def from_vectors(v: np.ndarray, length: int, axis: int = -1) -> np.ndarray:
    """Inverse of :func:`to_vectors`: join the vectors, drop the padding, put the axis back."""
    flat = v.reshape(v.shape[:-2] + (-1,))[..., :length]
    return np.moveaxis(flat, -1, axis)


def expand_vectors(s: np.ndarray, size: int, length: int, axis: int = -1) -> np.ndarray:
    """Broadcast one value per vector (``s`` has n_vectors along ``axis``) to every element."""
    return np.moveaxis(np.repeat(np.moveaxis(s, axis, -1), size, axis=-1)[..., :length], -1, axis)


@dataclass(frozen=True, eq=False)
class IntQuant:
    """Integer codes and a float scale broadcastable to them (per tensor or per channel)."""

    codes: np.ndarray      # int64
    scale: np.ndarray      # float64, shape 1 or keepdims shape along the channel axis
    bits: int
    signed: bool

    def element_scale(self) -> np.ndarray:
        return np.broadcast_to(self.scale, self.codes.shape)


@dataclass(frozen=True, eq=False)
class VSQuant:
    """VS-Quant codes: x ~= codes * sq * gamma, with sq one unsigned M-bit integer per vector."""

    codes: np.ndarray      # int64, shape of x
    sq: np.ndarray         # int64 in [0, 2^M-1]; shape of x with n_vectors along ``axis``
    gamma: np.ndarray      # float64, broadcastable to ``sq`` (per channel or per tensor)
    bits: int
    scale_bits: int
    vector_size: int
    axis: int
    signed: bool

    def vector_scale(self) -> np.ndarray:
        """The two-level scale s_v = sq_v * gamma, one per vector."""
        return self.sq * self.gamma

    def element_scale(self) -> np.ndarray:
        length = self.codes.shape[self.axis]
        return expand_vectors(self.vector_scale(), self.vector_size, length, self.axis)


def dequantize(q: IntQuant | VSQuant) -> np.ndarray:
    """float64 reconstruction codes * scale."""
    return q.codes * q.element_scale()


def _codes(x: np.ndarray, scale: np.ndarray, bits: int, signed: bool) -> np.ndarray:
    """clamp(rint(x / scale)); a zero scale (an all-zero group) gives zero codes."""
    top = qmax(bits, signed)
    safe = np.where(scale > 0, scale, 1.0)
    q = np.where(scale > 0, np.rint(x / safe), 0.0)
    return np.clip(q, 0 if not signed else -top, top).astype(np.int64)


def _amax(x: np.ndarray, axis=None, keepdims: bool = False) -> np.ndarray:
    return np.max(np.abs(x), axis=axis, keepdims=keepdims, initial=0.0)


def quantize_tensor(x, bits: int, signed: bool = True) -> IntQuant:
    """One scale for the whole tensor: amax / qmax.  Unsigned codes clamp negatives to 0."""
    x = np.asarray(x, dtype=np.float64)
    scale = np.asarray(_amax(x) / qmax(bits, signed)).reshape((1,) * x.ndim)
    return IntQuant(_codes(x, scale, bits, signed), scale, bits, signed)


def quantize_channel(x, bits: int, axis: int = 0, signed: bool = True) -> IntQuant:
    """One scale per index along ``axis`` (e.g. output channel), from the amax over the rest."""
    x = np.asarray(x, dtype=np.float64)
    others = tuple(i for i in range(x.ndim) if i != axis % x.ndim)
    scale = _amax(x, axis=others, keepdims=True) / qmax(bits, signed)
    return IntQuant(_codes(x, scale, bits, signed), scale, bits, signed)


def quantize_vector(x, bits: int, vector_size: int = 16, axis: int = -1, scale_bits: int = 6,
                    gamma_axis: int | None = None, signed: bool = True) -> VSQuant:
    """VS-Quant two-level per-vector quantization (docs/references.md#vs-quant-format).

    Vectors of ``vector_size`` run along ``axis`` (the reduction dimension).  Calibration:
    s_v* = amax(v) / qmax(N); gamma = max(s_v*) / (2^M - 1) over each channel (``gamma_axis``,
    e.g. the output-channel axis of a weight) or the whole tensor (``gamma_axis=None``);
    sq_v = rint(s_v* / gamma); q_i = clamp(rint(x_i / (sq_v gamma))).  A vector whose sq_v
    rounds to 0 (its amax is under half a gamma step) dequantizes to zeros, as the formula says.
    """
    x = np.asarray(x, dtype=np.float64)
    axis = axis % x.ndim
    vectors = to_vectors(x, vector_size, axis)                 # (..., n_vec, V), axis moved last
    s_ideal = np.moveaxis(_amax(vectors, axis=-1), -1, axis) / qmax(bits, signed)
    if gamma_axis is None:
        reduce = None
    else:
        gamma_axis = gamma_axis % x.ndim
        if gamma_axis == axis:
            raise ValueError("gamma_axis must differ from the vector (reduction) axis")
        reduce = tuple(i for i in range(x.ndim) if i != gamma_axis)
    top_sq = qmax(scale_bits, signed=False)
    s_max = _amax(s_ideal, axis=reduce, keepdims=True)
    gamma = np.where(s_max > 0, s_max / top_sq, 1.0)           # all-zero channel: any gamma works
    sq = np.clip(np.rint(s_ideal / gamma), 0, top_sq).astype(np.int64)
    scale = expand_vectors(sq * gamma, vector_size, x.shape[axis], axis)
    return VSQuant(_codes(x, scale, bits, signed), sq, gamma, bits, scale_bits, vector_size,
                   axis, signed)


def quant_error(x, x_hat) -> tuple[float, float]:
    """(mean squared error, SQNR in dB = 10 log10(sum x^2 / sum (x - x_hat)^2)); +inf if exact."""
    x = np.asarray(x, dtype=np.float64)
    err = x - np.asarray(x_hat, dtype=np.float64)
    noise = float(np.sum(err * err))
    signal = float(np.sum(x * x))
    mse = noise / x.size if x.size else 0.0
    if noise == 0.0:
        return mse, float("inf")
    if signal == 0.0:
        return mse, float("-inf")
    return mse, float(10.0 * np.log10(signal / noise))
