"""The DaDianNao-family grid shared by bit-parallel and bit-serial designs.

Machine: ``tiles`` x ``filters`` inner-product units, each consuming ``lanes`` activations (a
"brick": lanes consecutive channels at one kernel position) per step. Bit-serial designs add
``windows`` columns per tile that process different output windows with the same weights. All
tiles receive the same activations, so filter passes repeat the same activation timing.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from accelsim.spec.params import ParamError
from accelsim.spec.workload import Shape


@dataclass(frozen=True)
class GridParams:
    """The machine every DaDN-family design shares: ``tiles`` x ``filters`` units per tile, each
    with ``windows`` columns over ``lanes`` activations, ``width``-bit weights, ``acc_bits``
    accumulators. Designs add their own fields in a subclass."""

    tiles: int = field(default=16, metadata={"lo": 1, "hi": 1024})
    filters: int = field(default=16, metadata={"lo": 1, "hi": 4096})
    windows: int = field(default=16, metadata={"lo": 1, "hi": 1024})
    lanes: int = field(default=16, metadata={"lo": 1, "hi": 4096})
    width: int = field(default=16, metadata={"lo": 1, "hi": 32})
    acc_bits: int = field(default=32, metadata={"lo": 8, "hi": 64})
    fold_first_layer: bool = False       # datapaths.fold: stride folded into channels


@dataclass(frozen=True)
class PassGridParams(GridParams):
    """A grid whose FC filter passes may overlap (``fc_pass_cycles``): only the designs that model
    that switch take it (Stripes, Dynamic Stripes, Pragmatic and their Diffy front ends), so an arch
    that sets it for another design is told the key is unknown rather than silently ignored."""

    fc_overlap: bool = False


def check_group_size(p) -> None:
    """Run-time precision groups: ``lanes`` x a divisor of ``windows`` (whole bricks of columns)."""
    cols, rem = divmod(p.group_size, p.lanes)
    if rem or cols < 1 or p.windows % cols:
        raise ParamError("group_size", f"lanes ({p.lanes}) x a divisor of windows ({p.windows})",
                         p.group_size)


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def fc_pass_cycles(chunk: np.ndarray, columns: int, passes: int, overlap: bool) -> np.ndarray:
    """(passes,) cycles of each filter pass of an FC layer whose chunks cost ``chunk`` cycles on
    ``columns`` staggered columns (``base.staggered_cycles``; every pass sees the same inputs).
    Without ``overlap`` each pass drains before the next starts; with it the next pass's chunks
    go to columns as they free up, so a pass costs its increment of the overlapped total."""
    from accelsim.datapaths.base import staggered_cycles
    from accelsim.numerics.kernels import staggered_repeats
    if not overlap:
        return np.full(passes, staggered_cycles(chunk, columns), dtype=np.int64)
    ends = staggered_repeats(np.ascontiguousarray(chunk, dtype=np.int64), columns, passes)
    return np.diff(ends, prepend=0)


def uniform_fc_pass_cycles(chunks: int, cycles: int, columns: int, passes: int,
                           overlap: bool) -> np.ndarray:
    """``fc_pass_cycles`` of ``chunks`` chunks that all take ``cycles``, in closed form: pass i
    of an overlapped run ends when the (i + 1) * chunks chunks issued so far have."""
    from accelsim.datapaths.base import uniform_staggered
    if not overlap:
        return np.full(passes, uniform_staggered(chunks, cycles, columns), dtype=np.int64)
    ends = uniform_staggered(chunks * np.arange(1, passes + 1, dtype=np.int64), cycles, columns)
    return np.diff(ends, prepend=0)


def passes(shape: Shape, filters_per_pass: int) -> int:
    """Filter passes over the whole layer: each group's filters in chunks of the machine's width."""
    return shape.groups * ceil_div(shape.k_per_group, filters_per_pass)


def bricks(shape: Shape, lanes: int) -> int:
    """Steps one output window takes on ``lanes``-wide units: kernel positions x channel bricks."""
    return shape.r * shape.s * ceil_div(shape.c_per_group, lanes)


def real_lanes(shape: Shape, lanes: int) -> np.ndarray:
    """(bricks,) how many of each brick's lanes hold a real channel (the rest is padding)."""
    cb = ceil_div(shape.c_per_group, lanes)
    per = np.minimum(lanes, shape.c_per_group - np.arange(cb) * lanes)
    return np.tile(per, shape.r * shape.s)


def brick_view(windows: np.ndarray, lanes: int, columns: int) -> np.ndarray:
    """(groups, windows, r, s, c) -> (groups, window_groups, bricks, columns, lanes), zero padded.

    Channels are padded to a multiple of ``lanes`` and windows to a multiple of ``columns``."""
    g, w, r, s, c = windows.shape
    cb = ceil_div(c, lanes)
    wg = ceil_div(w, columns)
    out = np.zeros((g, wg * columns, r, s, cb * lanes), dtype=windows.dtype)
    out[:, :w, :, :, :c] = windows
    out = out.reshape(g, wg, columns, r * s * cb, lanes)
    return out.transpose(0, 1, 3, 2, 4)


