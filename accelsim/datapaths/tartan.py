"""Tartan (Delmas, Sharify, Judd, Moshovos, arXiv 1707.09068): Stripes for convolutional layers,
plus bit-serial weights so fully-connected layers also run in time proportional to their precision
(docs/references.md#tartan).

Conv layers: exactly Stripes (``stripes.Stripes``): a step takes the layer's activation precision
in cycles, ``ceil(Pa/bits)`` with ``bits`` activation bits per cycle.

FC layers swap the SIP's operands: the 16-bit-wide side of each SIP takes activations, the serial
side takes ``bits`` bits of each of ``lanes`` weights per cycle straight from the weight buffer
(``tiles x filters x windows x lanes x bits`` wires: at 1 bit, 4096 bits per tile, the width the
buffer already has for Stripes' 16 weights x 16 bits per row). Every SIP computes its own output
neuron, so a brick (``lanes`` inputs) takes ``ceil(Pw/bits)`` cycles: FC time is proportional to
the layer's weight precision. Activation bricks arrive over the activation bus, one per cycle,
into double-buffered registers at the head of each tile column and are shared by the column.
When a layer has fewer outputs than SIPs, ``c`` consecutive columns of a row cascade: they take
consecutive bricks of the same output and add their partial sums along the row at the end, so
``tiles x filters x windows / c`` outputs run at once with ``c`` bricks per round on the bus
(``kernels.load_stream``). The cascade width is chosen per layer (a compile-time choice) as the
fastest divisor of ``windows``.

Cost (``inventory``): Stripes' SIPs (AND rows, adder trees, accumulators; ``bits`` times the AND
gates and tree inputs for the 2-bit variant) plus, per SIP, a mux choosing which operand is serial
and a cascade mux, and two activation-brick registers per tile column. Priced by ``accelsim.cost``
from the 45 nm anchors scaled to 65 nm; the paper's post-layout figures are not in the notes.

``bits: 2`` halves the columns in the paper-style configuration (arch_configs/tartan_2b.yaml) so
the peak and wires match the 1-bit design. Approximations: passes run back to back without
overlapping one pass's drain with the next one's first loads; FC batches do not share weights.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from accelsim.datapaths import grid
from accelsim.datapaths.base import (LayerWork, Part, UniformCycles, check_tiles, part, register,
                                     tile_work)
from accelsim.datapaths.stripes import Stripes
from accelsim.spec.workload import LayerKind


@dataclass(frozen=True)
class TartanParams(grid.GridParams):
    bits: int = field(default=1, metadata={"choices": (1, 2)})


def uniform_load_stream(chunks: int, digits: int, columns: int) -> int:
    """``numerics.kernels.load_stream`` of ``chunks`` one-cycle loads each processed for ``digits``
    cycles, in closed form (no arrays the size of an FC layer's bricks). Chunk t (round k = t //
    columns, column i = t % columns) starts at i + 1 + k * max(columns, digits): the bus loads a
    round in ``columns`` cycles and a column processes one chunk in ``digits``, whichever is
    slower sets the round, and a load always completes before its column frees up."""
    if chunks <= 0:
        return 0
    last = chunks - 1
    return last % columns + 1 + (last // columns) * max(columns, digits) + digits


def cascade_plan(k: int, chunks: int, digits: int, rows: int, columns: int) -> tuple[int, int, int]:
    """(cascade width, passes, cycles per pass) minimising FC time for ``k`` outputs of
    ``chunks`` bricks each, ``digits`` cycles per brick, on ``rows`` x ``columns`` SIPs."""
    best = None
    for c in (d for d in range(1, columns + 1) if columns % d == 0):
        passes = grid.ceil_div(k, rows * (columns // c))
        per_pass = uniform_load_stream(chunks, digits, c)
        if best is None or passes * per_pass < best[1] * best[2]:
            best = (c, passes, per_pass)
    return best


@register
class Tartan(Stripes):
    kind = "tartan"
    Params = TartanParams

    def fc_filter_pass(self) -> int:
        """0: an FC layer's passes follow its cascade plan, chosen for all its filters (a batch of
        256 filters run alone picks another cascade and came out 0.1-2.7% slow on VGG-19's FC
        layers); its time does not depend on the values, so it is simulated in full."""
        return 0

    def conv_step_cycles(self, trace) -> np.ndarray:
        return -(-super().conv_step_cycles(trace) // self.p.bits)

    def uniform_bits(self, trace) -> int:
        return -(-trace.layer.act_bits // self.p.bits)      # as conv_step_cycles, every brick

    def run(self, trace) -> LayerWork:
        if trace.layer.kind is LayerKind.FC:
            return self._fc(trace)
        p, shape = self.p, trace.shape
        work = super().run(trace)
        # Stripes' accounting takes one activation bit per lane per SIP-cycle; these SIPs take bits.
        actions = dict(work.actions)
        actions["activations.read_bits"] *= p.bits
        peak = p.tiles * p.filters * p.windows * p.lanes
        digits = -(-trace.layer.act_bits // p.bits)
        return replace(work, actions=actions, potential=work.potential * p.bits,
                       ideal_cycles=-(-shape.macs * digits // peak))

    def _fc(self, trace) -> LayerWork:
        p, shape, layer = self.p, trace.shape, trace.layer
        rows = p.tiles * p.filters
        digits = -(-layer.wgt_bits // p.bits)
        nb = grid.bricks(shape, p.lanes)
        chunks = shape.n * nb                                  # a sample's bricks, sample after sample
        # every cascade plan takes at least this many passes: refuse before timing the plans
        check_tiles(shape.groups * grid.ceil_div(shape.k_per_group, rows * p.windows))
        c, passes, per_pass = cascade_plan(shape.k_per_group, chunks, digits, rows, p.windows)
        cycles = UniformCycles(per_pass, shape.groups * passes, 1)
        sip = shape.k * chunks * digits                        # each (output, sample, brick) once
        cascade = shape.k * shape.n * (min(c, nb) - 1)
        loads = shape.groups * passes * chunks
        actions = {
            "sip.and.op": sip, "sip.tree.op": sip, "sip.acc.op": sip + cascade,
            "sip.cascade.op": cascade,
            "weights.read_bits": sip * p.lanes * p.bits,
            "actreg.write": loads,
            "activations.read_bits": loads * p.lanes * p.width,
            "outputs.write_bits": shape.windows * shape.k * self.arch.memory.output_bits,
        }
        peak = rows * p.windows * p.lanes
        return tile_work(cycles, trace, self.arch, rows, actions,
                         ideal_cycles=-(-shape.macs * digits // peak),
                         potential=float(sip) * p.lanes * p.width * p.bits,
                         wgt_bits=layer.wgt_bits, act_bits=p.width,
                         extra={"cascade": float(c)})

    def inventory(self) -> dict[str, Part]:
        p = self.p
        sips = p.tiles * p.filters * p.windows
        inv = super().inventory()
        inv["sip.and"] = part("bitwise", sips, bits=p.lanes * p.width * p.bits)
        inv["sip.tree"] = part("adder_tree", sips, inputs=p.lanes * p.bits, bits=p.width)
        # which operand is serial: activations in conv layers, weights in FC layers (set per layer)
        inv["sip.swap"] = part("mux", sips, inputs=2, bits=p.lanes * (p.width + p.bits))
        inv["sip.cascade"] = part("mux", sips, inputs=2, bits=p.acc_bits)
        inv["actreg"] = part("register", 2 * p.tiles * p.windows, bits=p.lanes * p.width)
        return inv
