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
    search window (1 <= dt <= h, no repeats; lanes wrap within the lane group). Row by row: a row
    whose remaining weights are all zero is skipped (at most ``max_skip`` in a row: the activation
    window must not advance further than it can refill); otherwise its non-zero weights stay and
    each filter's zero slots are filled greedily, least flexible candidate first: the weight that
    the fewest empty slots can reach (ties: nearer row, then lower lane) goes to the slot among
    those with the fewest candidates left (ties: lower lane), until no empty slot reaches a weight.
    Each moved weight keeps its original (time, lane), so it still meets its own activation.
    Stops when no weight is left.

    Returns (src, base): src[s, f, l] = original ``time * lanes + lane`` of the weight placed in
    slot (s, f, l) or -1 for an empty slot; base[s] = the original row step s stands on.
    """
    T, F, L = weights.shape
    P = offsets.shape[0]
    H = 0
    for p in range(P):
        H = max(H, offsets[p, 0])
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
    cands = np.zeros(L, dtype=np.int64)             # per empty slot: weights it reaches
    reach = np.zeros((H + 1, L), dtype=np.int64)    # per weight (dt, lane): empty slots reaching it
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
            reach[:] = 0
            for l in range(L):
                empty[l] = not avail[b, f, l]
                cands[l] = 0
                if avail[b, f, l]:
                    src[s, f, l] = b * L + l
                    avail[b, f, l] = False
                    left -= 1
            for l in range(L):
                if empty[l]:
                    for p in range(P):
                        t2 = b + offsets[p, 0]
                        l2 = ((l + offsets[p, 1]) % L + L) % L
                        if t2 < T and avail[t2, f, l2]:
                            cands[l] += 1
                            reach[offsets[p, 0], l2] += 1
            while True:
                dt_pick = -1
                l_pick = -1
                fewest = L + 1
                for dt in range(1, H + 1):
                    for l2 in range(L):
                        if 0 < reach[dt, l2] < fewest and avail[b + dt, f, l2]:
                            fewest = reach[dt, l2]
                            dt_pick = dt
                            l_pick = l2
                if dt_pick < 0:
                    break
                slot = -1
                for q in range(P):
                    if offsets[q, 0] == dt_pick:
                        l3 = ((l_pick - offsets[q, 1]) % L + L) % L
                        if empty[l3] and (slot < 0 or cands[l3] < cands[slot]
                                          or (cands[l3] == cands[slot] and l3 < slot)):
                            slot = l3
                t2 = b + dt_pick
                src[s, f, slot] = t2 * L + l_pick
                avail[t2, f, l_pick] = False
                left -= 1
                empty[slot] = False
                reach[dt_pick, l_pick] = 0
                for q in range(P):                   # the slot no longer reaches anything
                    t3 = b + offsets[q, 0]
                    l3 = ((slot + offsets[q, 1]) % L + L) % L
                    if t3 < T and avail[t3, f, l3]:
                        reach[offsets[q, 0], l3] -= 1
                for q in range(P):                   # nor does anything reach the moved weight
                    if offsets[q, 0] == dt_pick:
                        l3 = ((l_pick - offsets[q, 1]) % L + L) % L
                        if empty[l3]:
                            cands[l3] -= 1
        s += 1
    return src[:s].copy(), base[:s].copy()


def tactical_schedule_numpy(weights: np.ndarray, offsets: np.ndarray, max_skip: int):
    """Twin of :func:`tactical_schedule`: the same greedy, written over candidate maps that are
    rebuilt from scratch after every move instead of updated in place."""
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
                holes = np.flatnonzero(step[f] < 0)
                reach: dict[tuple[int, int], list[int]] = {}
                for l in holes:
                    for dt, dl in offsets:
                        t2, l2 = b + int(dt), (int(l) + int(dl)) % L
                        if t2 < T and avail[t2, f, l2]:
                            reach.setdefault((t2, l2), []).append(int(l))
                if not reach:
                    break
                n_cands = {int(l): sum(int(l) in v for v in reach.values()) for l in holes}
                t2, l2 = min(reach, key=lambda c: (len(reach[c]), c))
                slot = min(reach[(t2, l2)], key=lambda l: (n_cands[l], l))
                step[f, slot] = t2 * L + l2
                avail[t2, f, l2] = False
        src.append(step)
        base.append(b)
    return (np.array(src, dtype=np.int32).reshape(-1, F, L), np.array(base, dtype=np.int32))


# -- SCNN (Parashar et al., ISCA 2017): Cartesian-product blocks scattered to accumulator banks ---
# Operands come as entries sorted into CSR slices. Activation entries of (channel c, PE p, stride
# phase q) are a_*[a_ptr[(c*P + p)*PH + q] : ...]; weight entries of (c, q, output-channel group
# g) are w_*[w_ptr[(c*PH + q)*G + g] : ...]. a_y/a_x are (y + pad) // stride of an activation,
# w_y/w_x are r // stride, s // stride of a weight; phases match, so a product lands on output
# (a_y - w_y, a_x - w_x). The PE's accumulator holds the Kc x RH x RW partial sums of its region
# (origin pe_y0, pe_x0) in blocks of FB filters: address = ((k // FB) * RH*RW + position) * FB +
# k % FB, where w_off = (k // FB) * RH*RW*FB + k % FB for filter k in the group; an address's
# bank is bank_of[address]. geom = [C, P, PH, G, RH, RW, OY_LO, OY_HI, OW, F, I, A, FB]: products
# outside output rows [OY_LO, OY_HI) or columns [0, OW) are computed by the multipliers, then
# discarded.
@numba.njit(cache=True, inline="always")
def _scnn_addr(ay, ax, woff, wy, wx, y0, x0, lo, hi, ow, rw, fb):
    """Accumulator address of one product in its PE (region origin y0, x0), -1 if the product
    falls outside output rows [lo, hi) or columns [0, ow)."""
    oy = ay - wy
    ox = ax - wx
    if oy < lo or oy >= hi or ox < 0 or ox >= ow:
        return -1
    return woff + ((oy - y0) * rw + (ox - x0)) * fb


@numba.njit(cache=True)
def scnn_cycles(a_ptr, a_y, a_x, w_ptr, w_off, w_y, w_x, pe_y0, pe_x0, geom, bank_of):
    """Cycles of each (output-channel group, input channel) step of SCNN's PT-IS-CP-sparse loop.

    Each PE walks its activation vectors (I entries) and, for each, the weight vectors (F
    entries) of the channel; a block costs max(1, most valid products landing in one bank)
    cycles. PEs meet at a barrier after every input channel, so a step costs its slowest PE.
    Returns step_max (G, C), step_sum (G, C) (PE-cycles, for imbalance) and stats =
    [products multiplied, valid products, blocks, bank-conflict stall cycles, weight entries read].
    """
    C, P, PH, G = geom[0], geom[1], geom[2], geom[3]
    F, I, A = geom[9], geom[10], geom[11]
    step_max = np.zeros((G, C), dtype=np.int64)
    step_sum = np.zeros((G, C), dtype=np.int64)
    stats = np.zeros(5, dtype=np.int64)
    lo, hi, ow, rw, fb = geom[6], geom[7], geom[8], geom[5], geom[12]
    count = np.zeros(A, dtype=np.int64)
    stamp = np.full(A, -1, dtype=np.int64)      # block that last touched a bank: no resets needed
    block = 0
    valid = 0
    for g in range(G):
        for c in range(C):
            worst_pe = 0
            total = 0
            for p in range(P):
                cyc = 0
                y0, x0 = pe_y0[p], pe_x0[p]
                for q in range(PH):
                    ai = (c * P + p) * PH + q
                    a0, a1 = a_ptr[ai], a_ptr[ai + 1]
                    wi = (c * PH + q) * G + g
                    w0, w1 = w_ptr[wi], w_ptr[wi + 1]
                    if a1 == a0 or w1 == w0:
                        continue
                    stats[0] += (a1 - a0) * (w1 - w0)
                    stats[4] += ((a1 - a0 + I - 1) // I) * (w1 - w0)
                    for ia in range(a0, a1, I):
                        ie = min(ia + I, a1)
                        for fw in range(w0, w1, F):
                            fe = min(fw + F, w1)
                            worst = 1
                            for i in range(ia, ie):
                                ay, ax = a_y[i], a_x[i]
                                for f in range(fw, fe):
                                    addr = _scnn_addr(ay, ax, w_off[f], w_y[f], w_x[f], y0, x0,
                                                      lo, hi, ow, rw, fb)
                                    if addr < 0:
                                        continue
                                    b = bank_of[addr]
                                    valid += 1
                                    # branch-free: a bank last touched by an earlier block restarts at 1
                                    k = count[b] * (stamp[b] == block) + 1
                                    count[b] = k
                                    stamp[b] = block
                                    worst = max(worst, k)
                            block += 1
                            stats[3] += worst - 1
                            cyc += worst
                total += cyc
                if cyc > worst_pe:
                    worst_pe = cyc
            step_max[g, c] = worst_pe
            step_sum[g, c] = total
    stats[1] = valid
    stats[2] = block
    return step_max, step_sum, stats


def scnn_cycles_numpy(a_ptr, a_y, a_x, w_ptr, w_off, w_y, w_x, pe_y0, pe_x0, geom, bank_of):
    """Twin of :func:`scnn_cycles`: each (step, PE, phase) as a whole products matrix, blocks
    labelled by (activation vector, weight vector), bank counts by bincount."""
    C, P, PH, G, RH, RW, lo, hi, OW, F, I, A, FB = (int(v) for v in geom)
    step_max = np.zeros((G, C), dtype=np.int64)
    step_sum = np.zeros((G, C), dtype=np.int64)
    stats = np.zeros(5, dtype=np.int64)
    for g in range(G):
        for c in range(C):
            pe_cycles = np.zeros(P, dtype=np.int64)
            for p in range(P):
                for q in range(PH):
                    ai = (c * P + p) * PH + q
                    wi = (c * PH + q) * G + g
                    sa = slice(a_ptr[ai], a_ptr[ai + 1])
                    sw = slice(w_ptr[wi], w_ptr[wi + 1])
                    na, nw = sa.stop - sa.start, sw.stop - sw.start
                    if na == 0 or nw == 0:
                        continue
                    oy = a_y[sa, None].astype(np.int64) - w_y[None, sw]
                    ox = a_x[sa, None].astype(np.int64) - w_x[None, sw]
                    ok = (oy >= lo) & (oy < hi) & (ox >= 0) & (ox < OW)
                    addr = w_off[None, sw] + ((oy - pe_y0[p]) * RW + (ox - pe_x0[p])) * FB
                    nfb = -(-nw // F)
                    nblocks = -(-na // I) * nfb
                    block = (np.arange(na)[:, None] // I) * nfb + np.arange(nw)[None, :] // F
                    counts = np.bincount(block[ok] * A + bank_of[addr[ok]], minlength=nblocks * A)
                    cost = np.maximum(counts.reshape(nblocks, A).max(axis=1), 1)
                    pe_cycles[p] += int(cost.sum())
                    stats += [na * nw, int(ok.sum()), nblocks, int((cost - 1).sum()),
                              -(-na // I) * nw]
            step_max[g, c] = pe_cycles.max()
            step_sum[g, c] = pe_cycles.sum()
    return step_max, step_sum, stats


@numba.njit(cache=True)
def scnn_scatter(a_ptr, a_y, a_x, a_v, w_ptr, w_off, w_y, w_x, w_v, pe_y0, pe_x0, geom, kc, out):
    """SCNN's arithmetic: the same blocks as :func:`scnn_cycles`, each valid product added into its
    PE's accumulator entry; after each output-channel group every PE drains its region (own
    outputs and the halo its neighbours own) into ``out`` (filters, output rows, output cols),
    which is where halo partial sums meet their owner's. ``out`` is accumulated in place."""
    C, P, PH, G, RH, RW = geom[0], geom[1], geom[2], geom[3], geom[4], geom[5]
    F, I, FB = geom[9], geom[10], geom[12]
    plane = RH * RW
    size = (kc + FB - 1) // FB * FB * plane
    acc = np.zeros((P, size), dtype=np.int64)
    K = out.shape[0]
    for g in range(G):
        for c in range(C):
            for p in range(P):
                for q in range(PH):
                    ai = (c * P + p) * PH + q
                    wi = (c * PH + q) * G + g
                    for ia in range(a_ptr[ai], a_ptr[ai + 1], I):
                        ie = min(ia + I, a_ptr[ai + 1])
                        for fw in range(w_ptr[wi], w_ptr[wi + 1], F):
                            fe = min(fw + F, w_ptr[wi + 1])
                            for i in range(ia, ie):
                                for f in range(fw, fe):
                                    addr = _scnn_addr(a_y[i], a_x[i], w_off[f], w_y[f], w_x[f],
                                                      pe_y0[p], pe_x0[p], geom[6], geom[7],
                                                      geom[8], RW, FB)
                                    if addr >= 0:
                                        acc[p, addr] += np.int64(a_v[i]) * np.int64(w_v[f])
        for p in range(P):
            for e in range(size):
                v = acc[p, e]
                if v == 0:
                    continue
                pos = (e % (plane * FB)) // FB
                k = g * kc + e // (plane * FB) * FB + e % FB
                oy = pe_y0[p] + pos // RW
                ox = pe_x0[p] + pos % RW
                if k < K and oy < out.shape[1] and ox < out.shape[2]:
                    out[k, oy, ox] += v
                acc[p, e] = 0
# -- end of the SCNN kernels --


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
        rounds = 0
        while True:
            base = 0
            for i in range(lanes):
                low = m[i] & -m[i]
                if low != 0 and (base == 0 or low < base):
                    base = low
            if base == 0:
                break
            reach = base << window
            for i in range(lanes):
                low = m[i] & -m[i]
                if low != 0 and low < reach:
                    m[i] ^= low
            rounds += 1
        if rounds > 1:
            out[s] = rounds
    return out


def oneffset_rounds_numpy(masks: np.ndarray, window: int) -> np.ndarray:
    """Twin of :func:`oneffset_rounds`, vectorised over steps (one loop trip per round)."""
    m = np.array(masks, dtype=np.int64)
    rounds = np.zeros(m.shape[0], dtype=np.int64)
    while m.any():
        low = m & -m
        pending = low != 0
        base = np.where(pending, low, np.iinfo(np.int64).max).min(axis=1, keepdims=True)
        take = pending & (low < (base << window))
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
