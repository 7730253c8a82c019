"""Diffy (Mahmoud, Siu, Moshovos, MICRO 2018) as a front end of Dynamic Stripes.

The back end is Dynamic Stripes unchanged (per-group precision detected at run time, columns
synchronised by run-ahead registers; FC layers as Dynamic Stripes runs them); the front end feeds
each conv window's activations as differences from its left neighbour's in the same output row
(``accelsim.diffy.window_deltas``; the first window of a row stays raw), so groups of deltas of
smooth feature maps need fewer bits. The SIPs then produce output deltas, and reconstruction
adders (one ``acc_bits`` adder per SIP) add each output to its left neighbour's
(``accelsim.diffy.reconstruct_outputs``). Approximation: reconstruction is counted and priced, its
latency taken as hidden behind the next brick's bit-serial cycles.

``signed_precision`` names how a group of signed values' width is measured: ``sign_magnitude``
(ours: the magnitudes' bits plus a sign bit only when the group holds a negative value) or
``twos_complement`` (DNNsim's: every group of a Diffy layer is two's complement with a sign bit,
a negative value needing the bits of |v| - 1; ``diffy.twos_complement_precision``), which
benchmarks/dnnsim_memformat_crosscheck.py uses to match DNNsim.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import numpy as np

from accelsim import diffy
from accelsim.datapaths import grid
from accelsim.datapaths.base import LayerWork, Part, part, register
from accelsim.datapaths.stripes import DynamicStripes, DynamicStripesParams
from accelsim.numerics.bits import spread_max
from accelsim.spec.workload import LayerKind


@dataclass(frozen=True)
class DiffyParams(DynamicStripesParams):
    signed_precision: str = field(default="sign_magnitude",
                                  metadata={"choices": diffy.SIGNED_PRECISIONS})


def _uses_deltas(trace) -> bool:
    return trace.layer.kind is LayerKind.CONV and trace.shape.out_w > 1


@register
class DiffyStripes(DynamicStripes):
    kind = "diffy"
    peak_factor = 9.0   # memory per im2col byte: 7.4 measured (benchmarks/bench_layer_memory.py)
    Params = DiffyParams

    def __init__(self, params, arch):
        super().__init__(params, arch)
        # neighbouring windows are differenced, so a sample of windows is not that share of the work
        self.samplable = False

    def conv_step_cycles(self, trace) -> np.ndarray:
        if not _uses_deltas(trace):
            return super().conv_step_cycles(trace)
        deltas = diffy.window_deltas(trace.windows, trace.shape.out_w)
        return self._group_bits(grid.brick_view(deltas, self.p.lanes, self.p.windows))

    def _group_bits(self, bricks: np.ndarray) -> np.ndarray:
        if self.p.signed_precision == "sign_magnitude":
            return super()._group_bits(bricks)
        bits = diffy.twos_complement_precision(bricks, axis=-1, leading_only=self.p.leading_only)
        return spread_max(bits, self.p.group_size // self.p.lanes)

    def fc_chunk_cycles(self, trace) -> np.ndarray:
        if self.p.signed_precision == "sign_magnitude":
            return super().fc_chunk_cycles(trace)
        view = grid.brick_view(trace.windows, self.p.lanes, 1)                # g, n, b, 1, lanes
        bits = diffy.twos_complement_precision(view, axis=-1, leading_only=self.p.leading_only)
        return bits.reshape(view.shape[0], -1)

    def run(self, trace) -> LayerWork:
        work = super().run(trace)
        if not _uses_deltas(trace):
            return work
        return dataclasses.replace(work, actions={**work.actions,
                                                  "recon.op": diffy.window_recon_adds(trace.shape)})

    def outputs(self, trace) -> np.ndarray:
        """The SIPs' results on the delta windows (two's complement planes at the deltas' width,
        one bit wider than the activations), then the reconstruction adders' running sums."""
        if not _uses_deltas(trace):
            return super().outputs(trace)
        from accelsim.numerics.bits import exact_matmul, serial_digits
        s = trace.shape
        acts = diffy.window_deltas(trace.windows, s.out_w).reshape(s.groups, s.windows, -1)
        wgts = trace.filters.reshape(s.groups, s.k_per_group, -1)
        acc = np.zeros((s.groups, s.windows, s.k_per_group), dtype=np.int64)
        for plane in serial_digits(acts, trace.layer.act_bits + 1, signed=True)[::-1]:
            acc = 2 * acc + exact_matmul(plane, wgts)
        return diffy.reconstruct_outputs(acc, s.out_w)

    def inventory(self) -> dict[str, Part]:
        inv = super().inventory()
        p = self.p
        inv["recon"] = part("int_add", p.tiles * p.filters * p.windows, bits=p.acc_bits)
        return inv
