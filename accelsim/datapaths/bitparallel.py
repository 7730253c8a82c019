"""Bit-parallel baseline in the DaDianNao organisation (Chen et al., MICRO 2014, as used by the
Stripes / Pragmatic / Loom papers; docs/references.md#dadn-baseline).

``tiles`` x ``filters`` inner-product units (IPs); each IP multiplies ``lanes`` activations by
``lanes`` weights of ``width`` bits per cycle and adds them into its accumulator. Every tile gets
the same activations (one window at a time) and its own filters, so a conv layer takes
``windows x R x S x ceil(C/lanes) x ceil(K/(tiles x filters))`` cycles per group, whatever the
values: time does not depend on precision or zeros. FC layers are one window.
"""
from __future__ import annotations

from dataclasses import dataclass, field


from accelsim.datapaths import grid
from accelsim.datapaths.base import LayerWork, Part, UniformCycles, part, register, tile_work
from accelsim.datapaths.fold import fold_trace


@dataclass(frozen=True)
class BitParallelParams:
    tiles: int = field(default=16, metadata={"lo": 1, "hi": 1024})
    filters: int = field(default=16, metadata={"lo": 1, "hi": 4096})
    lanes: int = field(default=16, metadata={"lo": 1, "hi": 4096})
    width: int = field(default=16, metadata={"lo": 1, "hi": 32})
    acc_bits: int = field(default=32, metadata={"lo": 8, "hi": 64})
    fold_first_layer: bool = False       # datapaths.fold: stride folded into channels


@register
class BitParallel:
    kind = "bitparallel"
    peak_factor = 1.0   # memory per im2col byte: 0.5 measured (benchmarks/bench_layer_memory.py)
    needs_values = False   # timing depends on shapes only: simulate skips building operands
    Params = BitParallelParams

    def __init__(self, params: BitParallelParams, arch):
        self.p = params
        self.arch = arch

    def limits(self) -> tuple[int, int]:
        return self.p.width, self.p.width

    @property
    def peak_macs(self) -> int:
        return self.p.tiles * self.p.filters * self.p.lanes

    def run(self, trace) -> LayerWork:
        trace = fold_trace(trace, self.p.lanes) if self.p.fold_first_layer else trace
        p, shape = self.p, trace.shape
        width_pass = p.tiles * p.filters
        n_pass = grid.passes(shape, width_pass)
        step = grid.bricks(shape, p.lanes)
        cycles = UniformCycles(step, n_pass, shape.windows)    # (passes, windows), not stored
        total = cycles.total
        ip_cycles = shape.windows * step * shape.k          # IP-cycles with a filter assigned
        actions = {
            "ip.mult.op": shape.macs,
            "ip.tree.op": ip_cycles,
            "ip.acc.op": ip_cycles,
            "weights.read_bits": ip_cycles * p.lanes * p.width,
            "activations.read_bits": total * p.lanes * p.width,
            "outputs.write_bits": shape.windows * shape.k * self.arch.memory.output_bits,
        }
        ideal = -(-shape.macs // self.peak_macs)
        return tile_work(cycles, trace, self.arch, width_pass, actions, ideal_cycles=ideal,
                         potential=float(shape.macs) * p.width * p.width,
                         wgt_bits=p.width, act_bits=p.width)

    def inventory(self) -> dict[str, Part]:
        p = self.p
        ips = p.tiles * p.filters
        return {
            "ip.mult": part("int_mult", ips * p.lanes, a_bits=p.width, b_bits=p.width),
            "ip.tree": part("adder_tree", ips, inputs=p.lanes, bits=2 * p.width),
            "ip.acc": part("int_add", ips, bits=p.acc_bits),
            # operand latches (a tile's broadcast activations, each IP's weights), the pipeline
            # register between multipliers and adder tree, the accumulator register
            "reg.act": part("flipflop", p.tiles, bits=p.lanes * p.width),
            "reg.wgt": part("flipflop", ips, bits=p.lanes * p.width),
            "reg.prod": part("flipflop", ips, bits=p.lanes * 2 * p.width),
            "reg.acc": part("flipflop", ips, bits=p.acc_bits),
            # activations broadcast to every tile, then to the tile's IPs; each tile's weight
            # bus to its IPs; outputs back to the activation memory
            **grid.buses(p.tiles, p.filters, 1, act_bits=p.lanes * p.width,
                         wgt_bits=p.filters * p.lanes * p.width, out_bits=p.filters * p.width),
        }