def run_ahead(p, lane_bits: int | None = None) -> dict:
    """Run-ahead registers of a DaDN-family grid whose columns drift by up to ``p.registers``
    steps: each column of each tile holds the weight bricks (``p.filters`` x ``p.lanes`` weights of
    ``lane_bits``, default ``p.width``) of the steps it has run ahead by; none without registers."""
    from accelsim.datapaths.base import part
    if not p.registers:
        return {}
    return {"wreg": part("register", p.tiles * p.windows * p.registers,
                         bits=p.filters * p.lanes * (lane_bits or p.width))}


def run_ahead_writes(p, column_steps: int, k_per_group: int) -> dict:
    """Writes of ``run_ahead``'s registers: each column step takes one brick per set of
    ``p.filters`` filters; none without registers."""
    return {"wreg.write": column_steps * ceil_div(k_per_group, p.filters)} if p.registers else {}


def buses(tiles: int, filters: int, windows: int, act_bits: int, wgt_bits: int, out_bits: int) -> dict:
    """The DaDN-family buses (cost class ``wire``; lengths follow the floor, cost.price.complete).
    Activations: broadcast from the central memory to every tile (an H-tree over the chip), then
    in each tile sent to their window's column and broadcast along it to its ``filters`` units.
    Weights: in each tile, from its buffer to their filter's row, then broadcast along the row to
    its ``windows`` units. Outputs: gathered from the tiles to the central memory. A column or row
    is priced as a square of its area (tile / windows or tile / filters); buses inside a tile
    (``array=1``) span its compute array, the buffers beside it (cost.price.complete);
    ``*_bits`` are the bus widths, for the record (buses take no area)."""
    from accelsim.datapaths.base import part
    out = {
        "wire.act": part("wire", 1, bits=act_bits, regions=1, leaves=tiles, broadcast=1,
                         carries="activations.read_bits"),
        "wire.act_col": part("wire", tiles * windows, bits=act_bits // windows,
                             regions=tiles * windows, leaves=filters, broadcast=1, array=1,
                             carries="activations.read_bits", copies=tiles),
        "wire.wgt": part("wire", tiles, bits=wgt_bits, regions=tiles, leaves=filters, broadcast=0,
                         array=1, carries="weights.read_bits"),
        "wire.out": part("wire", 1, bits=out_bits * tiles, regions=1, leaves=tiles, broadcast=0,
                         carries="outputs.write_bits"),
    }
    if windows > 1:
        out["wire.act_tile"] = part("wire", tiles, bits=act_bits, regions=tiles, leaves=windows,
                                    broadcast=0, array=1, carries="activations.read_bits", copies=tiles)
        out["wire.wgt_row"] = part("wire", tiles * filters, bits=wgt_bits // filters,
                                   regions=tiles * filters, leaves=windows, broadcast=1, array=1,
                                   carries="weights.read_bits")
    return out


def vector_frame(pes: int, vmacs: int, lanes: int, a_bits: float, w_bits: float, prod_bits: float,
                 acc_bits: float) -> dict:
    """Registers and buses of a vector-MAC array (``pes`` PEs of ``vmacs`` units of ``lanes``):
    a PE's activation latch (shared by its units), each unit's weight latch, the pipeline register
    after the multipliers and the accumulator register; activations broadcast from the global
    buffer to the PEs, weights from each PE's buffer to its units, outputs back."""
    from accelsim.datapaths.base import part
    n = pes * vmacs
    return {
        "reg.act": part("flipflop", pes, bits=lanes * a_bits),
        "reg.wgt": part("flipflop", n, bits=lanes * w_bits),
        "reg.prod": part("flipflop", n, bits=lanes * prod_bits),
        "reg.acc": part("flipflop", n, bits=acc_bits),
        "wire.act": part("wire", 1, bits=lanes * a_bits, regions=1, leaves=pes, broadcast=1,
                         carries="activations.read_bits"),
        "wire.wgt": part("wire", pes, bits=vmacs * lanes * w_bits, regions=pes, leaves=vmacs,
                         broadcast=0, array=1, carries="weights.read_bits"),
        "wire.out": part("wire", 1, bits=vmacs * acc_bits, regions=1, leaves=pes, broadcast=0,
                         carries="outputs.write_bits"),
    }


def planar_frame(pes: int, f: int, i: int, w_bits: float, a_bits: float, prod_bits: float) -> dict:
    """Registers and buses of a planar PE array (SCNN / DCNN: ``pes`` PEs each an f x i multiplier
    array): each PE's weight and activation operand latches and its product pipeline register;
    weights broadcast from the chip's buffer to every PE, activations from each PE's own buffer,
    outputs from each PE's accumulators to its output buffer."""
    from accelsim.datapaths.base import part
    return {
        "reg.wgt": part("flipflop", pes, bits=f * w_bits),
        "reg.act": part("flipflop", pes, bits=i * a_bits),
        "reg.prod": part("flipflop", pes, bits=f * i * prod_bits),
        "wire.wgt": part("wire", 1, bits=f * w_bits, regions=1, leaves=pes, broadcast=1,
                         carries="weights.read_bits"),
        "wire.act": part("wire", pes, bits=i * a_bits, regions=pes, leaves=1, broadcast=0,
                         array=1, carries="activations.read_bits"),
        "wire.out": part("wire", pes, bits=f * w_bits, regions=pes, leaves=1, broadcast=0,
                         array=1, carries="outputs.write_bits"),
    }
