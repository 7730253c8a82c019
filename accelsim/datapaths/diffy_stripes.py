"""Diffy (Mahmoud, Siu, Moshovos, MICRO 2018) as a front end of Dynamic Stripes.

The back end is Dynamic Stripes unchanged (per-group precision detected at run time, columns
synchronised by run-ahead registers; FC layers as Dynamic Stripes runs them); the front end feeds
each conv window's activations as differences from its left neighbour's in the same output row
(``accelsim.diffy.window_deltas``; the first window of a row stays raw), so groups of deltas of
smooth feature maps need fewer bits. The SIPs then produce output deltas, and reconstruction
adders (one ``acc_bits`` adder per SIP) add each output to its left neighbour's
(``accelsim.diffy.reconstruct_outputs``). Approximation: reconstruction is counted and priced, its
latency taken as hidden behind the next brick's bit-serial cycles.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from accelsim import diffy
from accelsim.datapaths import grid
from accelsim.datapaths.base import LayerWork, Part, part, register
from accelsim.datapaths.stripes import DynamicStripes
from accelsim.spec.workload import LayerKind


def _uses_deltas(trace) -> bool:
    return trace.layer.kind is LayerKind.CONV and trace.shape.out_w > 1


@register
class DiffyStripes(DynamicStripes):
    kind = "diffy"

    def __init__(self, params, arch):
        super().__init__(params, arch)
        # neighbouring windows are differenced, so a sample of windows is not that share of the work
        self.samplable = False

    def conv_step_cycles(self, trace) -> np.ndarray:
        if not _uses_deltas(trace):
            return super().conv_step_cycles(trace)
        deltas = diffy.window_deltas(trace.windows, trace.shape.out_w)
        return self._group_bits(grid.brick_view(deltas, self.p.lanes, self.p.windows))

    def run(self, trace) -> LayerWork:
        work = super().run(trace)
        if not _uses_deltas(trace):
            return work
        s = trace.shape
        recon = s.n * s.out_h * (s.out_w - 1) * s.k
        return dataclasses.replace(work, actions={**work.actions, "recon.op": recon})

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
