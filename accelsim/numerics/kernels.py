"""Hot loops in numba, each with a plain-numpy twin that the tests compare it against.

Only loops with a true sequential dependence live here (synchronisation recurrences); anything
that vectorises stays in numpy in the module that needs it.
"""
from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def staggered_finish(cycles: np.ndarray, columns: int) -> int:
    """Chunk j is issued at cycle j to column j % columns, which must first finish chunk j-columns;
    it then stays busy cycles[j]. Returns the finish time of the last chunk."""
    free = np.zeros(columns, dtype=np.int64)
    end = 0
    for j in range(cycles.shape[0]):
        col = j % columns
        start = max(j, free[col])
        free[col] = start + cycles[j]
        if free[col] > end:
            end = free[col]
    return end


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
def tactical_schedule(weights: np.ndarray, offsets: np.ndarray, max_skip: int):
    """Bit-Tactical's static weight schedule for one filter set (papers.md sec. 7).

    ``weights`` is the (time, filters, lanes) grid of one filter set, ``offsets`` the (dt, dl)
    search window in search order (dt >= 1; lanes wrap within the lane group). Row by row: a row
    whose remaining weights are all zero is skipped (at most ``max_skip`` in a row: the activation
    window must not advance further than it can refill); otherwise its non-zero weights stay and
    each filter's zero slots are filled greedily: the slot with the fewest candidates first, given
    its least flexible candidate (reachable from the fewest empty slots; ties in search order),
    until no slot has a candidate left. Each moved weight keeps its original (time, lane), so it
    still meets its own activation. Stops when no weight is left.

    Returns (src, base): src[s, f, l] = original ``time * lanes + lane`` of the weight placed in
    slot (s, f, l) or -1 for an empty slot; base[s] = the original row step s stands on.
    """
    T, F, L = weights.shape
    P = offsets.shape[0]
    avail = weights != 0
    left = 0
    for t in range(T):
        for f in range(F):
            for l in range(L):
                if avail[t, f, l]:
                    left += 1
    src = np.full((T, F, L), -1, dtype=np.int32)
    base = np.zeros(T, dtype=np.int32)
    empty = np.zeros(L, dtype=np.bool_)
    count = np.zeros(L, dtype=np.int64)
    s = 0
    skips = 0
    for b in range(T):
        if left == 0:
            break
        row_nz = False
        for f in range(F):
            for l in range(L):
                if avail[b, f, l]:
                    row_nz = True
        if not row_nz and skips < max_skip:
            skips += 1
            continue
        skips = 0
        base[s] = b
        for f in range(F):
            for l in range(L):
                empty[l] = not avail[b, f, l]
                if avail[b, f, l]:
                    src[s, f, l] = b * L + l
                    avail[b, f, l] = False
                    left -= 1
            for l in range(L):
                count[l] = 0
                if empty[l]:
                    for p in range(P):
                        t2 = b + offsets[p, 0]
                        if t2 < T and avail[t2, f, ((l + offsets[p, 1]) % L + L) % L]:
                            count[l] += 1
            while True:
                best = -1
                fewest = P + 1
                for l in range(L):
                    if empty[l] and 0 < count[l] < fewest:
                        best = l
                        fewest = count[l]
                if best < 0:
                    break
                pick = -1
                flex_min = L + 1
                for p in range(P):
                    t2 = b + offsets[p, 0]
                    l2 = ((best + offsets[p, 1]) % L + L) % L
                    if t2 >= T or not avail[t2, f, l2]:
                        continue
                    flex = 0
                    for q in range(P):
                        if offsets[q, 0] == offsets[p, 0] and empty[((l2 - offsets[q, 1]) % L + L) % L]:
                            flex += 1
                    if flex < flex_min:
                        flex_min = flex
                        pick = p
                t2 = b + offsets[pick, 0]
                l2 = ((best + offsets[pick, 1]) % L + L) % L
                src[s, f, best] = t2 * L + l2
                avail[t2, f, l2] = False
                left -= 1
                empty[best] = False
                for q in range(P):
                    if offsets[q, 0] == offsets[pick, 0]:
                        l3 = ((l2 - offsets[q, 1]) % L + L) % L
                        if empty[l3]:
                            count[l3] -= 1
        s += 1
    return src[:s].copy(), base[:s].copy()


def tactical_schedule_numpy(weights: np.ndarray, offsets: np.ndarray, max_skip: int):
    """Twin of :func:`tactical_schedule`: the same greedy, written over candidate lists that are
    rebuilt from scratch after every promotion instead of updated in place."""
    w = np.asarray(weights)
    T, F, L = w.shape
    avail = w != 0
    src, base = [], []
    skips = 0
    for b in range(T):
        if not avail[b:].any():
            break
        if not avail[b].any() and skips < max_skip:
            skips += 1
            continue
        skips = 0
        step = np.where(avail[b], b * L + np.arange(L), -1).astype(np.int32)
        avail[b] = False
        for f in range(F):
            while True:
                def reach(lane):
                    out = []
                    for dt, dl in offsets:
                        t2, l2 = b + int(dt), (lane + int(dl)) % L
                        if t2 < T and avail[t2, f, l2]:
                            out.append((int(dt), t2, l2))
                    return out
                holes = [l for l in range(L) if step[f, l] < 0]
                cands = {l: reach(l) for l in holes}
                live = [l for l in holes if cands[l]]
                if not live:
                    break
                best = min(live, key=lambda l: (len(cands[l]), l))
                flex = [sum((dt, t2, l2) in cands[h] for h in holes) for dt, t2, l2 in cands[best]]
                _, t2, l2 = cands[best][int(np.argmin(flex))]
                step[f, best] = t2 * L + l2
                avail[t2, f, l2] = False
        src.append(step)
        base.append(b)
    return (np.array(src, dtype=np.int32).reshape(-1, F, L), np.array(base, dtype=np.int32))


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
