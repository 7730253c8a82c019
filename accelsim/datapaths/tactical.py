"""Bit-Tactical (Delmas Lascorz et al., ASPLOS 2019 / arXiv 1803.03688; docs/references.md#bit-tactical).

Front-end: each tile's filter set runs a static weight schedule (``tactical_schedule``) that
moves non-zero weights into zero slots within the lookahead / lookaside window and skips rows
left empty; every multiplier input gets a multiplexer of 1 + |window| inputs that picks the
activation its scheduled weight was paired with, from a per-tile buffer of h+1 activation rows.
Back-ends, chosen by ``backend``:

* ``bitparallel``: DaDianNao inner-product units, 1 cycle per scheduled step (the front-end alone).
* ``precision`` (TCLp): Dynamic-Stripes serial units; a column's step takes the precision of the
  activations the step's weights are paired with, over all filters of the tile (leading / trailing
  zeros trimmed, ``numerics.bits.group_precision``; groups of ``group_size`` as in DStripes).
* ``essential`` (TCLe): Pragmatic serial units; a column's step takes the oneffset rounds of
  those activations (Pragmatic's rule, ``numerics.kernels.oneffset_rounds``: ``first_stage_bits``
  of per-lane reach, ``encoding`` of the terms as in ``pragmatic``).

Conventions (each an option; the bundled configs take the first, ours, as the paper states
neither): ``scheduler`` least_flexible | most_candidates (DNNsim's promotion order,
``tactical_schedule``); ``zero_lanes`` gated | fed: whether a lane whose slot holds a zero weight
left in place still feeds its activation to the back-end's precision detection or oneffset
count (DNNsim: fed; ours: gated, the stored schedule marks the slot idle); ``step_rounds``
column | filter (serial back-ends): a column step takes the precision / oneffset rounds of all
the activations its filters pair, or each filter's own and then its slowest filter (DNNsim's
TCLe; the same for TCLp's leading-bit precision).

Timing. Each tile walks its own schedule (its filters differ) over the same windows, ``windows``
columns at a time; the columns of all tiles keep in step through ``registers`` run-ahead registers
(``numerics.kernels.sync_columns``; a tile whose schedule is shorter idles at the window group's
end). FC layers on serial back-ends issue steps to columns one per cycle (``staggered_cycles``) and
a pass ends with its slowest tile. Dense weights give the back-end's own timing exactly.

Costs: the multiplexers (one per unit lane, 1 + |window| inputs, as wide as what the back-end
feeds a lane: a bit, an oneffset, or a whole activation); each tile's buffer of h+1 activation
rows per column; run-ahead weight registers per column when ``registers`` > 0 (priced for TCLp
too, which Dynamic Stripes' model leaves out); the stored schedule: every weight slot of a step
carries its multiplexer select and every step its window advance, read from the weight buffer.

Approximations: tiles are decoupled within a pass (each is fed from its own activation buffer; the
activation memory is counted as read once per brick and window per pass, a broadcast, and the
buffering that decoupled tiles need is not sized); TCLe generates oneffsets per entry of each
tile's activation buffer (priced with Pragmatic's gate estimate); the scheduler is offline (no
area, no time); it is a greedy heuristic, so an extra zero weight can, rarely, lengthen a
schedule by a step, and a promotion can lengthen a serial step (the promoted weight's activation
joins the step's precision or oneffset count) while its own row still has to run.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from accelsim.datapaths import grid
from accelsim.datapaths.fold import fold_trace
from accelsim.datapaths import tactical_schedule as ts
from accelsim.datapaths.base import LayerWork, Part, part, register, staggered_cycles, tile_work
from accelsim.datapaths.pragmatic import generator_gates
from accelsim.numerics.bits import ENCODINGS, bit_length, group_precision, signed_terms
from accelsim.numerics.kernels import paired_oneffset_rounds, sync_columns
from accelsim.spec.params import ParamError
from accelsim.spec.workload import LayerKind

BACKENDS = ("bitparallel", "precision", "essential")
STEP_ROUNDS = ("column", "filter")
GATHER_LIMIT = 1 << 22        # gathered activation values per chunk: bounds peak memory
CODE_TABLE = 1 << 18          # widest code range TCLe tabulates oneffsets over whole


@dataclass(frozen=True)
class TacticalParams(grid.GridParams):
    lanes: int = field(default=16, metadata={"lo": 2, "hi": 4096})   # lookaside needs two
    backend: str = field(default="precision", metadata={"choices": BACKENDS})
    pattern: str = field(default="L", metadata={"choices": ts.PATTERNS})
    lookahead: int = field(default=2, metadata={"lo": 0, "hi": 16})
    lookaside: int = field(default=5, metadata={"lo": 0, "hi": 4095})
    group_size: int = field(default=16, metadata={"lo": 1, "hi": 1 << 20})    # precision back-end
    registers: int = field(default=0, metadata={"lo": 0, "hi": 1024})
    leading_only: bool = False                                                # precision back-end
    first_stage_bits: int = field(default=2, metadata={"lo": 0, "hi": 5})    # essential back-end
    encoding: str = field(default="booth_r4", metadata={"choices": ENCODINGS})  # essential back-end
    scheduler: str = field(default="least_flexible", metadata={"choices": ts.SCHEDULERS})
    zero_lanes: str = field(default="gated", metadata={"choices": ts.ZERO_LANES})
    step_rounds: str = field(default="column", metadata={"choices": STEP_ROUNDS})  # essential

    def __post_init__(self):
        if self.lookaside >= self.lanes:
            raise ParamError("lookaside", f"an integer in 0..{self.lanes - 1} (fewer than lanes)",
                             self.lookaside)
        cols, rem = divmod(self.group_size, self.lanes)
        if rem or cols < 1 or self.windows % cols:
            raise ParamError("group_size", f"lanes ({self.lanes}) x a divisor of windows "
                             f"({self.windows})", self.group_size)

    @property
    def offsets(self) -> np.ndarray:
        """The search window, in DNNsim's sorted order for its promotion order."""
        return ts.search_offsets(self.pattern, self.lookahead, self.lookaside, self.lanes,
                                 sort=self.scheduler == "most_candidates")

    @property
    def select_bits(self) -> int:
        """Multiplexer select stored with every scheduled weight."""
        return math.ceil(math.log2(1 + len(self.offsets)))

    @property
    def skip_bits(self) -> int:
        """Window advance (1 + skipped rows) stored with every step of a filter set."""
        return math.ceil(math.log2(self.lookahead + 1))


