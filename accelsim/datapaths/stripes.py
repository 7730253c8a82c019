"""Stripes (Judd et al., MICRO 2016) and Dynamic Stripes (Delmas et al., arXiv 1706.00504).

Organisation (docs/references.md#stripes, #dynamic-stripes): the DaDianNao machine with each inner-product unit replaced by
``windows`` serial inner-product units (SIPs). A SIP takes one bit of each of ``lanes`` activations
and ``lanes`` full-width weights per cycle (AND rows, an adder tree, a shift-and-add accumulator).
The ``windows`` SIPs of a filter share its weights, so each step (one brick of ``lanes`` channels
at one kernel position, for ``windows`` output windows x ``tiles*filters`` filters) takes as many
cycles as the activations have bits:

* ``stripes``: the layer's profiled activation precision p, so conv time is p/width of a
  ``windows``-times-wider bit-parallel machine.
* ``dstripes``: the precision each group of ``group_size`` activations needs at run time
  (leading/trailing-zero detection, ``numerics.bits.group_precision``); columns with their own
  groups drift apart by at most ``registers`` steps (run-ahead registers), synchronised by
  ``numerics.kernels.sync_columns`` from the real values.

FC layers have one window, so there is no weight reuse: chunks of ``lanes`` inputs start one per
cycle on successive columns, each busy for its precision (``base.staggered_cycles``); with
p <= windows this is the baseline's speed, as published. Filter passes drain one by one, or with
``fc_overlap`` the next pass starts on columns as they free up (``grid.fc_pass_cycles``).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from accelsim.datapaths import grid
from accelsim.datapaths.fold import fold_trace
from accelsim.datapaths.base import (LayerWork, Part, UniformCycles, check_tiles, part, register,
                                     tile_work)
from accelsim.numerics.bits import group_precision
from accelsim.numerics.kernels import sync_columns
from accelsim.spec.workload import LayerKind


StripesParams = grid.PassGridParams


@dataclass(frozen=True)
class DynamicStripesParams(grid.PassGridParams):
    group_size: int = field(default=256, metadata={"lo": 1, "hi": 1 << 20})
    registers: int = field(default=0, metadata={"lo": 0, "hi": 1024})
    leading_only: bool = False

    def __post_init__(self):
        grid.check_group_size(self)


@register
class Stripes:
    """Stripes (Judd et al., MICRO 2016): bit-serial activations at each layer's profiled precision."""
    kind = "stripes"
    peak_factor = 8.0   # memory per im2col byte: 6.4 (Dynamic Stripes) measured (benchmarks/bench_layer_memory.py)
    samplable = True       # work depends on the im2col windows alone (engine.sampling)
    needs_values = False   # the profiled precision, not the values, sets Stripes' time
    Params = StripesParams

    def __init__(self, params: StripesParams, arch):
        self.p = params
        self.arch = arch
        # A sampled layer is rebuilt at stride 1, where folding would no longer apply.
        self.samplable = not params.fold_first_layer
        self.filter_pass = self.fc_filter_pass()

    def fc_filter_pass(self) -> int:
        """Filters per FC pass for sampling (engine.sampling): passes are timed alike and apart,
        unless they overlap."""
        return 0 if self.p.fc_overlap else self.p.tiles * self.p.filters

    def limits(self) -> tuple[int, int]:
        return self.p.width, self.p.width

    # -- cycles per step, the one thing Stripes and Dynamic Stripes do differently ----------------
    def conv_step_cycles(self, trace) -> np.ndarray:
        """(groups, window_groups, bricks, columns) cycles each column spends on each brick."""
        shape, p = trace.shape, self.p
        wg = grid.ceil_div(shape.windows, p.windows)
        return np.full((shape.groups, wg, grid.bricks(shape, p.lanes), p.windows),
                       trace.layer.act_bits, dtype=np.int64)

    def sync(self, cost: np.ndarray) -> np.ndarray:
        """Cumulative finish time after each step for one group's (steps, columns) costs."""
        return np.cumsum(cost.max(axis=1))

    def fc_chunk_cycles(self, trace) -> np.ndarray:
        """(groups, chunks) cycles of each chunk of ``lanes`` inputs of an FC layer."""
        shape, p = trace.shape, self.p
        chunks = shape.n * grid.bricks(shape, p.lanes)
        return np.full((shape.groups, chunks), trace.layer.act_bits, dtype=np.int64)

    def uniform_bits(self, trace) -> int | None:
        """Cycles every brick takes on every column when that is one number (Stripes: the
        profiled precision), so the layer's time has a closed form (``_uniform``); None when the
        values set it (Dynamic Stripes and its front ends override this)."""
        return trace.layer.act_bits

    # -- shared machinery --------------------------------------------------------------------------
    def run(self, trace) -> LayerWork:
        trace = fold_trace(trace, self.p.lanes) if self.p.fold_first_layer else trace
        p, shape = self.p, trace.shape
        width_pass = p.tiles * p.filters
        per_group = grid.ceil_div(shape.k_per_group, width_pass)
        check_tiles(shape.groups * per_group)         # before any per-pass array is built
        bits = self.uniform_bits(trace)
        if bits is None:
            cycles, busy, weight_steps, lane_bits = self._measured(trace, per_group)
        else:
            cycles, busy, weight_steps, lane_bits = self._uniform(trace, per_group, bits)
        sip_cycles = busy * shape.k_per_group
        act_bits = busy * p.lanes
        actions = {
            "sip.and.op": sip_cycles,
            "sip.tree.op": sip_cycles,
            "sip.acc.op": sip_cycles,
            "weights.read_bits": weight_steps * shape.k_per_group * p.lanes * p.width,
            "activations.read_bits": act_bits * per_group,
            "outputs.write_bits": shape.windows * shape.k * self.arch.memory.output_bits,
        }
        actions.update(self.extra_actions(trace))
        peak = p.tiles * p.filters * p.windows * p.lanes
        return tile_work(cycles, trace, self.arch, width_pass, actions,
                         ideal_cycles=-(-shape.macs * trace.layer.act_bits // peak),
                         potential=float(lane_bits) * shape.k_per_group * p.width,
                         wgt_bits=p.width, act_bits=p.width)

    def _measured(self, trace, per_group: int):
        """(cycles, column-cycles on real inputs, weight steps, lane-bits) from the per-brick
        cycles of ``conv_step_cycles`` / ``fc_chunk_cycles``."""
        p, shape = self.p, trace.shape
        if trace.layer.kind is LayerKind.FC:
            chunk = self.fc_chunk_cycles(trace)
            fc = np.concatenate([grid.fc_pass_cycles(c, p.windows, per_group, p.fc_overlap)
                                 for c in chunk])[:, None]                       # (passes, 1)
            lane_bits = int((chunk * np.tile(grid.real_lanes(shape, p.lanes), shape.n)).sum())
            return fc, int(chunk.sum()), chunk.shape[1] * shape.groups, lane_bits
        cost = self.conv_step_cycles(trace)                        # g, wg, bricks, cols
        g, wg, nb, cols = cost.shape
        steps = np.empty((g, wg), dtype=np.int64)
        for i in range(g):
            done = self.sync(cost[i].reshape(wg * nb, cols))
            ends = done[nb - 1::nb]
            steps[i] = np.diff(ends, prepend=0)
        live = np.zeros(wg * cols, dtype=np.int64)
        live[:shape.windows] = 1
        live = live.reshape(wg, cols)
        busy = (cost * live[None, :, None, :]).sum()                # column-cycles on real windows
        lane_bits = int((cost * live[None, :, None, :]
                         * grid.real_lanes(shape, p.lanes)[None, None, :, None]).sum())
        return np.repeat(steps, per_group, axis=0), int(busy), g * wg * nb, lane_bits

    def _uniform(self, trace, per_group: int, bits: int):
        """``_measured`` in closed form when every brick takes ``bits`` cycles: no array the size
        of the layer's bricks (a 1e9-input FC layer has 6e7), the same integers."""
        p, shape = self.p, trace.shape
        g, nb = shape.groups, grid.bricks(shape, p.lanes)
        real = shape.r * shape.s * shape.c_per_group               # sum of grid.real_lanes
        if trace.layer.kind is LayerKind.FC:
            chunks = shape.n * nb
            fc = grid.uniform_fc_pass_cycles(chunks, bits, p.windows, per_group, p.fc_overlap)
            cycles = (UniformCycles(int(fc[0]), g * per_group, 1) if not p.fc_overlap
                      else np.tile(fc, g)[:, None])
            return cycles, g * chunks * bits, chunks * g, g * bits * shape.n * real
        wg = grid.ceil_div(shape.windows, p.windows)
        # lock-step columns: each step (nb bricks of a window group) takes nb * bits
        busy = g * nb * shape.windows * bits
        return (UniformCycles(nb * bits, g * per_group, wg), busy, g * wg * nb,
                g * bits * shape.windows * real)

    def extra_actions(self, trace) -> dict[str, int]:
        return {}

    def outputs(self, trace) -> np.ndarray:
        """The layer's exact result as the SIPs compute it, int64 (groups, windows, k_per_group).

        Activations enter one bit plane per cycle, most significant first, at the layer's
        precision; each plane is ANDed with the full weights, reduced by the adder tree and
        shift-accumulated (acc = 2 acc + tree). Signed activations are two's complement: their top
        plane weighs -2^(p-1), so the SIP subtracts it. Summing the brick steps of a window in the
        accumulator is the same linear sum, done here over the whole reduction at once."""
        from accelsim.numerics.bits import exact_matmul, serial_digits
        shape = trace.shape
        acts = trace.windows.reshape(shape.groups, shape.windows, -1)
        wgts = trace.filters.reshape(shape.groups, shape.k_per_group, -1)
        acc = np.zeros((shape.groups, shape.windows, shape.k_per_group), dtype=np.int64)
        for plane in serial_digits(acts, trace.layer.act_bits, signed=trace.act.signed)[::-1]:
            acc = 2 * acc + exact_matmul(plane, wgts)
        return acc

    def inventory(self) -> dict[str, Part]:
        p = self.p
        sips = p.tiles * p.filters * p.windows
        return {
            "sip.and": part("bitwise", sips, bits=p.lanes * p.width),
            "sip.tree": part("adder_tree", sips, inputs=p.lanes, bits=p.width),
            "sip.acc": part("int_add", sips, bits=p.acc_bits),
            # each SIP's weight register (a brick of full-width weights, held for the
            # activations' bits), a tile's serial activation latches (one bit per lane and
            # window), the adder tree's output register and the shift-accumulator
            "reg.wgt": part("flipflop", sips, bits=p.lanes * p.width),
            "reg.act": part("flipflop", p.tiles * p.windows, bits=p.lanes),
            "reg.pipe": part("flipflop", sips, bits=p.width + (p.lanes - 1).bit_length()),
            "reg.acc": part("flipflop", sips, bits=p.acc_bits),
            **grid.buses(p.tiles, p.filters, p.windows, act_bits=p.windows * p.lanes,
                         wgt_bits=p.filters * p.lanes * p.width,
                         out_bits=p.filters * p.width),
        }


@register
class DynamicStripes(Stripes):
    """Dynamic Stripes (Delmas et al., arXiv 1706.00504): run-time precision per group of activations."""
    kind = "dstripes"
    needs_values = True
    Params = DynamicStripesParams

    def _group_bits(self, bricks: np.ndarray) -> np.ndarray:
        """Precision of each brick (last axis = lanes), then max over ``group_size`` columns."""
        p = self.p
        bits = group_precision(bricks, axis=-1, leading_only=p.leading_only)
        cols = p.group_size // p.lanes
        if cols > 1:
            shp = bits.shape
            bits = bits.reshape(*shp[:-1], shp[-1] // cols, cols).max(axis=-1, keepdims=True)
            bits = np.broadcast_to(bits, (*shp[:-1], shp[-1] // cols, cols)).reshape(shp)
        return bits

    def uniform_bits(self, trace) -> None:
        return None              # each group of activations has its own precision

    def conv_step_cycles(self, trace) -> np.ndarray:
        view = grid.brick_view(trace.windows, self.p.lanes, self.p.windows)   # g, wg, b, cols, lanes
        return self._group_bits(view)

    def sync(self, cost: np.ndarray) -> np.ndarray:
        return sync_columns(np.ascontiguousarray(cost), self.p.registers)

    def fc_chunk_cycles(self, trace) -> np.ndarray:
        view = grid.brick_view(trace.windows, self.p.lanes, 1)                # g, n, b, 1, lanes
        bits = group_precision(view, axis=-1, leading_only=self.p.leading_only)
        return bits.reshape(view.shape[0], -1)

    def extra_actions(self, trace) -> dict[str, int]:
        # Per column step (a window's brick, every group): one OR-reduction of the brick's
        # magnitudes (the precision detector) and, with run-ahead registers, one write of the
        # weight bricks of each set of ``filters`` filters into the column's register.
        shape, p = trace.shape, self.p
        column_steps = shape.groups * shape.windows * grid.bricks(shape, p.lanes)
        return {"detect.op": column_steps, **grid.run_ahead_writes(p, column_steps, shape.k_per_group)}

    def inventory(self) -> dict[str, Part]:
        inv = super().inventory()
        p = self.p
        inv["detect"] = part("bitwise", p.windows, bits=p.lanes * p.width)
        inv.update(grid.run_ahead(p))
        return inv
