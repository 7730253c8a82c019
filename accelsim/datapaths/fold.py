"""Stride folding of a shallow strided layer (``fold_first_layer``): the same MACs as a stride-1
layer over more channels.

A first layer such as AlexNet conv1 (3 channels, stride 4) fills 3 of a brick's 16 lanes. Folding
cuts the padded input into stride x stride phases and stacks the phases as channels: input pixel
(y, x) of channel c becomes pixel (y // s, x // s) of channel ``((y % s) * s + (x % s)) * C + c``,
and each filter is cut the same way (its kernel rounded up to a multiple of s, the extra taps
zero). The folded layer has stride 1, ``C * s * s`` channels, a ``ceil(R / s)`` kernel and exactly
the original output positions, so every real product appears once and the rest multiply zero
weights. This is the layout DNNsim applies to every layer with 3 channels and stride > 1
(isakedo/DNNsim, base Array reshape_first_layer_act / _wgt), with its channel order once its
row-major / column-major difference is undone (benchmarks/dnnsim_crosscheck.py exports transposed
maps), so value-dependent designs see the same bricks; here it applies to any layer with fewer channels per
group than ``lanes`` and equal strides > 1 (groups of 1). The folded input is cropped to the rows
and columns the outputs read, so no extra outputs are computed.

Approximation: the engine moves the folded layer's bytes (the padded input), not the original's.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from accelsim.datapaths.grid import ceil_div
from accelsim.spec.workload import LayerKind, Shape
from accelsim.workload.trace import LayerTrace


def foldable(shape: Shape, lanes: int) -> bool:
    """Whether folding applies: a conv layer with one group, equal strides > 1 and fewer channels
    than a brick has lanes."""
    return (shape.groups == 1 and shape.stride_h == shape.stride_w > 1 and shape.c < lanes)


def folded_shape(shape: Shape) -> Shape:
    s = shape.stride_h
    r, k_w = ceil_div(shape.r, s), ceil_div(shape.s, s)
    return Shape(shape.n, shape.c * s * s, shape.out_h + r - 1, shape.out_w + k_w - 1, shape.k,
                 r, k_w)


def _fold(x: np.ndarray, s: int, rows: int, cols: int) -> np.ndarray:
    """(n, c, h, w) -> (n, c*s*s, rows, cols): zero-extend or crop to (rows*s, cols*s), then stack
    the phases as channels (row phase, then column phase, then channel)."""
    n, c, h, w = x.shape
    out = np.zeros((n, c, rows * s, cols * s), dtype=x.dtype)
    hh, ww = min(h, rows * s), min(w, cols * s)
    out[:, :, :hh, :ww] = x[:, :, :hh, :ww]
    out = out.reshape(n, c, rows, s, cols, s)               # n, c, y', py, x', px
    return out.transpose(0, 3, 5, 1, 2, 4).reshape(n, s * s * c, rows, cols)


def fold_trace(trace: LayerTrace, lanes: int) -> LayerTrace:
    """The folded equivalent of ``trace`` when ``foldable``, else ``trace`` itself. Traces without
    operand values (shape-only datapaths) are folded in shape alone."""
    shape = trace.shape
    if trace.layer.kind is not LayerKind.CONV or not foldable(shape, lanes):
        return trace
    new = folded_shape(shape)
    layer = dataclasses.replace(trace.layer, shape=new)
    if trace.act.codes.size == 0:
        return LayerTrace(layer, trace.act, trace.wgt)
    s = shape.stride_h
    act = np.pad(trace.act.codes, ((0, 0), (0, 0), (shape.pad_h,) * 2, (shape.pad_w,) * 2))
    act = _fold(act, s, new.h, new.w)
    wgt = _fold(trace.wgt.codes, s, new.r, new.s)
    return LayerTrace(layer, dataclasses.replace(trace.act, codes=act),
                      dataclasses.replace(trace.wgt, codes=wgt))
