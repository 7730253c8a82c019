"""Loom (Sharify, Delmas, Judd, Siu, Moshovos, DAC 2018 / arXiv 1706.07853): weights and
activations both bit-serial (docs/references.md#loom).

Organisation: ``tiles`` x ``filters`` rows by ``windows`` columns of serial inner-product units
(SIPs). Each cycle a SIP ANDs one ``bits``-bit digit of each of ``lanes`` activations with one bit
of each of ``lanes`` weights, reduces the products in an adder tree, and shift-adds the sum into an
inner accumulator; after the activation digits of a weight bit plane it shift-adds that into the
outer accumulator (weight planes outer, most significant first; top planes of signed operands
subtract). A row shares its filter's weight bits (``lanes`` wires), a column its window's activation
digits (``lanes x bits`` wires), so the paper's configuration (1 tile x 128 rows x 16 columns,
1 bit) has the weight and activation wires of 128 16b x 16b MACs (8 filters x 16 inputs).

Conv layers: a step is one brick (``lanes`` channels at one kernel position) for ``windows``
windows x ``rows`` filters and takes ``ceil(Pa/bits) x Pw`` cycles. Pa is the layer's precision
or, with ``dynamic``, what each group of ``group_size`` activations needs at run time (as Dynamic
Stripes: ``bits.group_precision``, groups of ``group_size/lanes`` columns); Pw is the layer's
precision or, with ``dynamic_weights``, the precision of the step's weights across all rows. Rows
run in lock-step (they share activation digits); column groups drift by at most ``registers``
steps (``kernels.sync_columns``).

FC layers (the paper's mapping, not DNNsim's): no window reuse, so each SIP takes its own output
neuron and its own weights. A row's bus delivers one ``lanes``-bit weight plane per cycle, so a
brick of weights takes Pw cycles to reach a SIP; SIPs of a row are served in turn and may load
their next brick while processing (``kernels.load_stream``). With ``ceil(Pa/bits) <= windows`` the
bus is the bottleneck and FC time is proportional to Pw, as published. Consecutive bricks of one
output land in consecutive columns; their partial sums are added along the row (the cascade) once
per output, overlapped with the next output.

Cost (``inventory``): per SIP an AND row (``lanes x bits`` gates), an adder tree over ``lanes``
``bits``-wide products, an inner accumulator (``width + bits + log2 lanes`` bits), an outer one
(``acc_bits``) and a cascade mux; two ``lanes``-bit weight-plane latches per SIP; per column an
activation-digit register replayed for every plane, and a precision detector. ``accelsim.cost``
prices them from the 45 nm anchors scaled to the arch's node (65 nm for the paper); the paper's
own figures come from synthesised 65 nm layouts that the notes do not hold. In this model a SIP
spends several times the energy per bit-product of a 16 x 16 multiplier (its tree and
accumulators serve 16 bit-products a cycle); Loom's energy gain comes from reading each weight
plane once per ``windows`` windows, reading only the profiled planes, and finishing sooner
(leakage of the shared memories).

Approximations: weight loading is timed per brick, not per plane (the steady state of plane-by-
plane streaming into two plane latches per SIP; a fill of one brick per stream differs); the
cascade reduction is overlapped; FC batches do not share weights (each sample reloads them).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from accelsim.datapaths import grid
from accelsim.datapaths.fold import fold_trace
from accelsim.datapaths.base import LayerWork, Part, part, register, tile_work
from accelsim.numerics.bits import exact_matmul, group_precision, serial_digits, spread_max
from accelsim.numerics.kernels import load_stream, sync_columns
from accelsim.spec.workload import LayerKind


@dataclass(frozen=True)
class LoomParams(grid.GridParams):
    tiles: int = field(default=1, metadata={"lo": 1, "hi": 1024})
    filters: int = field(default=128, metadata={"lo": 1, "hi": 4096})    # SIP rows per tile
    bits: int = field(default=1, metadata={"choices": (1, 2, 4)})       # activation bits per cycle
    dynamic: bool = True
    group_size: int = field(default=256, metadata={"lo": 1, "hi": 1 << 20})
    registers: int = field(default=0, metadata={"lo": 0, "hi": 1024})
    leading_only: bool = False
    dynamic_weights: bool = False

    def __post_init__(self):
        grid.check_group_size(self)


@register
class Loom:
    kind = "loom"
    peak_factor = 8.0   # memory per im2col byte: 6.4 measured (benchmarks/bench_layer_memory.py)
    samplable = True     # work depends on the im2col windows and the filters (engine.sampling)
    Params = LoomParams

    def __init__(self, params: LoomParams, arch):
        self.p = params
        self.arch = arch
        # A sampled layer is rebuilt at stride 1, where folding would no longer apply.
        self.samplable = not params.fold_first_layer
        # No filter pass (engine.sampling), whatever the options: an FC layer's output slots
        # stream over one weight bus (_fc, load_stream), each slot's first bricks loading while
        # the previous slot's last ones run, so a slot's time depends on the slot before it. Timed apart,
        # the 32 slots of an 8-bit 4096 -> 4096 layer add 2.3% (loom.yaml, dpred_loom.yaml; 0.8% on
        # loom_4b), one unhidden tail per slot, and a sample of them carries that bias even
        # where its spread is zero (static weights: every slot alike). Conv and matmul slots do
        # add up exactly, but the hook is one number for every layer kind.
        self.filter_pass = 0

    def limits(self) -> tuple[int, int]:
        return self.p.width, self.p.width

    @property
    def rows(self) -> int:
        return self.p.tiles * self.p.filters

    # -- precisions from the values ----------------------------------------------------------------
    def act_digits(self, trace, bricks: np.ndarray) -> np.ndarray:
        """Activation digits (cycles per weight plane) of each (..., lanes) brick."""
        p = self.p
        if p.dynamic:   # never above the profile (sign-magnitude would want p+1 for -2^(p-1))
            pa = np.minimum(group_precision(bricks, axis=-1, leading_only=p.leading_only),
                            trace.layer.act_bits)
        else:
            pa = np.full(bricks.shape[:-1], trace.layer.act_bits, dtype=np.int64)
        return -(-pa // p.bits)

    def weight_planes(self, trace, slots: int) -> np.ndarray:
        """(groups, slots, bricks): weight planes each step sends down the rows. ``slots`` = filter
        passes per group, each holding ``rows`` filters in lock-step."""
        shape, p = trace.shape, self.p
        nb = grid.bricks(shape, p.lanes)
        if not p.dynamic_weights:
            return np.full((shape.groups, slots, nb), trace.layer.wgt_bits, dtype=np.int64)
        view = grid.brick_view(trace.filters, p.lanes, self.rows)     # g, slots, nb, rows, lanes
        return np.minimum(group_precision(view.reshape(*view.shape[:3], -1), axis=-1),
                          trace.layer.wgt_bits)

    def _rows_per_slot(self, k: int, slots: int) -> np.ndarray:
        return np.minimum(self.rows, k - self.rows * np.arange(slots))

    # -- conv --------------------------------------------------------------------------------------
    def _conv(self, trace):
        p, shape = self.p, trace.shape
        slots = grid.ceil_div(shape.k_per_group, self.rows)
        view = grid.brick_view(trace.windows, p.lanes, p.windows)     # g, wg, nb, cols, lanes
        act = self.act_digits(trace, view)
        if p.dynamic:
            act = spread_max(act, p.group_size // p.lanes)
        pw = self.weight_planes(trace, slots)
        g, wg, nb, cols = act.shape
        steps = np.empty((g, slots, wg), dtype=np.int64)
        for gi in range(g):
            for s in range(slots):
                if s and not p.dynamic_weights:
                    steps[gi, s] = steps[gi, 0]
                    continue
                cost = np.ascontiguousarray((act[gi] * pw[gi, s][None, :, None]).reshape(wg * nb, cols))
                ends = sync_columns(cost, p.registers)[nb - 1::nb]
                steps[gi, s] = np.diff(ends, prepend=0)

        live = (np.arange(wg * cols) < shape.windows).reshape(wg, cols)
        act_busy = (act * live[None, :, None, :]).sum(axis=(1, 3))            # g, nb
        rows = self._rows_per_slot(shape.k_per_group, slots)                  # slots
        planes = pw.sum(axis=2)                                               # g, slots
        col_cycles = (pw * act_busy[:, None, :]).sum(axis=2)                  # g, slots
        sip = int((col_cycles * rows).sum())
        row_planes = int((planes * rows).sum()) * wg                          # planes sent down rows
        digits = int(act_busy.sum()) * slots                                  # digits loaded, all passes
        actions = {
            "sip.and.op": sip, "sip.tree.op": sip, "sip.inner.op": sip,
            "sip.outer.op": int((planes * rows).sum()) * shape.windows,
            "wlatch.write": row_planes,
            "weights.read_bits": row_planes * p.lanes,
            "actreg.write": digits,
            "actreg.read": int(col_cycles.sum()),
            "activations.read_bits": digits * p.bits * p.lanes,
        }
        if p.dynamic:
            actions["detect.op"] = slots * g * shape.windows * nb
        actions.update(grid.run_ahead_writes(p, g * shape.windows * nb, shape.k_per_group))
        return steps.reshape(g * slots, wg), actions, sip

    # -- fc ----------------------------------------------------------------------------------------
    def _fc(self, trace):
        p, shape = self.p, trace.shape
        slots = grid.ceil_div(shape.k_per_group, self.rows)
        view = grid.brick_view(trace.windows, p.lanes, 1)              # g, n, nb, 1, lanes
        pa = self.act_digits(trace, view)[..., 0]                     # g, n, nb
        pw = self.weight_planes(trace, slots)                         # g, slots, nb
        g, n, nb = pa.shape
        steps = np.empty((g, 1), dtype=np.int64)
        for gi in range(g):
            # chunk order: output slot, sample, brick; chunk t goes to column t % windows
            load = np.broadcast_to(pw[gi][:, None, :], (slots, n, nb)).ravel()
            proc = (pa[gi][None] * pw[gi][:, None, :]).ravel()
            steps[gi, 0] = load_stream(np.ascontiguousarray(load), np.ascontiguousarray(proc), p.windows)

        rows = self._rows_per_slot(shape.k_per_group, slots)
        pa_sum = pa.sum(axis=1)                                       # g, nb
        col_cycles = (pw * pa_sum[:, None, :]).sum(axis=2)            # g, slots
        sip = int((col_cycles * rows).sum())
        planes = int((pw.sum(axis=2) * rows).sum()) * n               # planes the SIPs latched
        cascade = shape.k * n * (min(p.windows, nb) - 1)
        digits = int(pa.sum()) * slots
        actions = {
            "sip.and.op": sip, "sip.tree.op": sip, "sip.inner.op": sip,
            "sip.outer.op": planes + cascade, "sip.cascade.op": cascade,
            "wlatch.write": planes,
            "weights.read_bits": planes * p.lanes,
            "actreg.write": digits,
            "actreg.read": int(col_cycles.sum()),
            "activations.read_bits": digits * p.bits * p.lanes,
        }
        if p.dynamic:
            actions["detect.op"] = slots * g * n * nb
        return steps, actions, sip

    def run(self, trace) -> LayerWork:
        trace = fold_trace(trace, self.p.lanes) if self.p.fold_first_layer else trace
        p, shape, layer = self.p, trace.shape, trace.layer
        cycles, actions, sip = (self._fc if layer.kind is LayerKind.FC else self._conv)(trace)
        actions["outputs.write_bits"] = shape.windows * shape.k * self.arch.memory.output_bits
        peak = self.rows * p.windows * p.lanes
        ideal = -(-shape.macs * -(-layer.act_bits // p.bits) * layer.wgt_bits // peak)
        # Loom keeps operands bit-interleaved, so memory holds and moves only the profiled planes.
        return tile_work(cycles, trace, self.arch, self.rows, actions, ideal_cycles=ideal,
                         potential=float(sip) * p.lanes * p.bits,
                         wgt_bits=layer.wgt_bits, act_bits=layer.act_bits)

    # -- function ----------------------------------------------------------------------------------
    def outputs(self, trace) -> np.ndarray:
        """The layer's exact result as the SIPs compute it, int64 (groups, windows, k_per_group).

        Weight bit planes outer (most significant first), activation ``bits``-bit digits inner:
        inner = inner * 2^bits + tree(digit AND plane); outer = 2 outer + inner. Two's complement
        throughout: the top weight plane and the top digit of a signed activation carry the sign
        (``bits.serial_digits``), so the units subtract them. Run-time trimming only skips planes
        that are zero across a whole group, which add nothing, so the static planes give the
        result the trimmed schedule produces. Summing brick steps in the accumulator is the same
        linear sum, done here over the whole reduction at once."""
        shape, layer = trace.shape, trace.layer
        acts = trace.windows.reshape(shape.groups, shape.windows, -1)
        wgts = trace.filters.reshape(shape.groups, shape.k_per_group, -1)
        digits = serial_digits(acts, layer.act_bits, self.p.bits, signed=trace.act.signed)
        out = np.zeros((shape.groups, shape.windows, shape.k_per_group), dtype=np.int64)
        for plane in serial_digits(wgts, layer.wgt_bits, signed=trace.wgt.signed)[::-1]:
            inner = np.zeros_like(out)
            for digit in digits[::-1]:
                inner = (inner << self.p.bits) + exact_matmul(digit, plane)
            out = 2 * out + inner
        return out

    # -- hardware ----------------------------------------------------------------------------------
    def inventory(self) -> dict[str, Part]:
        p = self.p
        sips = self.rows * p.windows
        inner_bits = p.width + p.bits + math.ceil(math.log2(max(p.lanes, 2)))
        inv = {
            "sip.and": part("bitwise", sips, bits=p.lanes * p.bits),
            "sip.tree": part("adder_tree", sips, inputs=p.lanes, bits=p.bits),
            "sip.inner": part("int_add", sips, bits=inner_bits),
            "sip.outer": part("int_add", sips, bits=p.acc_bits),
            "sip.cascade": part("mux", sips, inputs=2, bits=p.acc_bits),
            # two lanes-bit weight plane latches per SIP (current and next plane)
            "wlatch": part("register", 2 * sips, bits=p.lanes),
            # per column: the brick's activation digits, replayed for every weight plane
            "actreg": part("register", p.tiles * p.windows * -(-p.width // p.bits), bits=p.lanes * p.bits),
            # the adder tree's output register and the two accumulators' registers
            "reg.pipe": part("flipflop", sips, bits=p.bits + (p.lanes - 1).bit_length()),
            "reg.acc": part("flipflop", sips, bits=inner_bits + p.acc_bits),
            **grid.buses(p.tiles, p.filters, p.windows, act_bits=p.windows * p.lanes * p.bits,
                         wgt_bits=p.filters * p.lanes, out_bits=p.filters * p.width),
        }
        if p.dynamic:   # one leading/trailing-one detector per column (an OR tree over its brick)
            inv["detect"] = part("bitwise", p.windows, bits=p.lanes * p.width)
        inv.update(grid.run_ahead(p))          # conv columns drift; FC has one stream
        return inv