def step_costs(acts: np.ndarray, paired: np.ndarray, rule: Callable[[np.ndarray], np.ndarray]):
    """(windows, steps) cycles: ``rule`` over the last axis of the activations each step pairs.
    ``acts`` as ``tactical_schedule.activation_rows``; ``paired`` as ``Schedule.paired``, (steps,
    K) for the column as a whole or (steps, filters, K) for each filter, the step then taking
    its slowest filter."""
    n, S = acts.shape[0], paired.shape[0]
    out = np.empty((n, S), dtype=np.int64)
    chunk = max(1, GATHER_LIMIT // max(paired.size, 1))
    for i in range(0, n, chunk):
        c = rule(acts[i:i + chunk][:, paired])
        out[i:i + chunk] = c if c.ndim == 2 else c.max(axis=-1)
    return out


@register
class Tactical:
    kind = "tactical"
    peak_factor = 8.0   # memory per im2col byte: 6.9 measured (benchmarks/bench_layer_memory.py)
    samplable = True     # work depends on the im2col windows and the filters (engine.sampling)
    Params = TacticalParams

    def __init__(self, params: TacticalParams, arch):
        self.p = params
        self.arch = arch
        # A sampled layer is rebuilt at stride 1, where folding would no longer apply.
        self.samplable = not params.fold_first_layer
        # A filter pass is the tiles' filter sets side by side: each set's schedule and column
        # costs follow from its own filters, and a pass's steps (sync_columns, or the slowest
        # tile of a staggered FC pass) from its own sets, so passes are timed apart and their
        # cycles and counts add up, for every back-end, scheduler, zero_lanes and step_rounds
        # (engine.sampling; tests/test_sampling_loom_tactical.py).
        self.filter_pass = params.tiles * params.filters
        self.offsets = params.offsets

    def limits(self) -> tuple[int, int]:
        return self.p.width, self.p.width

    @property
    def serial(self) -> bool:
        return self.p.backend != "bitparallel"

    def operands(self, acts: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """What the back-end reads of each activation position, and for TCLe the (2, positions)
        oneffsets and negative oneffsets per position summed over windows (the products a
        weight at that position takes part in). Oneffsets are found once per distinct code (the
        code range, or the codes present when it is wide) and gathered."""
        if self.p.backend != "essential":
            return acts, None
        lo, hi = int(acts.min()), int(acts.max())
        codes = np.arange(lo, hi + 1, dtype=np.int64) if hi - lo < CODE_TABLE else np.unique(acts)
        plus, minus = signed_terms(codes, self.p.encoding)
        table, negative = plus | minus, np.bitwise_count(minus)
        if int(table.max()) <= np.iinfo(np.int32).max:     # half the memory traffic
            table = table.astype(np.int32)
        masks = np.empty(acts.shape, dtype=table.dtype)
        terms = np.zeros((2, acts.shape[1]), dtype=np.int64)
        chunk = max(1, GATHER_LIMIT // acts.shape[1])
        for i in range(0, acts.shape[0], chunk):
            x = acts[i:i + chunk]
            index = x - lo if codes.size == hi - lo + 1 else np.searchsorted(codes, x)
            m = np.take(table, index, out=masks[i:i + chunk])
            terms[0] += np.bitwise_count(m).sum(axis=0, dtype=np.int64)
            terms[1] += negative[index].sum(axis=0, dtype=np.int64)
        return masks, terms

    def rule(self, values: np.ndarray) -> np.ndarray:
        """TCLp's back-end: cycles of a column step from the precision of the (..., K)
        activations it pairs."""
        return group_precision(values, axis=-1, leading_only=self.p.leading_only)

    def essential_costs(self, masks: np.ndarray, paired: np.ndarray) -> np.ndarray:
        """TCLe's back-end: (windows, steps) oneffset rounds of the activations each step pairs,
        as ``step_costs`` with Pragmatic's rule, gathered inside the kernel."""
        flat = np.ascontiguousarray(paired.reshape(-1, paired.shape[-1]))
        c = paired_oneffset_rounds(masks, flat, 1 << self.p.first_stage_bits)
        c = c.reshape(masks.shape[0], *paired.shape[:-1])
        return c if c.ndim == 2 else c.max(axis=-1)

    def schedules(self, trace) -> list[list[ts.Schedule]]:
        """Per group, the schedule of each filter set (``filters`` consecutive filters, the last
        padded with zero filters)."""
        return [list(self.group_schedules(trace, g)) for g in range(trace.shape.groups)]

    def group_schedules(self, trace, g: int):
        """Group ``g``'s filter set schedules, built one at a time as they are consumed (a whole
        FC layer's weight grid and schedules would be several times its weights in memory)."""
        p, filters = self.p, trace.filters[g]
        real = ts.real_lanes(filters, p.lanes)
        for first in range(0, filters.shape[0], p.filters):
            w = ts.weight_grid(filters[first:first + p.filters], p.lanes, p.filters)
            yield ts.build(w, self.offsets, p.lookahead, p.scheduler, real)

    def column_costs(self, acts: np.ndarray, paired: np.ndarray, cols: int) -> np.ndarray:
        """(window groups, steps, cols) cycles, the columns' precision groups applied."""
        if self.p.backend == "essential":
            cost = self.essential_costs(acts, paired)
        elif self.serial:
            cost = step_costs(acts, paired, self.rule)
        else:
            cost = np.ones((acts.shape[0], paired.shape[0]), dtype=np.int64)
        wg, steps = acts.shape[0] // cols, paired.shape[0]
        cost = cost.reshape(wg, cols, steps).transpose(0, 2, 1)
        per = self.p.group_size // self.p.lanes
        if self.p.backend == "precision" and per > 1 and cols == self.p.windows:   # not FC chunks
            grouped = cost.reshape(wg, steps, cols // per, per).max(axis=3, keepdims=True)
            cost = np.broadcast_to(grouped, (wg, steps, cols // per, per)).reshape(cost.shape)
        return cost

    # -- the layer ---------------------------------------------------------------------------------
    def run(self, trace) -> LayerWork:
        trace = fold_trace(trace, self.p.lanes) if self.p.fold_first_layer else trace
        p, shape = self.p, trace.shape
        staggered = self.serial and trace.layer.kind is LayerKind.FC
        cols = 1 if staggered else p.windows
        wg = grid.ceil_div(shape.windows, cols)
        live = np.zeros(wg * cols, dtype=np.int64)
        live[:shape.windows] = 1
        live = live.reshape(wg, 1, cols)
        rows_t = grid.bricks(shape, p.lanes)
        count: Counter = Counter()
        steps = []
        for g in range(shape.groups):
            acts = np.zeros((wg * cols, rows_t * p.lanes + 1), dtype=np.int32)
            acts[:shape.windows] = ts.activation_rows(trace.windows[g], p.lanes)
            acts, terms = self.operands(acts)
            cache: dict[tuple, np.ndarray] = {}      # filter sets pairing alike cost alike
            k_left = shape.k_per_group
            costs = []                               # of the pass's tiles so far
            for sched in self.group_schedules(trace, g):
                n_f = min(p.filters, k_left)
                k_left -= n_f
                paired = sched.paired(n_f, fed=p.zero_lanes == "fed",
                                      per_filter=self.serial and p.step_rounds == "filter")
                key = (paired.shape, paired.tobytes())
                if key not in cache:
                    cache[key] = self.column_costs(acts, paired, cols)
                costs.append(cache[key])
                self.tally(count, sched, cache[key], live, n_f, terms, shape.windows, rows_t)
                if len(costs) == p.tiles or k_left == 0:
                    steps.append(self.pass_steps(costs, wg, cols, staggered))
                    costs = []
        return self.work(trace, np.array(steps, dtype=np.int64), count, wg)

    def tally(self, count: Counter, sched: ts.Schedule, cost: np.ndarray, live: np.ndarray,
              n_f: int, terms: np.ndarray | None, windows: int, rows_t: int) -> None:
        """Add one tile's pass to the action counts."""
        p = self.p
        wg = cost.shape[0]
        per_step = (cost * live).sum(axis=(0, 2))               # column-cycles on real windows
        occupied = sched.occupied()
        count["busy"] += int(per_step.sum()) * n_f               # unit-cycles (serial)
        count["column_cycles"] += int(per_step.sum())
        count["lane_cycles"] += int(per_step @ occupied)         # multiplexer-cycles with a weight
        count["steps"] += sched.steps * wg
        count["filter_steps"] += sched.steps * n_f * wg          # IP-cycles (bit-parallel)
        count["column_steps"] += sched.steps * windows
        count["schedule_bits"] += sched.steps * (n_f * p.lanes * (p.width + p.select_bits)
                                                 + p.skip_bits)
        count["nnz"] += int(occupied.sum())
        count["abuf"] += windows * rows_t
        if terms is not None:
            # each position's scheduled weights times its terms (a gather of every weight is slower)
            uses = np.bincount(sched.src.ravel() + 1, minlength=terms.shape[1] + 1)[1:]
            scheduled, negative = terms @ uses
            count["terms"] += int(scheduled)
            count["neg_terms"] += int(negative)
            count["gen_terms"] += int(terms[0].sum())

    def pass_steps(self, costs: list[np.ndarray], wg: int, cols: int, staggered: bool) -> np.ndarray:
        """Cycles of each window group of one pass (one entry for a staggered FC pass)."""
        if staggered:
            return np.array([max(staggered_cycles(c.reshape(-1), self.p.windows) for c in costs)])
        s_max = max(c.shape[1] for c in costs)
        if s_max == 0:
            return np.zeros(wg, dtype=np.int64)
        stack = np.zeros((wg, s_max, len(costs), cols), dtype=np.int64)
        for i, c in enumerate(costs):
            stack[:, :c.shape[1], i] = c
        done = sync_columns(stack.reshape(wg * s_max, -1), self.p.registers)
        return np.diff(done[s_max - 1::s_max], prepend=0)

    def work(self, trace, cycles: np.ndarray, count: Counter, wg: int) -> LayerWork:
        """Action counts and DRAM traffic. The schedule (weights with their select bits and each
        step's window advance) is read once per window group, as the serial designs reuse
        weights across columns; activations once per brick and window per pass."""
        p, shape = self.p, trace.shape
        rows_t = grid.bricks(shape, p.lanes)
        # Activations as each back-end reads them: at the layer's precision for TCLp (as Stripes
        # stores them), whole for the oneffset generators of TCLe and for bit-parallel units.
        stored = trace.layer.act_bits if p.backend == "precision" else p.width
        effectual = count["nnz"] * shape.windows                # products with a non-zero weight
        actions = {
            "mux.op": count["lane_cycles"] if self.serial else effectual,
            "abuf.write": count["abuf"],
            "weights.read_bits": count["schedule_bits"] * wg,
            "activations.read_bits": cycles.shape[0] * shape.windows * rows_t * p.lanes * stored,
            "outputs.write_bits": shape.windows * shape.k * self.arch.memory.output_bits,
        }
        if self.serial and p.registers:
            actions["wreg.write"] = count["column_steps"]
        busy, col = count["busy"], count["column_cycles"]
        if p.backend == "bitparallel":
            actions.update({"ip.mult.op": effectual, "ip.tree.op": count["filter_steps"],
                            "ip.acc.op": count["filter_steps"]})
            work, potential = effectual, effectual * p.width * p.width
        elif p.backend == "precision":
            actions.update({"sip.and.op": busy, "sip.tree.op": busy, "sip.acc.op": busy,
                            "detect.op": count["column_steps"]})
            work, potential = effectual * trace.layer.act_bits, count["lane_cycles"] * p.width
        else:
            actions.update({"pip.shift1.op": count["terms"], "pip.neg.op": count["neg_terms"],
                            "pip.tree.op": busy, "pip.shift2.op": busy, "pip.acc.op": busy,
                            "offgen.enc.op": count["abuf"] * p.lanes,
                            "offgen.pri.op": count["gen_terms"],
                            "colsync.min.op": col, "colsync.win.op": col})
            work, potential = count["terms"], count["terms"] * p.width
        peak = p.tiles * p.filters * p.lanes * (p.windows if self.serial else 1)
        return tile_work(cycles, trace, self.arch, p.tiles * p.filters, actions,
                         ideal_cycles=-(-work // peak), potential=float(potential),
                         wgt_bits=count["schedule_bits"] / max(shape.k * shape.reduction, 1),
                         act_bits=p.width, extra={"schedule_steps": float(count["steps"])})

    def inventory(self) -> dict[str, Part]:
        p = self.p
        units = p.tiles * p.filters * (p.windows if self.serial else 1)
        entries = p.tiles * p.windows * (p.lookahead + 1)          # activation-buffer rows
        pos_bits = int(bit_length(p.width))
        mux_bits = {"bitparallel": p.width, "precision": 1, "essential": pos_bits + 1}[p.backend]
        inv = {
            "mux": part("mux", units * p.lanes, inputs=1 + len(self.offsets), bits=mux_bits),
            "abuf": part("register", entries, bits=p.lanes * p.width),
            # each unit's scheduled-weight latch (weights + mux selects) and its accumulator
            "reg.wgt": part("flipflop", units, bits=p.lanes * (p.width + p.select_bits)),
            "reg.acc": part("flipflop", units, bits=p.acc_bits),
            **grid.buses(p.tiles, p.filters, units // (p.tiles * p.filters),
                         act_bits=(p.windows if self.serial else 1) * p.lanes * p.width,
                         wgt_bits=p.filters * p.lanes * (p.width + p.select_bits),
                         out_bits=p.filters * p.width),
        }
        if self.serial:     # run-ahead registers hold the weights and their selects
            inv.update(grid.run_ahead(p, p.width + p.select_bits))
        if p.backend == "bitparallel":
            inv["ip.mult"] = part("int_mult", units * p.lanes, a_bits=p.width, b_bits=p.width)
            inv["ip.tree"] = part("adder_tree", units, inputs=p.lanes, bits=2 * p.width)
            inv["ip.acc"] = part("int_add", units, bits=p.acc_bits)
        elif p.backend == "precision":
            inv["sip.and"] = part("bitwise", units, bits=p.lanes * p.width)
            inv["sip.tree"] = part("adder_tree", units, inputs=p.lanes, bits=p.width)
            inv["sip.acc"] = part("int_add", units, bits=p.acc_bits)
            inv["detect"] = part("bitwise", p.tiles * p.windows,
                                 bits=(p.lookahead + 1) * p.lanes * p.width)
        else:
            enc = p.encoding
            reach = 1 << p.first_stage_bits
            lane_bits = p.width + reach                # weight shifted by the first stage, + sign
            gens = entries * p.lanes                   # one per activation-buffer entry
            inv["pip.shift1"] = part("mux", units * p.lanes, inputs=reach, bits=lane_bits - 1)
            inv["pip.neg"] = part("bitwise", units * p.lanes, bits=lane_bits)
            inv["pip.tree"] = part("adder_tree", units, inputs=p.lanes, bits=lane_bits)
            inv["pip.shift2"] = part("shifter", units, bits=lane_bits + int(bit_length(p.lanes)))
            inv["pip.acc"] = part("int_add", units, bits=p.acc_bits)
            inv["offgen.enc"] = part("bitwise", gens,
                                     bits=generator_gates(enc, p.width) - 2 * (p.width + 1))
            inv["offgen.pri"] = part("bitwise", gens, bits=2 * (p.width + 1))
            inv["colsync.min"] = part("comparator", gens - p.tiles * p.windows, bits=pos_bits)
            inv["colsync.win"] = part("comparator", gens, bits=pos_bits)
        return inv
