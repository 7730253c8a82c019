"""Diffy (Mahmoud, Siu, Moshovos, MICRO 2018) as a front end of Bit-Pragmatic.

The back end is Bit-Pragmatic unchanged (oneffsets of each lane's value, a two-stage shifter,
columns synchronised by run-ahead weight registers; FC layers as Pragmatic runs them). The front
end feeds each conv window's activations as differences from its left neighbour's in the same
output row (``accelsim.diffy.window_deltas``; the first window of a row stays raw), so the PIPs
see the terms of the deltas: smooth feature maps give small deltas with few terms. A delta is
signed, so its terms carry a sign (every encoding of ``numerics.bits.signed_terms`` handles
negative values; ``dnnsim`` is the run-of-ones recoding of |delta| with the delta's sign, as
DNNsim's BitPragmatic with ``diffy: true``). The PIPs then produce output deltas, and a row of
reconstruction adders (one ``acc_bits`` adder per PIP) adds each output to its left neighbour's
(``accelsim.diffy.reconstruct_outputs``): counted as ``recon.op`` and priced as ``recon``.

Approximations: reconstruction's latency is taken as hidden behind the next brick's cycles, as for
the Dynamic Stripes front end (``datapaths.diffy_stripes``); activations are stored raw (the
paper's delta storage is not modelled; ``memory.formats`` compresses the raw values).
"""
from __future__ import annotations

import dataclasses

import numpy as np

from accelsim import diffy
from accelsim.datapaths.base import LayerWork, Part, part, register
from accelsim.datapaths.fold import fold_trace
from accelsim.datapaths.pragmatic import Pragmatic
from accelsim.spec.workload import LayerKind
from accelsim.workload.trace import LayerTrace


def _uses_deltas(trace) -> bool:
    return trace.layer.kind is LayerKind.CONV


def delta_trace(trace: LayerTrace) -> LayerTrace:
    """``trace`` with its im2col windows replaced by Diffy's deltas (a conv layer with one output
    column is its own delta: every window is the first of its row)."""
    if not _uses_deltas(trace):
        return trace
    d = diffy.window_deltas(trace.windows, trace.shape.out_w)
    return LayerTrace(trace.layer, trace.act, trace.wgt, im2col=d, memory_shape=trace.memory_shape)


@register
class DiffyPragmatic(Pragmatic):
    kind = "diffy_pragmatic"
    peak_factor = 16.0   # memory per im2col byte: 13.4 measured (benchmarks/bench_layer_memory.py)

    def __init__(self, params, arch):
        super().__init__(params, arch)
        # neighbouring windows are differenced, so a sample of windows is not that share of the work
        self.samplable = False

    def run(self, trace) -> LayerWork:
        # Fold first (the deltas are those of the folded layer's windows, DNNsim's order too); the
        # folded layer has stride 1, so Pragmatic.run's own fold leaves it as it is.
        folded = fold_trace(trace, self.p.lanes) if self.p.fold_first_layer else trace
        work = super().run(delta_trace(folded))
        if not _uses_deltas(trace):
            return work
        return dataclasses.replace(work, actions={**work.actions,
                                                  "recon.op": diffy.window_recon_adds(trace.shape)})

    def worst_case_cycles(self, trace) -> int:
        """Pragmatic's bound for a delta: one bit wider than the activations, and signed."""
        if not _uses_deltas(trace):
            return super().worst_case_cycles(trace)
        layer = dataclasses.replace(trace.layer, act_bits=trace.layer.act_bits + 1)
        return super().worst_case_cycles(
            LayerTrace(layer, dataclasses.replace(trace.act, signed=True), trace.wgt))

    def outputs(self, trace) -> np.ndarray:
        """The PIPs' signed-term products on the delta windows, then the reconstruction adders'
        running sums along each output row."""
        if not _uses_deltas(trace):
            return super().outputs(trace)
        return diffy.reconstruct_outputs(super().outputs(delta_trace(trace)), trace.shape.out_w)

    def inventory(self) -> dict[str, Part]:
        inv = super().inventory()
        p = self.p
        inv["recon"] = part("int_add", p.tiles * p.filters * p.windows, bits=p.acc_bits)
        return inv
