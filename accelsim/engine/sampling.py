"""Sampling mode: simulate a seeded fraction of a layer's output windows (or, for a layer with too
few windows, of its filter passes) and scale up.

Windows are taken in contiguous blocks (a block is one column group of a bit-serial design, so
windows that run side by side stay together), split into independent batches (8, or as many as
give 2 blocks each, at least 4). Each batch is run as its own small layer after a warm-up block,
whose run alone is subtracted (``_window_batches``: a design with run-ahead registers overlaps
consecutive blocks, which a cold run does not). Some windows are run in full, not drawn
(``exact_blocks``): the layer's first block, the blocks reading the top or bottom padding (rare
and much cheaper on designs that trim by value), and the last block when it is partial (it costs a
whole block's cycles for fewer windows, so no scale fits it). The estimate is total(sampled
cycles) x blocks drawn from / sampled blocks, plus the windows run in full; its spread is the
standard error over the batches' own estimates. Action counts inside the datapath are scaled the
same way.

The printed error is itself estimated, from batches - 1 degrees of freedom: with 8 batches
|estimate - full| should exceed 2 printed errors in 8% of seeds and 3 in 2% (Student's t), with 4
in 14% and 6%, and a seed whose few batches happen to agree prints a small error. Measured on
VGG-19 at 10%, 40 seeds each (8 batches): Loom conv2_1 5% and 0%, conv3_2 3% and 0%, TCLe conv3_1
12% and 0%, the largest 2.9 errors; with 4 batches conv3_2 had 12% and 7% and reached 9.5.

Fully connected and matmul layers at batch 1 have one window. Their filters are sampled instead,
in whole filter passes (the datapath's ``filter_pass``: the filters that share one pass over the
inputs), when the datapath declares one and the layer has enough passes; a batch is the layer
restricted to its passes' filters, whose weights alone are drawn (``workload.rows``), and the
estimate scales by passes. Layers with fewer units than the sample needs run in full.

Memory is not sampled: each batch is charged its whole layer's memory footprint (the trace's
``memory_shape``), so residency, re-fetch, DRAM bytes and the (de)compression counts that follow
from them are the full layer's, exactly; only their spread over time follows the sampled tiles
(the stall estimate is an approximation for that reason, and is not part of the printed error).
Only the sampled windows' im2col rows are built.

A sampled run's synthetic weights are drawn only where read: for a datapath that never reads them
(Pragmatic's timing follows from the activations) a seeded sample of filter blocks is drawn, and
the weights' SQNR it reports is estimated over the rows drawn. Rows drawn are the full run's rows,
value for value.

Only datapaths whose work depends on the im2col windows alone (``samplable = True``) are sampled;
others run in full.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from accelsim.datapaths.base import LayerWork
from accelsim.memformat import CODEC
from accelsim.spec.workload import Shape
from accelsim.workload import rows as wrows
from accelsim.workload import shapes, tensors
from accelsim.workload.trace import LayerTrace


@dataclass(frozen=True)
class Sampling:
    fraction: float
    seed: int = 0
    block: int = 16
    batches: int = 8     # at most: fewer, down to MIN_BATCHES, while a batch would hold under 2 blocks


MIN_BATCHES = 4


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


def filter_trace(trace: LayerTrace, rows: np.ndarray) -> LayerTrace:
    """The layer restricted to the filters ``rows`` (sorted; one group): only their weights are
    drawn, and the traffic model charges the whole layer's footprint."""
    s = trace.shape
    wgt = trace.wgt
    sub = (wgt.subset(rows) if isinstance(wgt, wrows.RowOperand)
           else tensors.Operand(wgt.codes[rows], wgt.signed, wgt.mse, wgt.sqnr_db))
    layer = dataclasses.replace(trace.layer, shape=dataclasses.replace(s, k=int(rows.size)))
    return LayerTrace(layer, trace.act, sub, memory_shape=s)


