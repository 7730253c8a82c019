"""Sampling mode: simulate a seeded fraction of a layer's output windows and scale up.

Windows are taken in contiguous blocks (a block is one column group of a bit-serial design, so
windows that run side by side stay together), split into independent batches. Each batch is run as
its own small layer; the estimate is the ratio estimator total(sampled cycles) x windows / sampled
windows, and its spread is the standard error over the batches' own scaled estimates. Action counts
inside the datapath are scaled by the same factor.

Memory is not sampled: each batch is charged its whole layer's memory footprint (the trace's
``memory_shape``), so residency, re-fetch and DRAM bytes are the full layer's, exactly; only their
spread over time follows the sampled tiles (the stall estimate is an approximation for that reason,
and is not part of the printed error). Only the sampled windows' im2col rows are built.

Only datapaths whose work depends on the im2col windows alone (``samplable = True``) are sampled;
others, and layers with fewer windows than the sample needs, run in full.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from accelsim.datapaths.base import LayerWork
from accelsim.spec.workload import Shape
from accelsim.workload import shapes
from accelsim.workload.trace import LayerTrace


@dataclass(frozen=True)
class Sampling:
    fraction: float
    seed: int = 0
    block: int = 16
    batches: int = 4


def window_trace(trace: LayerTrace, rows: np.ndarray) -> LayerTrace:
    """The layer restricted to the windows ``rows``: an equivalent layer whose output is those
    windows in a column (stride 1, no padding), with the same filters and reduction."""
    s = trace.shape
    n = int(rows.size)
    shape = Shape(1, s.c, n + s.r - 1, s.s, s.k, s.r, s.s, groups=s.groups)
    # Same filters and reduction, so the weights need no change; the windows are given, and
    # the traffic model charges the whole layer's footprint.
    return LayerTrace(dataclasses.replace(trace.layer, shape=shape), trace.act, trace.wgt,
                      im2col=shapes.im2col(trace.act.codes, s, rows), memory_shape=s)


def sampled_run(datapath, trace: LayerTrace, sampling: Sampling) -> tuple[LayerWork, dict]:
    """Run ``datapath`` on a sample of ``trace``'s windows; returns the scaled work and figures."""
    windows = trace.shape.windows
    blocks = -(-windows // sampling.block)
    take = int(round(sampling.fraction * blocks))
    if not datapath.samplable or take < 2 * sampling.batches:
        return datapath.run(trace), {}
    rng = np.random.default_rng([sampling.seed, int(trace.key[:8], 16)])
    chosen = rng.choice(blocks, take, replace=False)
    parts, estimates, sampled = [], [], 0
    for batch in np.array_split(chosen, sampling.batches):
        starts = np.sort(batch) * sampling.block
        rows = (starts[:, None] + np.arange(sampling.block)[None, :]).ravel()
        rows = rows[rows < windows]
        work = datapath.run(window_trace(trace, rows))
        parts.append(work)
        sampled += rows.size
        estimates.append(work.compute_cycles.sum() * windows / rows.size)
    factor = windows / sampled
    est = np.asarray(estimates, dtype=np.float64)
    stderr = float(est.std(ddof=1) / np.sqrt(est.size) / est.mean()) if est.mean() > 0 else 0.0
    # Sorted, not a set's order: the energy columns and their float sums must not depend on
    # the process's string-hash seed.
    keys = sorted(set().union(*(p.actions for p in parts)))
    work = LayerWork(
        compute_cycles=np.rint(np.concatenate([p.compute_cycles for p in parts]) * factor).astype(np.int64),
        # every batch carries the whole layer's bytes: each batch's tiles get its share
        bytes_in=np.ceil(np.concatenate([p.bytes_in for p in parts]) / len(parts)).astype(np.int64),
        bytes_out=np.ceil(np.concatenate([p.bytes_out for p in parts]) / len(parts)).astype(np.int64),
        actions={k: int(round(sum(p.actions.get(k, 0) for p in parts) * factor)) for k in keys},
        ideal_cycles=int(round(sum(p.ideal_cycles for p in parts) * factor)),
        potential=sum(p.potential for p in parts) * factor,
        extra=dict(parts[0].extra),
        dram_bits={k: int(round(sum(p.dram_bits.get(k, 0) for p in parts) / len(parts)))
                   for k in sorted(set().union(*(p.dram_bits for p in parts)))},
    )
    return work, {"sample_fraction": sampled / windows, "cycles_rel_stderr": stderr}
