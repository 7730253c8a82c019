"""Bit-Pragmatic (Albericio et al., MICRO 2017; docs/references.md#pragmatic).

Organisation: the Stripes machine (``tiles`` x ``filters`` x ``windows`` pragmatic inner-product
units, PIPs, each over ``lanes`` activation/weight pairs) that feeds each lane not every bit of
its activation but only its terms ("oneffsets": with ``encoding: binary`` the positions of the 1
bits; ``booth_r4`` the radix-4 Booth terms, which carry a sign; ``csd`` the fewest signed terms;
``dnnsim`` the run-of-ones recoding DNNsim uses for its "booth_encoding", ``bits.run_recoding``).
Per cycle a lane takes one oneffset and shifts its full ``width``-bit weight by it. Shifting is
split in two: a per-lane first stage that reaches ``2^first_stage_bits`` positions above the
column's base, and one shared second-stage shifter per PIP that shifts the adder-tree sum by the
base. So in each cycle the base is the lowest pending
oneffset over the column's lanes, and only lanes whose next oneffset lies within the first
stage's reach advance (``numerics.kernels.oneffset_rounds``): with a reach of all positions a step
takes the most terms of any lane, with reach 1 the number of distinct positions in the brick.
All-zero bricks still take one cycle.

Columns (windows) share weights; with ``registers`` run-ahead weight registers a column may run
that many steps ahead of the slowest (``numerics.kernels.sync_columns``); 0 is lock-step. Tiles get
the same activations, so all filter passes repeat the same timing. FC layers have one window: chunks
of ``lanes`` inputs start one per cycle on successive columns (``base.staggered_cycles``), filter
passes one after another or overlapped (``fc_overlap``, ``grid.fc_pass_cycles``).

Approximations: the oneffset generators, the column's base/reach logic and the Booth recoders are
priced as gate counts (``generator_gates``) of our own estimate, not from the paper's synthesis;
weight registers are priced only when ``registers`` > 0 (the PIP's own operand latches are not
priced, as for Stripes).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from accelsim.datapaths import grid
from accelsim.datapaths.fold import fold_trace
from accelsim.datapaths.base import (LayerWork, Part, part, register,
                                     staggered_cycles, tile_work)
from accelsim.numerics.bits import ENCODINGS, bit_length, signed_terms
from accelsim.numerics.kernels import oneffset_rounds, sync_columns
from accelsim.spec.workload import LayerKind


@dataclass(frozen=True)
class PragmaticParams(grid.PassGridParams):
    first_stage_bits: int = field(default=2, metadata={"lo": 0, "hi": 5})
    registers: int = field(default=1, metadata={"lo": 0, "hi": 1024})
    encoding: str = field(default="booth_r4", metadata={"choices": ENCODINGS})


def term_masks(values: np.ndarray, enc: str) -> np.ndarray:
    """Each value's oneffsets as a bit mask (bit i set = a term at position i, either sign)."""
    plus, minus = signed_terms(values, enc)
    return plus | minus


def pragmatic_step_cycles(bricks: np.ndarray, first_stage_bits: int, enc: str) -> np.ndarray:
    """Cycles a Pragmatic column spends on each step: ``bricks`` (..., lanes) activation values
    -> (...) cycles (at least 1), from the oneffsets of the real values."""
    return _rounds(term_masks(np.asarray(bricks), enc), first_stage_bits)


def _rounds(masks: np.ndarray, first_stage_bits: int) -> np.ndarray:
    """(..., lanes) oneffset masks -> (...) cycles."""
    flat = np.ascontiguousarray(masks.reshape(-1, masks.shape[-1]))
    return oneffset_rounds(flat, 1 << first_stage_bits).reshape(masks.shape[:-1])


def term_positions(bits: int, enc: str, signed: bool) -> int:
    """Positions a ``bits``-bit code's oneffsets can take: 0..bits-1 for binary; the signed-digit
    encodings may carry one position above the magnitude's top bit."""
    if enc == "binary":
        return bits
    return bits if signed and enc == "booth_r4" else bits + 1