def _chosen(units: int, size: int, sampling: Sampling, rng,
            exact: np.ndarray | None = None) -> tuple[list[np.ndarray], np.ndarray, int] | None:
    """A seeded ``fraction`` of the whole blocks of ``size`` consecutive units, split into the
    batches: per batch the sorted indices of its units; the units run in full (the whole blocks
    marked ``exact`` and the last, partial block); and the number of blocks drawn from (None if
    there are too few blocks for MIN_BATCHES batches of 2). The partial block is run in full,
    not drawn: it costs a whole block's cycles for fewer units, so scaled up with the others it
    biased the estimate by windows and by blocks alike (AlexNet conv1, 3025 windows, on Pragmatic
    at a 10% sample: +4.4% when it was drawn, -0.5% when not)."""
    blocks = units // size
    pool = np.arange(blocks) if exact is None else np.flatnonzero(~exact)
    take = int(round(sampling.fraction * pool.size))
    batches = min(sampling.batches, take // 2)
    if batches < min(sampling.batches, MIN_BATCHES):
        return None
    chosen = rng.choice(pool, take, replace=False)      # with no exact blocks: choice(blocks, take)
    out = [(np.sort(batch)[:, None] * size + np.arange(size)[None, :]).ravel()
           for batch in np.array_split(chosen, batches)]
    kept = [] if exact is None else [(np.flatnonzero(exact)[:, None] * size + np.arange(size)).ravel()]
    return out, np.concatenate([*kept, np.arange(blocks * size, units)]), pool.size


def exact_blocks(shape: Shape, size: int) -> np.ndarray:
    """Per whole block of ``size`` windows (in im2col order: image, row, column), whether it is
    run in full rather than drawn: the layer's first block, and every block with a window that
    reads the top or bottom padding.

    The first block: the full run starts it cold, as a run alone starts (``_window_batches``).
    Padded rows: their windows see zeros at whole kernel rows, so their blocks are much cheaper
    for a design that trims or skips by value (Loom on VGG-19 conv2_1: 3,276-3,420 cycles against
    4,680-4,944 for every other block), and they are rare (2 of 112 rows): a 10% draw missed all
    14 in a quarter of seeds, and then no batch showed the spread they cause (the estimate +0.5%
    off at a printed error of 0.07%). Windows at the left and right padding stay in the draw:
    they are 2 of every ``out_w`` windows, in every stretch of rows, so a draw holds them in
    proportion and the batches' spread sees them."""
    oy = np.arange(shape.out_h) * shape.stride_h - shape.pad_h
    edge = (oy < 0) | (oy + shape.r > shape.h)
    rows = np.tile(np.repeat(edge, shape.out_w), shape.n)
    blocks = shape.windows // size
    out = rows[:blocks * size].reshape(blocks, size).any(axis=1)
    out[:1] = True
    return out


def _window_batches(trace: LayerTrace, sampling: Sampling, rng) -> tuple | None:
    """Per batch a layer of its windows after the warm-up block and their count in blocks; the
    number of blocks drawn from; whether they are filter passes (no); a layer of the windows run
    in full (``exact_blocks``, the partial block); a layer of the warm-up block alone; or None if
    too few blocks.

    A design whose columns run ahead of each other (``registers``) starts a block while its
    predecessor drains, so a run costs one fill more than its blocks do in the layer; every batch
    run cold carried that fill, scaled by the layer's blocks over the batch's (Bit-Tactical TCLe
    on VGG-19 conv3_1, 5 blocks a batch: +0.17% over seeds 0-9, about one printed error). So every
    batch runs after one warm-up block, the layer's first drawable block, and its cost is that run
    less the warm-up run alone (the columns' timing is causal: the warm-up ends at the same cycle
    in both). One block settles one run-ahead register (every bundled design); with more registers
    and short blocks a batch still starts a little cold (TCLe with 4 registers on a 32-channel
    layer, 2 blocks a batch: +1.2%, against +4.2% cold). What remains: inside a batch a block
    follows one that is not its neighbour in the layer, which on a run-ahead design costs a little
    more than in the full run (Pragmatic's timing, as TCLe's on dense weights, VGG-19 at 10% over
    20 seeds: conv1_2 +0.034% +/- 0.010, conv3_2 +0.077% +/- 0.030, a third to half of the printed
    error; none on Loom, whose blocks add up exactly)."""
    shape, block = trace.shape, sampling.block
    exact = exact_blocks(shape, block)
    plan = _chosen(shape.windows, block, sampling, rng, exact=exact)
    if plan is None:
        return None
    chosen, kept, pool = plan
    warm = int(np.argmin(exact)) * block + np.arange(block)
    return ([(window_trace(trace, np.concatenate([warm, idx])), idx.size // block) for idx in chosen], pool,
            False, window_trace(trace, kept) if kept.size else None, window_trace(trace, warm))


def _filter_batches(trace: LayerTrace, width: int, sampling: Sampling, rng) -> tuple | None:
    """Per batch a layer of whole filter passes and their count; the layer's whole passes; whether
    they are filter passes (yes); a layer of the partial pass's filters (None if none); no warm-up
    (passes are timed apart: the ``filter_pass`` contract); or None if too few passes."""
    s = trace.shape
    if width <= 0 or s.groups != 1:
        return None
    plan = _chosen(s.k, width, sampling, rng)
    if plan is None:
        return None
    chosen, tail, pool = plan
    return ([(filter_trace(trace, idx), idx.size // width) for idx in chosen], pool, True,
            filter_trace(trace, tail) if tail.size else None, None)


SQNR_VALUES = 1 << 18     # weights drawn for the SQNR estimate of a layer whose datapath read none


def _draw_some_weights(trace: LayerTrace, sampling: Sampling, rng) -> None:
    """A datapath that read no weights still reports their SQNR: draw a seeded ``fraction`` of
    the filter blocks, at most the blocks holding about SQNR_VALUES values (a mean of squares
    over 2^18 values is already within a fraction of a dB), to estimate it from."""
    wgt = trace.wgt
    if isinstance(wgt, wrows.RowOperand) and not wgt.drawn:
        cap = -(-SQNR_VALUES // (wrows.ROWS * wgt.row_size))
        take = max(1, min(int(round(sampling.fraction * wgt.blocks)), cap))
        blocks = np.sort(rng.choice(wgt.blocks, take, replace=False))
        wgt.rows(blocks * wrows.ROWS)


def sampled_run(datapath, trace: LayerTrace, sampling: Sampling) -> tuple[LayerWork, dict]:
    """Run ``datapath`` on a sample of ``trace``'s windows or filter passes; returns the scaled
    work and figures."""
    rng = np.random.default_rng([sampling.seed, int(trace.key[:8], 16)])
    plan = None
    if datapath.samplable:
        plan = (_window_batches(trace, sampling, rng)
                or _filter_batches(trace, datapath.filter_pass, sampling, rng))
    if plan is None:
        work = datapath.run(trace)
        _draw_some_weights(trace, sampling, rng)
        return work, {}
    batches, units, whole_passes, tail, warm = plan
    warm = datapath.run(warm) if warm is not None else None
    parts = [_after(datapath.run(sub), warm) if warm is not None else datapath.run(sub) for sub, _ in batches]
    rest = datapath.run(tail) if tail is not None else None
    _draw_some_weights(trace, sampling, rng)
    sampled = sum(n for _, n in batches)
    factor = units / sampled
    exact = int(rest.compute_cycles.sum()) if rest is not None else 0
    est = np.array([p.compute_cycles.sum() * units / n + exact for p, (_, n) in zip(parts, batches)],
                   dtype=np.float64)
    stderr = float(est.std(ddof=1) / np.sqrt(est.size) / est.mean()) if est.mean() > 0 else 0.0
    work = _combine(parts, factor, repeat=whole_passes, rest=rest)
    return work, {"sample_fraction": sampled / units, "cycles_rel_stderr": stderr}


def _after(work: LayerWork, warm: LayerWork) -> LayerWork:
    """``work`` (a run after a warm-up) less ``warm`` (the warm-up run alone): cycles, datapath
    actions, ideal cycles and potential are the difference. Its tiles are ``work``'s, scaled to the
    difference (a datapath's tiles need not follow blocks) and rounded cumulatively, so they add up
    to it exactly; memory, which every run carries for the whole layer, is ``work``'s."""
    total, less = int(work.compute_cycles.sum()), int(warm.compute_cycles.sum())
    scale = (total - less) / total if total > 0 else 0.0
    cycles = np.diff(np.rint(np.cumsum(work.compute_cycles * scale)), prepend=0.0).astype(np.int64)
    return dataclasses.replace(
        work, compute_cycles=cycles,
        actions={k: v if k.startswith(CODEC + ".") else v - warm.actions.get(k, 0)
                 for k, v in work.actions.items()},
        ideal_cycles=work.ideal_cycles - warm.ideal_cycles, potential=work.potential - warm.potential)


TILE_CAP = 1024     # tiles of a combined sample: the engine's events stay in the thousands


def _combine(parts: list[LayerWork], factor: float, repeat: bool, rest: LayerWork | None = None) -> LayerWork:
    """The batches' work as one layer's: compute and datapath actions scaled by ``factor``, plus
    ``rest`` (the windows or filters run in full) as it is; memory (bytes, DRAM bits, codec
    counts), which every batch and ``rest`` carry for the whole layer, shared out between them:
    the bytes by each one's share of the estimated cycles, so that they stream as the full run's
    do, in proportion to compute (an equal share gave ``rest``, a few percent of the cycles, a
    fifth of the bytes: Pragmatic's stalls on VGG-19 came out 1.9x the full run's).

    With ``repeat`` (a sample of whole filter passes, each a few tiles), the sampled tiles are
    repeated about ``factor`` times for the engine (as many as TILE_CAP allows), each copy with
    its share of compute and bytes, so that there are about as many passes, each as large, as the
    full layer has: the stall estimate then sees as many weight fetches, and as small a first one
    (on an FC layer streaming its weights, a few passes scaled up missed stalls by up to 2x, the
    repeated ones land within 5%). A window sample keeps its tiles, scaled (its batches already
    hold every pass; measured on VGG-19, repeating them moved stalls away from the full run's)."""
    every = parts + ([rest] if rest is not None else [])
    n = len(every)
    compute = np.concatenate([p.compute_cycles for p in parts]).astype(np.float64)
    reps = int(max(1, min(round(factor), TILE_CAP // max(compute.size, 1)))) if repeat else 1
    cycles = np.array([p.compute_cycles.sum() * factor for p in parts]
                      + ([rest.compute_cycles.sum()] if rest is not None else []), dtype=np.float64)
    share = cycles / cycles.sum() if cycles.sum() > 0 else np.full(n, 1 / n)
    byte_scale = share[:len(parts)] / reps

    def tiles(get, scales, rest_scale: float) -> np.ndarray:
        # the batches' tiles, each batch's scaled, repeated reps times, then the rest's tiles
        out = [np.tile(np.concatenate([get(p).astype(np.float64) * k for p, k in zip(parts, scales)]), reps)]
        if rest is not None:
            out.append(get(rest).astype(np.float64) * rest_scale)
        return np.concatenate(out)

    def whole(key: str) -> bool:
        return key.startswith(CODEC + ".")

    def total(get, shared: bool) -> float:
        if shared:
            return sum(get(p) for p in every) / n
        return sum(get(p) for p in parts) * factor + (get(rest) if rest is not None else 0)

    # Sorted, not a set's order: the energy columns and their float sums must not depend on
    # the process's string-hash seed.
    keys = sorted(set().union(*(p.actions for p in every)))
    compute_tiles = tiles(lambda p: p.compute_cycles, [factor / reps] * len(parts), 1.0)
    return LayerWork(
        # rounded cumulatively, so the tiles' cycles add up to the rounded estimate
        compute_cycles=np.diff(np.rint(np.cumsum(compute_tiles)), prepend=0.0).astype(np.int64),
        # every batch carries the whole layer's bytes: each batch's tiles get its share
        bytes_in=np.ceil(tiles(lambda p: p.bytes_in, byte_scale, share[-1])).astype(np.int64),
        bytes_out=np.ceil(tiles(lambda p: p.bytes_out, byte_scale, share[-1])).astype(np.int64),
        actions={k: int(round(total(lambda p: p.actions.get(k, 0), whole(k)))) for k in keys},
        ideal_cycles=int(round(total(lambda p: p.ideal_cycles, False))),
        potential=total(lambda p: p.potential, False),
        extra=dict(parts[0].extra),
        dram_bits={k: int(round(total(lambda p: p.dram_bits.get(k, 0), True)))
                   for k in sorted(set().union(*(p.dram_bits for p in every)))},
    )
