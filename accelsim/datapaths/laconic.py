"""Laconic (Sharify et al., ISCA 2019 / arXiv 1805.04513; docs/references.md#laconic).

Both operands are recoded into signed powers of two ("terms", ``encoding``: radix-4 Booth by
default). A lane of a Laconic PE (LPE) multiplies by pairing terms: each cycle it adds the
exponents of one activation term and one weight term and counts the pair, with its sign, in the
bin of that exponent sum (the histogram); after a step the bins are shifted by their exponent and
reduced into the accumulator. A product therefore costs terms(a) x terms(w) lane cycles.

Organisation: ``tiles`` x ``filters`` (rows) x ``windows`` (columns) LPEs of ``lanes`` lanes; the
rows of a tile hold different filters and share activations down the columns, the columns hold
different windows and share weights along the rows, each tile has its own filters, and all tiles
see the same window group. Synchronisation (docs/references.md#laconic): all LPEs of a tile move in
lock-step, so a step lasts the largest lane product in the tile (lane l of every pair runs
max-over-windows terms(a) x max-over-filters terms(w), ``kernels.lockstep_tile_cycles``). With
``tile_sync: window_group`` tiles run independently through a window group's steps and meet at its
end (max over tiles); with ``step`` every tile waits for the slowest at each step (DNNsim's
Laconic). A step takes at least one cycle. FC layers are timed the same under both.

Weight memory interface: each tile reads its filters' weights for a step through
``weight_wires`` wires (the configurations are named by this width), weights packed at the
layer's precision, double-buffered (the next step's weights load while the current step runs), so
a step lasts at least ceil(filters x lanes x wgt_bits / weight_wires) cycles. This is our reading
of "configurations named by weight-memory wires" (the interface width per tile, like DaDianNao's
per-tile weight buffer); the paper's own tile geometry is not in the notes.

FC layers have one window: chunks of ``lanes`` inputs go to successive columns of each tile as their
weights arrive over the interface (``kernels.load_stream``: one bus, double-buffered columns), each
busy for the tile's largest lane product on that chunk; tiles meet at the end of the layer.

Approximations: term generators are priced by our gate estimate (``pragmatic.generator_gates``);
the histogram is priced as counters incremented once per term pair, the reducer as an adder tree
over the bins once per LPE step; weights are recoded by per-lane generators at the tile edge, like
activations (not stored pre-encoded).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from accelsim.datapaths import grid
from accelsim.datapaths.fold import fold_trace
from accelsim.datapaths.base import LayerWork, Part, part, register, tile_work
from accelsim.datapaths.pragmatic import generator_gates
from accelsim.numerics.bits import ENCODINGS, bit_length, max_terms, signed_terms, terms
from accelsim.numerics.kernels import load_stream, lockstep_tile_cycles
from accelsim.spec.workload import LayerKind


@dataclass(frozen=True)
class LaconicParams(grid.GridParams):
    encoding: str = field(default="booth_r4", metadata={"choices": ENCODINGS})
    weight_wires: int = field(default=1024, metadata={"lo": 1, "hi": 1 << 20})
    # window_group: a tile runs ahead of the others within a window group (they meet at its end);
    # step: all tiles of a pass wait for the slowest at every step, as DNNsim's Laconic does.
    tile_sync: str = field(default="window_group", metadata={"choices": ("window_group", "step")})


def filter_bricks(values: np.ndarray, lanes: int, filters: int) -> np.ndarray:
    """(groups, k, r, s, c) -> (groups, filter_sets, filters, bricks, lanes), zero padded; bricks in
    the order of ``grid.brick_view`` (kernel position, then channel brick)."""
    g, k, r, s, c = values.shape
    cb = grid.ceil_div(c, lanes)
    sets = grid.ceil_div(k, filters)
    out = np.zeros((g, sets * filters, r, s, cb * lanes), dtype=values.dtype)
    out[:, :k, :, :, :c] = values
    return out.reshape(g, sets, filters, r * s * cb, lanes)


@register
class Laconic:
    kind = "laconic"
    peak_factor = 4.0   # memory per im2col byte: 2.6 measured (benchmarks/bench_layer_memory.py)
    Params = LaconicParams
    samplable = True     # work depends on the im2col windows and the filters (engine.sampling)

    def __init__(self, params: LaconicParams, arch):
        self.p = params
        self.arch = arch
        # A sampled layer is rebuilt at stride 1, where folding would no longer apply.
        self.samplable = not params.fold_first_layer
        self.filter_pass = params.tiles * params.filters   # FC passes are timed apart (sampling)

    def limits(self) -> tuple[int, int]:
        return self.p.width, self.p.width

    def load_cycles(self, wgt_bits: int) -> int:
        """Cycles a tile's weight interface needs to deliver one step's weights."""
        p = self.p
        return max(1, grid.ceil_div(p.filters * p.lanes * wgt_bits, p.weight_wires))

    def _conv_cycles(self, act: np.ndarray, wgt: np.ndarray, load: int) -> np.ndarray:
        """act (groups, window_groups, bricks, lanes), wgt (groups, filter_sets, bricks, lanes)
        -> (passes, window_groups) cycles: lock-step tiles, max over the tiles of a pass."""
        tiles = self.p.tiles
        rows = []
        for a, w in zip(act, wgt):
            if self.p.tile_sync == "step":
                # Term counts are >= 0, so the slowest tile's step is the step of one tile whose
                # weights take each lane's largest count over the pass's tiles.
                sets = w.shape[0]
                padded = np.zeros((grid.ceil_div(sets, tiles) * tiles, *w.shape[1:]), np.int64)
                padded[:sets] = w
                pass_w = padded.reshape(-1, tiles, *w.shape[1:]).max(axis=1)
                rows.append(lockstep_tile_cycles(np.ascontiguousarray(a), pass_w, load))
                continue
            per_tile = lockstep_tile_cycles(np.ascontiguousarray(a), np.ascontiguousarray(w), load)
            sets = per_tile.shape[0]
            padded = np.zeros((grid.ceil_div(sets, tiles) * tiles, per_tile.shape[1]), np.int64)
            padded[:sets] = per_tile                               # absent tiles take no time
            rows.append(padded.reshape(-1, tiles, per_tile.shape[1]).max(axis=1))
        return np.concatenate(rows)

    def _fc_cycles(self, act: np.ndarray, wgt: np.ndarray, load: int) -> np.ndarray:
        """act (groups, n, bricks, lanes), wgt (groups, filter_sets, bricks, lanes) -> (passes, 1)."""
        p = self.p
        rows = []
        for a, w in zip(act, wgt):
            chunks = a.reshape(-1, p.lanes)                        # window-major, then brick
            brick = np.tile(np.arange(a.shape[1]), a.shape[0])
            cost = np.maximum((chunks[None] * w[:, brick]).max(axis=-1), 1)    # sets, chunks
            bus = np.full(chunks.shape[0], load, dtype=np.int64)
            ends = [load_stream(bus, np.ascontiguousarray(c), p.windows) for c in cost]
            ends += [0] * (-len(ends) % p.tiles)
            rows.append(np.array(ends, dtype=np.int64).reshape(-1, p.tiles).max(axis=1, keepdims=True))
        return np.concatenate(rows)

    def run(self, trace) -> LayerWork:
        trace = fold_trace(trace, self.p.lanes) if self.p.fold_first_layer else trace
        p, shape, enc = self.p, trace.shape, self.p.encoding
        ta = terms(trace.windows, enc)                               # g, win, r, s, c (uint8)
        tw = terms(trace.filters, enc)                               # g, kpg, r, s, c (uint8)
        wb = filter_bricks(tw, p.lanes, p.filters)                   # g, sets, filters, nb, lanes
        wmax = wb.max(axis=2).astype(np.int64)
        load = self.load_cycles(trace.layer.wgt_bits)
        if trace.layer.kind is LayerKind.FC:
            amax = grid.brick_view(ta, p.lanes, 1)[:, :, :, 0].astype(np.int64)          # g, n, nb, l
            cycles = self._fc_cycles(amax, wmax, load)
        else:
            amax = grid.brick_view(ta, p.lanes, p.windows).max(axis=3).astype(np.int64)  # g, wg, nb, l
            cycles = self._conv_cycles(amax, wmax, load)
        g, kpg, nb = shape.groups, shape.k_per_group, grid.bricks(shape, p.lanes)
        per_group = grid.ceil_div(kpg, p.tiles * p.filters)
        sets = wb.shape[1]
        # Term pairs over the real products: sum_i (sum over windows ta_i) (sum over filters tw_i).
        pairs = int(np.einsum("gi,gi->", ta.reshape(g, shape.windows, -1).sum(axis=1, dtype=np.int64),
                              tw.reshape(g, kpg, -1).sum(axis=1, dtype=np.int64)))
        lpe_steps = g * shape.windows * nb * kpg
        reuse = amax.shape[1]                                        # weight reads per brick
        actions = {
            "lpe.lane.op": pairs,
            "lpe.dec.op": pairs,
            "lpe.hist.op": pairs,
            "lpe.reduce.op": lpe_steps,
            "lpe.acc.op": lpe_steps,
            # An activation term is held while its lane cycles through the weight terms, which are
            # re-emitted for every activation term up to the lane's largest count.
            "tgen.act.op": int(ta.sum(dtype=np.int64)) * sets,
            "tgen.wgt.op": int(np.einsum("gwbl,gbl->", amax, wb.sum(axis=(1, 2), dtype=np.int64))),
            "weights.read_bits": g * reuse * nb * kpg * p.lanes * trace.layer.wgt_bits,
            "activations.read_bits": g * shape.windows * nb * p.lanes * trace.layer.act_bits * per_group,
            "outputs.write_bits": shape.windows * shape.k * self.arch.memory.output_bits,
        }
        peak = p.tiles * p.filters * p.windows * p.lanes
        return tile_work(cycles, trace, self.arch, p.tiles * p.filters, actions,
                         ideal_cycles=-(-pairs // peak), potential=float(pairs))

    def worst_case_cycles(self, trace) -> int:
        """Compute cycles if every operand had the most terms its precision allows, so that every
        lane product is at its maximum in every step: the bound ``run`` never exceeds."""
        p, shape, layer = self.p, trace.shape, trace.layer
        load = self.load_cycles(layer.wgt_bits)
        worst = max(max_terms(layer.act_bits, p.encoding, trace.act.signed)
                    * max_terms(layer.wgt_bits, p.encoding, trace.wgt.signed), 1)
        passes = grid.passes(shape, p.tiles * p.filters)
        nb = grid.bricks(shape, p.lanes)
        if layer.kind is LayerKind.FC:
            chunks = shape.n * nb
            return passes * int(load_stream(np.full(chunks, load, dtype=np.int64),
                                            np.full(chunks, worst, dtype=np.int64), p.windows))
        return passes * grid.ceil_div(shape.windows, p.windows) * nb * max(worst, load)

    def outputs(self, trace) -> np.ndarray:
        """(groups, windows, k_per_group) int64 as the LPE computes it: the signed count of term
        pairs in each exponent-sum bin (the histogram), each bin shifted by its exponent."""
        g, shape = trace.shape.groups, trace.shape
        pa, ma = (m.reshape(g, shape.windows, -1) for m in signed_terms(trace.windows, self.p.encoding))
        pw, mw = (m.reshape(g, shape.k_per_group, -1) for m in signed_terms(trace.filters, self.p.encoding))
        ea = int(bit_length(np.bitwise_or.reduce(pa | ma, axis=None)))
        ew = int(bit_length(np.bitwise_or.reduce(pw | mw, axis=None)))
        da = [((pa >> i) & 1) - ((ma >> i) & 1) for i in range(ea)]
        dw = [(((pw >> j) & 1) - ((mw >> j) & 1)).transpose(0, 2, 1) for j in range(ew)]
        out = np.zeros((g, shape.windows, shape.k_per_group), dtype=np.int64)
        for e in range(ea + ew - 1):
            hist = np.zeros_like(out)                      # signed pair count with exponent sum e
            for i in range(max(0, e - ew + 1), min(e, ea - 1) + 1):
                hist += np.matmul(da[i], dw[e - i])
            out += hist << e
        return out

    def inventory(self) -> dict[str, Part]:
        p = self.p
        lpes = p.tiles * p.filters * p.windows
        exp_bits = int(bit_length(p.width))            # term positions 0..width
        bins = 2 * p.width + 1                         # exponent sums 0..2 width
        most = max_terms(p.width, p.encoding, False)
        gates = generator_gates(p.encoding, p.width)
        return {
            "lpe.lane": part("int_add", lpes * p.lanes, bits=exp_bits),
            "lpe.dec": part("bitwise", lpes * p.lanes, bits=bins + 1),          # one-hot + sign
            "lpe.hist": part("counter", lpes * bins, bits=int(bit_length(p.lanes * most)) + 1),
            "lpe.reduce": part("adder_tree", lpes, inputs=bins, bits=p.acc_bits),
            "lpe.acc": part("int_add", lpes, bits=p.acc_bits),
            "tgen.act": part("bitwise", p.tiles * p.windows * p.lanes, bits=gates),
            "tgen.wgt": part("bitwise", p.tiles * p.filters * p.lanes, bits=gates),
            # each LPE's term-pair latches (sign + exponent of one weight and one activation term
            # per lane), its histogram reduction's output register and the accumulator
            "reg.terms": part("flipflop", lpes, bits=p.lanes * 2 * (exp_bits + 1)),
            "reg.pipe": part("flipflop", lpes, bits=p.acc_bits),
            "reg.acc": part("flipflop", lpes, bits=p.acc_bits),
            **grid.buses(p.tiles, p.filters, p.windows, act_bits=p.windows * p.lanes * (exp_bits + 1),
                         wgt_bits=p.weight_wires, out_bits=p.filters * p.width),
        }
