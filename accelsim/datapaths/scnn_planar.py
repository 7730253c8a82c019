"""Planar tiling of a convolution over a grid of PEs (the "PT" of SCNN's PT-IS-CP dataflow, Parashar
et al., ISCA 2017), shared by SCNN and its dense baselines (docs/references.md#scnn).

A layer is cut into *bands* of rows processed one after the other (one band when the layer fits
the PEs' buffers and accumulators); inside a band the PE grid splits the plane into tiles:

Two ways to cut a band into tiles (``TILINGS``, SCNN's ``plane_tiling``):

* ``even``: rows and columns split as evenly as possible (sizes differ by at most one) over the
  input a band holds, and the outputs alike;
* ``grid`` (DNNsim's): the zero-padded input rounded up to a multiple of the PE grid, every PE an
  equal tile of it, so the padding (and the rounding) lands in the first and last PEs, which
  hold fewer real inputs; outputs owned in equal tiles of the output plane rounded up alike.

* SCNN bands partition the **input** rows and the PEs tile them (input stationary); the partial
  sums a PE produces land in its *region*: every output its inputs reach, plus the outputs it
  owns, as a bounding box. Outputs of the region owned by another PE (of this band or another
  one) are its *halo*, sent to the owner after each output-channel group.
* the dense DCNN bands partition the **output** rows and the PEs tile the outputs (each PE owns
  its outputs, no halo); bands overlap in the input rows they read.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accelsim.datapaths.base import MAX_TILES, LayerWork, chunk_bounds
from accelsim.datapaths.grid import ceil_div
from accelsim.spec.workload import LayerKind, Shape, out_size


LATENCY_SHARE = 8      # compute per engine tile, in DRAM latencies (see steps_to_work)
TILINGS = ("even", "grid")


@dataclass(frozen=True)
class Plane:
    """One group of a convolution as the PE grid sees it."""

    c: int
    h: int
    w: int
    k: int
    r: int
    s: int
    sh: int = 1
    sw: int = 1
    ph: int = 0
    pw: int = 0

    @property
    def oh(self) -> int:
        return out_size(self.h, self.r, self.sh, self.ph)

    @property
    def ow(self) -> int:
        return out_size(self.w, self.s, self.sw, self.pw)


def conv_plane(shape: Shape) -> Plane:
    return Plane(shape.c_per_group, shape.h, shape.w, shape.k_per_group, shape.r, shape.s,
                 shape.stride_h, shape.stride_w, shape.pad_h, shape.pad_w)


def operands(trace, fc_side: int) -> tuple[Plane, np.ndarray]:
    """(plane, activations as (n, groups, c, h, w) int32 codes).

    An FC layer (C inputs) becomes a convolution a conv engine can run exactly: the inputs are
    zero padded to a multiple of side^2 and folded into ceil(C / side^2) planes of side x side, and
    each filter into a side x side kernel over them, so the single output is the dot product and
    every weight is used once (no weight reuse: the engine streams them)."""
    shape = trace.shape
    a = trace.act.codes
    if trace.layer.kind is LayerKind.FC:
        per = fc_side * fc_side
        cp = ceil_div(shape.c, per)
        act = np.zeros((shape.n, cp * per), dtype=np.int32)
        act[:, :shape.c] = a.reshape(shape.n, shape.c)
        plane = Plane(cp, fc_side, fc_side, shape.k, fc_side, fc_side)
        return plane, act.reshape(shape.n, 1, cp, fc_side, fc_side)
    plane = conv_plane(shape)
    return plane, a.reshape(shape.n, shape.groups, plane.c, shape.h, shape.w)


def weight_nonzeros(trace, fc_side: int, group: int):
    """Non-zero weights of one group as (k, c, r, s, value) arrays in the plane's layout (FC
    weights folded like ``operands`` folds the inputs, without a padded copy)."""
    shape = trace.shape
    if trace.layer.kind is LayerKind.FC:
        w = trace.wgt.codes.reshape(shape.k, shape.c)
        k, cc = np.nonzero(w)
        c, rs = np.divmod(cc, fc_side * fc_side)
        r, s = np.divmod(rs, fc_side)
        return k, c, r, s, w[k, cc]
    kg, cg = shape.k_per_group, shape.c_per_group
    w = trace.wgt.codes.reshape(shape.groups, kg, cg, shape.r, shape.s)[group]
    k, c, r, s = np.nonzero(w)
    return k, c, r, s, w[k, c, r, s]


@dataclass(frozen=True)
class Band:
    oy0: int   # output rows [oy0, oy1) the band computes
    oy1: int
    iy0: int   # input rows [iy0, iy1) it reads
    iy1: int


def output_bands(plane: Plane, n: int) -> tuple[Band, ...]:
    """``n`` bands of output rows, each with the input rows it reads."""
    edges = chunk_bounds(plane.oh, n)
    out = []
    for oy0, oy1 in zip(edges[:-1], edges[1:]):
        iy0 = max(0, int(oy0) * plane.sh - plane.ph)
        iy1 = min(plane.h, (int(oy1) - 1) * plane.sh - plane.ph + plane.r)
        out.append(Band(int(oy0), int(oy1), iy0, max(iy0, iy1)))
    return tuple(out)


def input_bands(plane: Plane, n: int) -> tuple[Band, ...]:
    """``n`` bands of input rows; a band owns the outputs whose kernel centre row it holds."""
    edges = chunk_bounds(plane.h, n)
    centre = plane.ph - (plane.r - 1) // 2
    owned = np.clip(-(-(edges + centre) // plane.sh), 0, plane.oh)
    owned[0], owned[-1] = 0, plane.oh
    return tuple(Band(int(owned[b]), int(owned[b + 1]), int(edges[b]), int(edges[b + 1]))
                 for b in range(len(edges) - 1))


@dataclass(frozen=True)
class Tiling:
    """Per-PE tiles of one band; arrays have one entry per PE (row-major over the grid)."""

    band: Band
    rows: int                 # PE grid
    cols: int
    y0: np.ndarray            # input tile [y0, y1) x [x0, x1), absolute input coordinates
    y1: np.ndarray
    x0: np.ndarray
    x1: np.ndarray
    ry0: np.ndarray           # region origin and size, in output coordinates
    rx0: np.ndarray
    rh: np.ndarray
    rw: np.ndarray
    owned: np.ndarray         # output positions the PE owns
    outside: np.ndarray       # region positions in rows another band owns

    @property
    def region(self) -> np.ndarray:
        return self.rh * self.rw

    @property
    def halo(self) -> np.ndarray:
        return self.region - self.owned

    def pe_of(self, y: np.ndarray, x: np.ndarray) -> np.ndarray:
        """The PE whose input tile holds each (row, column)."""
        ti = np.searchsorted(self.y0[::self.cols], y, side="right") - 1
        tj = np.searchsorted(self.x0[:self.cols], x, side="right") - 1
        return ti * self.cols + tj

    @property
    def shape(self) -> tuple[int, int]:
        """(RH, RW): the accumulator layout every PE uses (the largest region)."""
        return int(self.rh.max(initial=0)), int(self.rw.max(initial=0))


def _split(lo: int, hi: int, parts: int) -> tuple[np.ndarray, np.ndarray]:
    """[lo, hi) in ``parts`` tiles whose sizes differ by at most one: starts, ends."""
    n = max(hi - lo, 0)
    edges = lo + (np.arange(parts + 1) * n) // parts
    return edges[:-1], edges[1:]


def _grid_split(lo: int, hi: int, parts: int, pad_lo: int, pad_hi: int):
    """[lo - pad_lo, hi + pad_hi) rounded up to ``parts`` equal tiles, clipped to [lo, hi)."""
    size = ceil_div(max(hi - lo + pad_lo + pad_hi, 0), parts)
    edges = np.clip(lo - pad_lo + np.arange(parts + 1) * size, lo, hi)
    return edges[:-1], edges[1:]


def tiling(plane: Plane, band: Band, rows: int, cols: int, valid: tuple[int, int],
           mode: str = "even") -> Tiling:
    """PE tiles of a band, cut as ``mode`` says (``TILINGS``); regions are clipped to the output
    rows ``valid`` (all rows for SCNN, whose bands send partial sums to each other, the band's
    own for DCNN)."""
    if mode == "grid":
        # padding only at the plane's edges (a band inside the plane has none)
        top = plane.ph if band.iy0 == 0 else 0
        bottom = plane.ph if band.iy1 == plane.h else 0
        ty0, ty1 = _grid_split(band.iy0, band.iy1, rows, top, bottom)
        tx0, tx1 = _grid_split(0, plane.w, cols, plane.pw, plane.pw)
        oy0, oy1 = _grid_split(band.oy0, band.oy1, rows, 0, 0)
        ox0, ox1 = _grid_split(0, plane.ow, cols, 0, 0)
    elif mode == "even":
        ty0, ty1 = _split(band.iy0, band.iy1, rows)
        tx0, tx1 = _split(0, plane.w, cols)
        oy0, oy1 = _split(band.oy0, band.oy1, rows)
        ox0, ox1 = _split(0, plane.ow, cols)
    else:
        raise ValueError(f"unknown plane tiling {mode!r}")
    y0, x0 = np.repeat(ty0, cols), np.tile(tx0, rows)
    y1, x1 = np.repeat(ty1, cols), np.tile(tx1, rows)
    oy0, oy1 = np.repeat(oy0, cols), np.repeat(oy1, cols)
    ox0, ox1 = np.tile(ox0, rows), np.tile(ox1, rows)

    def reach(a0, a1, pad, stride, k, o0, o1, lo, hi):
        """Bounding box of the outputs reached from inputs [a0, a1), united with owned [o0, o1)."""
        has = a1 > a0
        r_lo = np.where(has, (a0 + pad) // stride - (k - 1) // stride, hi)
        r_hi = np.where(has, (a1 - 1 + pad) // stride + 1, lo)
        own = o1 > o0
        b_lo = np.clip(np.minimum(r_lo, np.where(own, o0, hi)), lo, hi)
        b_hi = np.clip(np.maximum(r_hi, np.where(own, o1, lo)), lo, hi)
        return b_lo, np.maximum(b_hi - b_lo, 0)

    ry0, rh = reach(y0, y1, plane.ph, plane.sh, plane.r, oy0, oy1, *valid)
    rx0, rw = reach(x0, x1, plane.pw, plane.sw, plane.s, ox0, ox1, 0, plane.ow)
    owned = (oy1 - oy0) * (ox1 - ox0)
    inside = np.clip(np.minimum(ry0 + rh, band.oy1) - np.maximum(ry0, band.oy0), 0, None)
    return Tiling(band, rows, cols, y0, y1, x0, x1, ry0, rx0, rh, rw, owned, (rh - inside) * rw)


def plan(plane: Plane, rows: int, cols: int, start: int, fits, scnn: bool,
         mode: str = "even") -> tuple[Tiling, ...] | None:
    """The fewest bands (at least ``start``) whose tilings all satisfy ``fits``: input bands for
    SCNN, output bands for DCNN (tiles cut as ``mode``). None if even one row per band does not
    fit."""
    most = plane.h if scnn else plane.oh
    n = max(1, min(start, most))
    while True:
        if scnn:
            tilings = tuple(tiling(plane, b, rows, cols, (0, plane.oh), mode)
                            for b in input_bands(plane, n))
        else:
            tilings = tuple(tiling(plane, b, rows, cols, (b.oy0, b.oy1), mode)
                            for b in output_bands(plane, n))
        if all(fits(t) for t in tilings):
            return tilings
        if n >= most:
            return None
        n = min(most, max(n + 1, int(n * 1.25)))


def nonzero_pairs(trace) -> int:
    """Multiplications whose operands are both non-zero (zero padding counts as zero): the work a
    perfectly sparse engine does. Per kernel offset, non-zero weights x non-zero inputs it meets."""
    shape = trace.shape
    g, cg, kg = shape.groups, shape.c_per_group, shape.k_per_group
    nzw = (trace.wgt.codes != 0).reshape(g, kg, cg, shape.r, shape.s).sum(axis=1, dtype=np.int64)
    a = (trace.act.codes != 0).reshape(shape.n, g, cg, shape.h, shape.w)
    a = np.pad(a, ((0, 0), (0, 0), (0, 0), (shape.pad_h, shape.pad_h), (shape.pad_w, shape.pad_w)))
    total = 0
    for r in range(shape.r):
        for s in range(shape.s):
            win = a[:, :, :, r:r + shape.stride_h * (shape.out_h - 1) + 1:shape.stride_h,
                    s:s + shape.stride_w * (shape.out_w - 1) + 1:shape.stride_w]
            hits = win.sum(axis=(0, 3, 4), dtype=np.int64)             # (g, cg)
            total += int((hits * nzw[:, :, r, s]).sum())
    return total


def steps_to_work(arch, cycles: np.ndarray, bits_in: np.ndarray, bits_out: np.ndarray, actions,
                  ideal_cycles: int, potential: float, extra) -> LayerWork:
    """Group the layer's ordered steps (cycles, bits in, bits out) into engine tiles.

    At most MAX_TILES tiles, and few enough that each holds about ``LATENCY_SHARE`` DRAM latencies
    of compute: the engine's fetcher issues one transfer at a time and waits out its latency, so
    tiles much shorter than a latency would turn a small layer into a chain of round trips that a
    DMA engine with several requests in flight does not pay. Bits are summed per tile, then
    rounded up to bytes."""
    cycles = np.asarray(cycles, dtype=np.int64)
    if cycles.shape[0] == 0:
        cycles, bits_in, bits_out = np.zeros(1, np.int64), np.zeros(1), np.zeros(1)
    latency = arch.memory.dram.latency * arch.clock.frequency_hz
    wanted = int(cycles.sum() // max(LATENCY_SHARE * latency, 1))
    edges = chunk_bounds(cycles.shape[0], max(1, min(MAX_TILES, wanted)))[:-1]
    return LayerWork(
        compute_cycles=np.add.reduceat(cycles, edges),
        bytes_in=np.ceil(np.add.reduceat(np.asarray(bits_in, np.float64), edges) / 8).astype(np.int64),
        bytes_out=np.ceil(np.add.reduceat(np.asarray(bits_out, np.float64), edges) / 8).astype(np.int64),
        actions={k: int(v) for k, v in actions.items()},
        ideal_cycles=int(ideal_cycles), potential=float(potential), extra=dict(extra))
