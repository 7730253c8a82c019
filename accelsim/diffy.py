"""Diffy's front end: activations as differences between neighbouring windows.

Diffy (Mahmoud, Siu, Moshovos, MICRO 2018) feeds a bit-serial back end the difference between an
activation and the one ``stride`` columns to its left (the same position in the previous window
along a row), since neighbouring pixels of a feature map are close in value and their deltas need
fewer bits or terms. The first ``stride`` columns of each row stay raw; a row of reconstruction
adders recovers the activations by a running sum per stride phase (``reconstruct``).

Work reduction is measured as the bit-serial cycles a per-group-precision back end (Dynamic
Stripes / DPRed, groups of 16 channels) spends on the deltas over those it spends on the raw
activations: an upper bound on Diffy's gain, since the paper's reconstruction of the outputs costs
adder cycles that overlap with compute there (the adders are counted, not their stalls;
docs/references.md#diffy).
"""
from __future__ import annotations

import numpy as np

from accelsim import memformat
from accelsim.numerics.bits import bit_length, trailing_zeros


def deltas(act: np.ndarray, stride: int) -> np.ndarray:
    """(n, c, h, w) activations -> the same shape of signed deltas along w at ``stride`` distance."""
    a = np.asarray(act, dtype=np.int64)
    out = a.copy()
    out[..., stride:] -= a[..., :-stride]
    return out


def reconstruct(delta: np.ndarray, stride: int) -> np.ndarray:
    """Inverse of ``deltas``: a running sum along w within each stride phase (the reconstruction
    adders: one addition per delta beyond the first ``stride`` columns)."""
    d = np.asarray(delta, dtype=np.int64)
    out = np.empty_like(d)
    for phase in range(min(stride, d.shape[-1])):
        out[..., phase::stride] = np.cumsum(d[..., phase::stride], axis=-1)
    return out


def adder_ops(shape: tuple[int, ...], stride: int) -> int:
    """Reconstruction additions for a tensor of ``shape``: one per delta past each row's first
    ``stride`` columns."""
    n, c, h, w = shape
    return n * c * h * max(w - stride, 0)


SIGNED_PRECISIONS = ("sign_magnitude", "twos_complement")


def twos_complement_precision(values: np.ndarray, axis: int = -1,
                              leading_only: bool = False) -> np.ndarray:
    """Bits a group of signed values needs when every value is a two's complement code with a
    sign bit (DNNsim's convention for a signed layer, and every Diffy layer is signed there).

    A negative value v needs the bits of ~v (= |v| - 1) plus the sign, a non-negative one its
    own bits plus the sign, so a group's width is the top bit of the OR of those magnitudes plus
    one; an all-zero group still costs one magnitude bit and the sign (2 cycles). ``leading_only``
    False also trims the common trailing zeros. ``numerics.bits.group_precision`` is the
    sign-magnitude alternative (a sign bit only for groups holding a negative value)."""
    v = np.asarray(values, dtype=np.int64)
    mags = np.bitwise_or.reduce(np.where(v < 0, ~v, v), axis=axis)
    top = np.maximum(bit_length(mags), 1) + 1
    return top if leading_only else top - trailing_zeros(mags)     # 0 -> 0 trailing zeros


def serial_cycles(act: np.ndarray, signed: bool) -> int:
    """Cycles a per-group-precision bit-serial back end spends streaming the tensor once: the sum
    over groups of 16 channels of the group's precision (Dynamic Stripes' per-group detection)."""
    width, _ = memformat.group_widths(act, signed)
    return int(width.sum())


def work_fraction(act: np.ndarray, signed: bool, stride: int) -> float:
    """Serial cycles on the deltas over serial cycles on the raw activations (< 1: Diffy helps)."""
    raw = serial_cycles(act, signed)
    return serial_cycles(deltas(act, stride), True) / raw if raw else 1.0


def window_deltas(windows: np.ndarray, out_w: int) -> np.ndarray:
    """im2col windows (groups, windows, r, s, c) ordered (n, out_y, out_x) -> each window minus
    its left neighbour in the same output row (the activations ``stride`` columns to the left,
    tap by tap); the first window of each row stays raw."""
    w = np.asarray(windows, dtype=np.int64)
    g, nw = w.shape[:2]
    rows = w.reshape(g, nw // out_w, out_w, *w.shape[2:])
    d = rows.copy()
    d[:, :, 1:] -= rows[:, :, :-1]
    return d.reshape(w.shape)


def reconstruct_outputs(delta_out: np.ndarray, out_w: int) -> np.ndarray:
    """(groups, windows, k) results of the delta windows -> the layer's outputs: a running sum
    along each output row (convolution is linear, so the deltas' results are output deltas)."""
    d = np.asarray(delta_out, dtype=np.int64)
    g, nw, k = d.shape
    return np.cumsum(d.reshape(g, nw // out_w, out_w, k), axis=2).reshape(d.shape)


def window_recon_adds(shape) -> int:
    """Additions of a front end's reconstruction adders over a conv layer (``spec.workload.Shape``):
    every output but the first of its row adds its left neighbour's."""
    return shape.n * shape.out_h * (shape.out_w - 1) * shape.k