def generator_gates(enc: str, width: int) -> int:
    """Gate estimate of one term generator for ``width``-bit values: the recoder (binary: the
    magnitude's XOR row; radix-4 Booth: ~3 gates per digit; CSD: an x + x/2 adder, ~6 gates per
    bit) plus a priority encoder that emits and clears the lowest pending term (~2 gates per
    position). Our estimate, not a synthesised figure."""
    positions = width + 1
    recoder = {"binary": width, "booth_r4": 3 * (width // 2 + 1), "csd": 6 * positions,
               "dnnsim": 5 * positions}[enc]     # dnnsim: a 3-bit window and one run-state bit
    return recoder + 2 * positions


@register
class Pragmatic:
    kind = "pragmatic"
    peak_factor = 14.0   # memory per im2col byte: 11.4 measured (benchmarks/bench_layer_memory.py)
    Params = PragmaticParams
    samplable = True     # work depends on the im2col windows alone (engine.sampling)

    def __init__(self, params: PragmaticParams, arch):
        self.p = params
        self.arch = arch
        # A sampled layer is rebuilt at stride 1, where folding would no longer apply.
        self.samplable = not params.fold_first_layer
        # FC passes are timed alike and apart, unless they overlap (engine.sampling)
        self.filter_pass = 0 if params.fc_overlap else params.tiles * params.filters

    @property
    def enc(self) -> str:
        return self.p.encoding

    def limits(self) -> tuple[int, int]:
        return self.p.width, self.p.width

    def _group_steps(self, cost: np.ndarray) -> np.ndarray:
        """(groups, window_groups, bricks, columns) column costs -> (groups, window_groups) cycles
        per window group once the columns are synchronised."""
        g, wg, nb, cols = cost.shape
        steps = np.empty((g, wg), dtype=np.int64)
        for i in range(g):
            done = sync_columns(np.ascontiguousarray(cost[i].reshape(wg * nb, cols)), self.p.registers)
            steps[i] = np.diff(done[nb - 1::nb], prepend=0)
        return steps

    def run(self, trace) -> LayerWork:
        trace = fold_trace(trace, self.p.lanes) if self.p.fold_first_layer else trace
        p, shape = self.p, trace.shape
        width_pass = p.tiles * p.filters
        per_group = grid.ceil_div(shape.k_per_group, width_pass)
        nb = grid.bricks(shape, p.lanes)
        plus, minus = signed_terms(trace.windows, self.enc)
        masks = plus | minus
        if trace.layer.kind is LayerKind.FC:
            view = grid.brick_view(masks, p.lanes, 1)                       # g, n, nb, 1, lanes
            chunk = _rounds(view, p.first_stage_bits).reshape(shape.groups, -1)
            fc = np.concatenate([grid.fc_pass_cycles(c, p.windows, per_group, p.fc_overlap)
                                 for c in chunk])[:, None]                       # (passes, 1)
            busy = int(chunk.sum())
            weight_steps = chunk.size
        else:
            view = grid.brick_view(masks, p.lanes, p.windows)               # g, wg, nb, cols, lanes
            cost = _rounds(view, p.first_stage_bits)
            steps = self._group_steps(cost)
            live = np.zeros(cost.shape[1] * p.windows, dtype=np.int64)
            live[:shape.windows] = 1
            busy = int((cost * live.reshape(cost.shape[1], p.windows)[None, :, None, :]).sum())
            weight_steps = shape.groups * cost.shape[1] * nb
        n_terms = int(np.bitwise_count(masks).sum(dtype=np.int64))
        n_neg = int(np.bitwise_count(minus).sum(dtype=np.int64))
        kpg = shape.k_per_group
        column_steps = shape.groups * shape.windows * nb          # real (window, brick) steps
        actions = {
            "pip.shift1.op": n_terms * kpg,
            "pip.neg.op": n_neg * kpg,
            "pip.tree.op": busy * kpg,
            "pip.shift2.op": busy * kpg,
            "pip.acc.op": busy * kpg,
            "offgen.enc.op": column_steps * p.lanes * per_group,
            "offgen.pri.op": n_terms * per_group,
            "colsync.min.op": busy * per_group,
            "colsync.win.op": busy * per_group,
            "weights.read_bits": weight_steps * kpg * p.lanes * p.width,
            "activations.read_bits": column_steps * p.lanes * p.width * per_group,
            "outputs.write_bits": shape.windows * shape.k * self.arch.memory.output_bits,
        }
        actions.update(grid.run_ahead_writes(p, column_steps, kpg))
        if trace.layer.kind is LayerKind.FC:
            cycles = fc
        else:
            cycles = np.repeat(steps, per_group, axis=0)            # (passes, steps)
        peak = p.tiles * p.filters * p.windows * p.lanes
        return tile_work(cycles, trace, self.arch, width_pass, actions,
                         ideal_cycles=-(-n_terms * kpg // peak),
                         potential=float(n_terms) * kpg * p.width,
                         wgt_bits=p.width, act_bits=p.width)

    def worst_case_cycles(self, trace) -> int:
        """Compute cycles if every step took one cycle per oneffset position the activation
        precision has (the base rises by at least one position a cycle): all ones at every bit
        for binary oneffsets. ``run`` never exceeds it."""
        p, shape = self.p, trace.shape
        worst = term_positions(trace.layer.act_bits, p.encoding, trace.act.signed)
        passes = grid.passes(shape, p.tiles * p.filters)
        nb = grid.bricks(shape, p.lanes)
        if trace.layer.kind is LayerKind.FC:
            return passes * staggered_cycles(np.full(shape.n * nb, worst), p.windows)
        return passes * grid.ceil_div(shape.windows, p.windows) * nb * worst

    def outputs(self, trace) -> np.ndarray:
        """(groups, windows, k_per_group) int64: each product as the sum of the weight shifted
        by each of the activation's oneffsets, with the oneffset's sign."""
        g = trace.shape.groups
        plus, minus = signed_terms(trace.windows, self.enc)
        plus, minus = plus.reshape(g, trace.shape.windows, -1), minus.reshape(g, trace.shape.windows, -1)
        w = trace.filters.reshape(g, trace.shape.k_per_group, -1).astype(np.int64)
        out = np.zeros((g, trace.shape.windows, trace.shape.k_per_group), dtype=np.int64)
        top = int(bit_length(np.bitwise_or.reduce(plus | minus, axis=None)))
        for pos in range(top):
            digit = ((plus >> pos) & 1) - ((minus >> pos) & 1)        # the lane's term at pos
            out += np.matmul(digit, w.transpose(0, 2, 1)) << pos
        return out

    def inventory(self) -> dict[str, Part]:
        p = self.p
        pips = p.tiles * p.filters * p.windows
        reach = 1 << p.first_stage_bits
        lane_bits = p.width + reach                    # weight shifted by the first stage, + sign
        pos_bits = int(bit_length(p.width))            # oneffset positions 0..width
        inv = {
            "pip.shift1": part("mux", pips * p.lanes, inputs=reach, bits=lane_bits - 1),
            "pip.neg": part("bitwise", pips * p.lanes, bits=lane_bits),
            "pip.tree": part("adder_tree", pips, inputs=p.lanes, bits=lane_bits),
            "pip.shift2": part("shifter", pips, bits=lane_bits + int(bit_length(p.lanes))),
            "pip.acc": part("int_add", pips, bits=p.acc_bits),
            # Activations reach every tile alike: one generator per column lane, at the dispatcher.
            "offgen.enc": part("bitwise", p.windows * p.lanes,
                               bits=generator_gates(self.enc, p.width) - 2 * (p.width + 1)),
            "offgen.pri": part("bitwise", p.windows * p.lanes, bits=2 * (p.width + 1)),
            "colsync.min": part("comparator", p.windows * max(p.lanes - 1, 1), bits=pos_bits),
            "colsync.win": part("comparator", p.windows * p.lanes, bits=pos_bits),
            # each PIP's weight brick register, a column's oneffset latches, the adder tree's
            # output register and the accumulator
            "reg.wgt": part("flipflop", pips, bits=p.lanes * p.width),
            "reg.off": part("flipflop", p.tiles * p.windows, bits=p.lanes * (pos_bits + 1)),
            "reg.pipe": part("flipflop", pips, bits=lane_bits + int(bit_length(p.lanes))),
            "reg.acc": part("flipflop", pips, bits=p.acc_bits),
            **grid.buses(p.tiles, p.filters, p.windows, act_bits=p.windows * p.lanes * (pos_bits + 1),
                         wgt_bits=p.filters * p.lanes * p.width, out_bits=p.filters * p.width),
        }
        inv.update(grid.run_ahead(p))
        return inv
