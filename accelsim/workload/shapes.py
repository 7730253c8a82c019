"""Loop bounds and im2col views for grouped convolutions (conv, fc and matmul all map onto one).

The reduction axis is ordered (r, s, c): consecutive entries are channels at one kernel position,
which is how bit-serial designs form their "bricks" of 16 channels.
"""
from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from accelsim.spec.workload import Shape


def act_shape(shape: Shape) -> tuple[int, int, int, int]:
    return (shape.n, shape.c, shape.h, shape.w)


def wgt_shape(shape: Shape) -> tuple[int, int, int, int]:
    return (shape.k, shape.c_per_group, shape.r, shape.s)


def out_shape(shape: Shape) -> tuple[int, int, int, int]:
    return (shape.n, shape.k, shape.out_h, shape.out_w)


def im2col(act: np.ndarray, shape: Shape, rows: np.ndarray | None = None) -> np.ndarray:
    """Windows of the (n, c, h, w) input: (groups, windows, r, s, c_per_group), padding as zeros.

    Windows are ordered (n, out_y, out_x). The result is a copy in the input's dtype. With
    ``rows`` (window indices), only those windows are copied (a sample costs its size, not the
    layer's)."""
    n, c, h, w = act.shape
    x = np.pad(act, ((0, 0), (0, 0), (shape.pad_h, shape.pad_h), (shape.pad_w, shape.pad_w)))
    v = sliding_window_view(x, (shape.r, shape.s), axis=(2, 3))           # n, c, oh', ow', r, s
    v = v[:, :, ::shape.stride_h, ::shape.stride_w][:, :, :shape.out_h, :shape.out_w]
    g, cg = shape.groups, shape.c_per_group
    v = v.reshape(n, g, cg, shape.out_h, shape.out_w, shape.r, shape.s)
    v = v.transpose(1, 0, 3, 4, 5, 6, 2)                                  # g, n, oy, ox, r, s, c
    if rows is not None:
        b, rest = np.divmod(rows, shape.out_h * shape.out_w)
        oy, ox = np.divmod(rest, shape.out_w)
        return np.ascontiguousarray(v[:, b, oy, ox])                      # g, rows, r, s, c
    return np.ascontiguousarray(v).reshape(g, n * shape.out_h * shape.out_w, shape.r, shape.s, cg)


def weight_rows(wgt: np.ndarray, shape: Shape) -> np.ndarray:
    """Filters as (groups, k_per_group, r, s, c_per_group), matching im2col's reduction order."""
    g = shape.groups
    v = wgt.reshape(g, shape.k_per_group, shape.c_per_group, shape.r, shape.s)
    return np.ascontiguousarray(v.transpose(0, 1, 3, 4, 2))


def reference_output(act: np.ndarray, wgt: np.ndarray, shape: Shape) -> np.ndarray:
    """Exact int64 result of the layer as (groups, windows, k_per_group): the functional oracle."""
    cols = im2col(act.astype(np.int64), shape).reshape(shape.groups, shape.windows, -1)
    rows = weight_rows(wgt.astype(np.int64), shape).reshape(shape.groups, shape.k_per_group, -1)
    return np.matmul(cols, rows.transpose(0, 2, 1))
