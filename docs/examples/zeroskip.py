"""Zero-skipping lanes on the DaDianNao grid: the worked example of docs/datapath_guide.md.

The idea is Cnvlutin's (Albericio et al., ISCA 2016; docs/references.md#cnvlutin-zero-skipping):
a zero activation contributes nothing, so a lane that only ever sees non-zero activations finishes
sooner. Machine: ``tiles`` x ``filters`` inner-product units of ``lanes`` multipliers, like the
bit-parallel baseline. Lane ``l`` of every unit owns the input channels ``l, l + lanes, ...`` and
walks through its own non-zero activations of a window, one per cycle; the lanes of a tile meet
at the end of each window (all units of a tile share the activation broadcast), so a window takes
the largest non-zero count among the lanes, at least one cycle.

Approximations (this is an illustration of the datapath interface, not a validated model of
Cnvlutin): lanes synchronise at every window, where the paper's units are decoupled further;
the zero-free activation format (values plus offsets) is not modelled, activations move as dense
codes; only the arithmetic is priced (no dispatcher, offset logic, registers or buses).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from accelsim.datapaths.base import LayerWork, Part, part, register, tile_work


@dataclass(frozen=True)
class ZeroSkipParams:
    # metadata lo/hi: the spec reader checks the range and names the key when a value is outside
    tiles: int = field(default=16, metadata={"lo": 1, "hi": 1024})
    filters: int = field(default=16, metadata={"lo": 1, "hi": 4096})
    lanes: int = field(default=16, metadata={"lo": 1, "hi": 4096})
    width: int = field(default=16, metadata={"lo": 1, "hi": 32})
    acc_bits: int = field(default=32, metadata={"lo": 8, "hi": 64})


def lane_steps(windows: np.ndarray, lanes: int) -> np.ndarray:
    """(groups, windows) cycles of each window: the largest count of non-zero activations among
    the lanes (lane l holds channels l, l + lanes, ...), at least 1."""
    g, w, r, s, c = windows.shape
    nonzero = windows != 0
    pad = -c % lanes                          # channels beyond C are empty lanes
    nonzero = np.pad(nonzero, ((0, 0),) * 4 + ((0, pad),))
    per_lane = nonzero.reshape(g, w, r * s * ((c + pad) // lanes), lanes).sum(axis=2)
    return np.maximum(per_lane.max(axis=2), 1)


@register
class ZeroSkip:
    kind = "zeroskip"
    Params = ZeroSkipParams
    # needs_values stays at its default (True): the time depends on where the zeros are.
    # samplable: a subset of windows costs its own share, so `--sample` may simulate a fraction.
    samplable = True

    def __init__(self, params: ZeroSkipParams, arch):
        self.p = params
        self.arch = arch

    def limits(self) -> tuple[int, int]:
        return self.p.width, self.p.width

    def run(self, trace) -> LayerWork:
        p, shape = self.p, trace.shape
        steps = lane_steps(trace.windows, p.lanes)                    # (groups, windows)
        width_pass = p.tiles * p.filters
        per_group = -(-shape.k_per_group // width_pass)               # filter passes per group
        cycles = np.repeat(steps, per_group, axis=0)                  # (passes, windows)
        unit_cycles = int(steps.sum()) * shape.k_per_group            # unit-cycles with a filter
        nonzero = int(np.count_nonzero(trace.windows))
        actions = {
            "ip.mult.op": nonzero * shape.k_per_group,                # effectual products only
            "ip.tree.op": unit_cycles,
            "ip.acc.op": unit_cycles,
            "weights.read_bits": unit_cycles * p.lanes * p.width,
            "activations.read_bits": int(cycles.sum()) * p.lanes * p.width,
            "outputs.write_bits": shape.windows * shape.k * self.arch.memory.output_bits,
        }
        peak = p.tiles * p.filters * p.lanes
        return tile_work(cycles, trace, self.arch, width_pass, actions,
                         ideal_cycles=-(-shape.macs // peak),
                         potential=float(nonzero * shape.k_per_group) * p.width * p.width,
                         wgt_bits=p.width, act_bits=p.width)

    def inventory(self) -> dict[str, Part]:
        p = self.p
        units = p.tiles * p.filters
        return {
            "ip.mult": part("int_mult", units * p.lanes, a_bits=p.width, b_bits=p.width),
            "ip.tree": part("adder_tree", units, inputs=p.lanes, bits=2 * p.width),
            "ip.acc": part("int_add", units, bits=p.acc_bits),
        }
