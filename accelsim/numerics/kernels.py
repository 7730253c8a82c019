"""Hot loops in numba, each with a plain-numpy twin that the tests compare it against.

Only loops with a true sequential dependence live here (synchronisation recurrences), or whose
numpy form needs sorts and big temporaries (distinct values per row); anything that vectorises
cheaply stays in numpy in the module that needs it.
"""
from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def staggered_finish(cycles: np.ndarray, columns: int) -> int:
    """Chunk j is issued at cycle j to column j % columns, which must first finish chunk j-columns;
    it then stays busy cycles[j]. Returns the finish time of the last chunk."""
    return staggered_repeats(cycles, columns, 1)[0]


def staggered_finish_numpy(cycles: np.ndarray, columns: int) -> int:
    """Twin of :func:`staggered_finish`, vectorised across the columns of each round of issue."""
    c = np.asarray(cycles, dtype=np.int64)
    n = c.shape[0]
    rounds = -(-n // columns)
    padded = np.zeros(rounds * columns, dtype=np.int64)
    padded[:n] = c
    grid = padded.reshape(rounds, columns)
    issue = np.arange(rounds * columns, dtype=np.int64).reshape(rounds, columns)
    free = np.zeros(columns, dtype=np.int64)
    end = 0
    for r in range(rounds):
        live = issue[r] < n
        start = np.maximum(issue[r], free)
        free = np.where(live, start + grid[r], free)
        end = max(end, int(free[live].max()) if live.any() else 0)
    return end


@numba.njit(cache=True)
def staggered_repeats(cycles: np.ndarray, columns: int, repeats: int) -> np.ndarray:
    """:func:`staggered_finish` of ``cycles`` repeated 1, 2, .. ``repeats`` times, in one run:
    copy r's chunks are issued after copies 1..r-1, so each run is a prefix of the next and its
    finish is the running end after copy r (a loop of full runs was quadratic in ``repeats``)."""
    free = np.zeros(columns, dtype=np.int64)
    out = np.zeros(repeats, dtype=np.int64)
    end = 0
    j = 0
    for r in range(repeats):
        for i in range(cycles.shape[0]):
            col = j % columns
            start = max(j, free[col])
            free[col] = start + cycles[i]
            if free[col] > end:
                end = free[col]
            j += 1
        out[r] = end
    return out


def staggered_repeats_numpy(cycles: np.ndarray, columns: int, repeats: int) -> np.ndarray:
    """Twin of :func:`staggered_repeats`: each repetition count run in full."""
    c = np.asarray(cycles, dtype=np.int64)
    return np.array([staggered_finish_numpy(np.tile(c, r), columns) if c.size else 0
                     for r in range(1, repeats + 1)], dtype=np.int64)


@numba.njit(cache=True)
def sync_columns(cost: np.ndarray, registers: int) -> np.ndarray:
    """Columns step through ``cost`` (steps x columns); a column may start step j only after it
    finished step j-1 and every column finished step j-1-registers (run-ahead registers).

    Returns, for each step, the time at which all columns have finished it (monotone).
    With 0 registers this is lock-step: the sum of the per-step maxima.
    """
    steps, cols = cost.shape
    finish = np.zeros((steps, cols), dtype=np.int64)
    done = np.zeros(steps, dtype=np.int64)
    for j in range(steps):
        gate = 0
        if j - 1 - registers >= 0:
            gate = done[j - 1 - registers]
        worst = 0
        for i in range(cols):
            prev = finish[j - 1, i] if j > 0 else 0
            start = prev if prev > gate else gate
            finish[j, i] = start + cost[j, i]
            if finish[j, i] > worst:
                worst = finish[j, i]
        done[j] = max(worst, done[j - 1]) if j > 0 else worst
    return done


def sync_columns_numpy(cost: np.ndarray, registers: int) -> np.ndarray:
    """Twin of :func:`sync_columns`: the same recurrence, vectorised over columns."""
    cost = np.asarray(cost, dtype=np.int64)
    steps, cols = cost.shape
    prev = np.zeros(cols, dtype=np.int64)
    done = np.zeros(steps, dtype=np.int64)
    for j in range(steps):
        gate = done[j - 1 - registers] if j - 1 - registers >= 0 else 0
        prev = np.maximum(prev, gate) + cost[j]
        done[j] = max(int(prev.max()), int(done[j - 1]) if j else 0)
    return done


@numba.njit(cache=True)
def distinct_sorted(values: np.ndarray, pad: int) -> np.ndarray:
    """Each row's distinct non-negative entries of ``values`` (rows, n), ascending, padded with
    ``pad`` to the most any row has (at least 1): (rows, K) int64. A row is marked in a table
    and read back between its smallest and largest entry, so it costs n + its span (Bit-Tactical's
    steps span a search window of a few bricks)."""
    R, n = values.shape
    buf = np.full((R, max(n, 1)), pad, dtype=np.int64)
    lo_all, hi_all = 0, -1
    for r in range(R):
        for j in range(n):
            v = values[r, j]
            if v >= 0 and (hi_all < 0 or v < lo_all):
                lo_all = v
            if v > hi_all:
                hi_all = v
    mark = np.zeros(hi_all - lo_all + 1, dtype=np.bool_)
    K = 1
    for r in range(R):
        lo, hi = hi_all + 1, -1
        for j in range(n):
            v = values[r, j]
            if v >= 0:
                mark[v - lo_all] = True
                lo = min(lo, v)
                hi = max(hi, v)
        c = 0
        for v in range(lo, hi + 1):
            if mark[v - lo_all]:
                mark[v - lo_all] = False
                buf[r, c] = v
                c += 1
        K = max(K, c)
    return buf[:, :K].copy()


def distinct_sorted_numpy(values: np.ndarray, pad: int) -> np.ndarray:
    """Twin of :func:`distinct_sorted`: sort each row, drop repeats and negatives, pack left."""
    flat = np.sort(np.asarray(values, dtype=np.int64), axis=-1)
    dup = np.zeros_like(flat, dtype=bool)
    dup[..., 1:] = flat[..., 1:] == flat[..., :-1]
    keep = (flat >= 0) & ~dup
    k = max(int(keep.sum(axis=-1).max(initial=0)), 1)
    order = np.argsort(~keep, axis=-1, kind="stable")[..., :k]
    pos = np.take_along_axis(flat, order, axis=-1)
    return np.where(np.take_along_axis(keep, order, axis=-1), pos, pad)


@numba.njit(cache=True)
def _within(low: int, base: int, window: int) -> bool:
    """``low < base << window`` for powers of two (positions 0..62) without forming
    ``base << window``, which wraps to 0 or negative in int64 once the two exponents reach 63
    (a 32-bit value's top term with a 32-position window) and then never consumes a term."""
    return window >= 63 or (low >> window) < base


@numba.njit(cache=True)
def _rounds(m: np.ndarray, window: int) -> int:
    """Cycles of one step of :func:`oneffset_rounds` over the lanes' masks ``m`` (consumed)."""
    lanes = m.shape[0]
    rounds = 0
    while True:
        base = 0
        for i in range(lanes):
            low = m[i] & -m[i]
            if low != 0 and (base == 0 or low < base):
                base = low
        if base == 0:
            break
        for i in range(lanes):
            low = m[i] & -m[i]
            if low != 0 and _within(low, base, window):
                m[i] ^= low
        rounds += 1
    return max(rounds, 1)


@numba.njit(cache=True)
def oneffset_rounds(masks: np.ndarray, window: int) -> np.ndarray:
    """Bit-Pragmatic cycles per step: ``masks`` (steps, lanes) holds each lane's term positions as
    bits. Each cycle the lowest pending position over the lanes sets the base; every lane whose
    next (lowest) pending term lies within ``window`` positions of it consumes that term (the
    first-stage shifter reaches base .. base + window - 1). Returns (steps,) cycles, at least 1."""
    steps, lanes = masks.shape
    out = np.ones(steps, dtype=np.int64)
    m = np.empty(lanes, dtype=np.int64)
    for s in range(steps):
        for i in range(lanes):
            m[i] = masks[s, i]
        out[s] = _rounds(m, window)
    return out


@numba.njit(cache=True)
def paired_oneffset_rounds(masks: np.ndarray, paired: np.ndarray, window: int) -> np.ndarray:
    """:func:`oneffset_rounds` of every row of ``masks`` (n, positions) gathered at every row of
    ``paired`` (steps, lanes): (n, steps) cycles, without the (n, steps, lanes) gathered copy."""
    n = masks.shape[0]
    steps, lanes = paired.shape
    out = np.empty((n, steps), dtype=np.int64)
    m = np.empty(lanes, dtype=np.int64)
    for w in range(n):
        for s in range(steps):
            for i in range(lanes):
                m[i] = masks[w, paired[s, i]]
            out[w, s] = _rounds(m, window)
    return out


def paired_oneffset_rounds_numpy(masks: np.ndarray, paired: np.ndarray, window: int) -> np.ndarray:
    """Twin of :func:`paired_oneffset_rounds`: gather, then the vectorised rounds."""
    n, (steps, lanes) = masks.shape[0], paired.shape
    return oneffset_rounds_numpy(masks[:, paired].reshape(-1, lanes), window).reshape(n, steps)


def oneffset_rounds_numpy(masks: np.ndarray, window: int) -> np.ndarray:
    """Twin of :func:`oneffset_rounds`, vectorised over steps (one loop trip per round)."""
    m = np.array(masks, dtype=np.int64)
    rounds = np.zeros(m.shape[0], dtype=np.int64)
    while m.any():
        low = m & -m
        pending = low != 0
        base = np.where(pending, low, np.iinfo(np.int64).max).min(axis=1, keepdims=True)
        # low < base << window, without the shift's int64 overflow (see _within)
        take = pending & ((low >> window) < base) if window < 63 else pending
        m = np.where(take, m ^ low, m)
        rounds += pending.any(axis=1)
    return np.maximum(rounds, 1)


@numba.njit(cache=True)
def lockstep_tile_cycles(act: np.ndarray, wgt: np.ndarray, floor: int) -> np.ndarray:
    """Laconic tiles: lane l of every (filter, window) pair of a tile needs act x wgt term-pair
    cycles, where ``act`` (window_groups, steps, lanes) is the most terms over the tile's windows
    and ``wgt`` (tiles, steps, lanes) the most over each tile's filters. The tile moves in
    lock-step: a step lasts the largest lane product, at least ``floor`` cycles. Returns
    (tiles, window_groups) cycles summed over the steps."""
    tiles, steps, lanes = wgt.shape
    groups = act.shape[0]
    out = np.zeros((tiles, groups), dtype=np.int64)
    for t in range(tiles):
        for g in range(groups):
            total = 0
            for s in range(steps):
                worst = floor
                for l in range(lanes):
                    c = act[g, s, l] * wgt[t, s, l]
                    if c > worst:
                        worst = c
                total += worst
            out[t, g] = total
    return out


def lockstep_tile_cycles_numpy(act: np.ndarray, wgt: np.ndarray, floor: int) -> np.ndarray:
    """Twin of :func:`lockstep_tile_cycles` by broadcasting (tiles, groups, steps, lanes)."""
    a = np.asarray(act, dtype=np.int64)[None]
    w = np.asarray(wgt, dtype=np.int64)[:, None]
    return np.maximum((a * w).max(axis=-1), floor).sum(axis=-1)


@numba.njit(cache=True)
def load_stream(load: np.ndarray, proc: np.ndarray, columns: int) -> int:
    """Chunks loaded one after another over a shared bus into ``columns`` double-buffered units.

    Chunk t goes to column t % columns. Its load (``load[t]`` bus cycles) starts when the bus is
    free and the column's shadow register is free, i.e. the column has started its previous chunk;
    its processing (``proc[t]`` cycles) starts when the load is done and the column has finished
    its previous chunk. Returns the time the last chunk finishes. (Loom's FC weight loading over a
    row bus; Tartan's FC activation loading over the activation bus.)
    """
    started = np.zeros(columns, dtype=np.int64)
    finished = np.zeros(columns, dtype=np.int64)
    bus = 0
    end = 0
    for t in range(load.shape[0]):
        col = t % columns
        begin = bus if bus > started[col] else started[col]
        bus = begin + load[t]
        start = bus if bus > finished[col] else finished[col]
        started[col] = start
        finished[col] = start + proc[t]
        if finished[col] > end:
            end = finished[col]
    return end


def load_stream_numpy(load: np.ndarray, proc: np.ndarray, columns: int) -> int:
    """Twin of :func:`load_stream`, vectorised over each round of ``columns`` chunks.

    Inside a round the bus recurrence L_t = max(L_{t-1}, g_t) + l_t is a max-plus scan:
    L_t = S_t + max(bus, max_{k<=t}(g_k - S_k + l_k)) with S the round's inclusive cumsum."""
    load = np.asarray(load, dtype=np.int64)
    proc = np.asarray(proc, dtype=np.int64)
    started = np.zeros(columns, dtype=np.int64)
    finished = np.zeros(columns, dtype=np.int64)
    bus, end = 0, 0
    for first in range(0, load.shape[0], columns):
        l, p = load[first:first + columns], proc[first:first + columns]
        n = l.shape[0]
        s = np.cumsum(l)
        gate = np.maximum.accumulate(started[:n] - (s - l))
        ready = s + np.maximum(gate, bus)
        start = np.maximum(ready, finished[:n])
        started[:n] = start
        finished[:n] = start + p
        bus = int(ready[-1])
        end = max(end, int(finished[:n].max()))
    return end
