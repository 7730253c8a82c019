"""Hot loops over sparse operands, in numba, each with a plain-numpy twin the tests compare it with:
Bit-Tactical's static weight scheduler and SCNN's Cartesian-product blocks scattered to banks."""
from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def tactical_schedule(weights: np.ndarray, offsets: np.ndarray, max_skip: int):
    """Bit-Tactical's static weight schedule for one filter set (docs/references.md#bit-tactical).

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
def scnn_cycles(a_ptr, a_y, a_x, w_ptr, w_off, w_y, w_x, pe_y0, pe_x0, geom, bank_of, queue=0):
    """Cycles of each (output-channel group, input channel) step of SCNN's PT-IS-CP-sparse loop.

    Each PE walks its activation vectors (I entries) and, for each, the weight vectors (F
    entries) of the channel, issuing one block of products per cycle into per-bank queues; each
    accumulator bank retires one product per cycle. The array stalls until no bank holds more than
    ``queue`` products waiting, so with ``queue`` 0 a block costs max(1, most valid products
    landing in one bank) cycles (the busiest bank), and a deep queue approaches the conflict-free
    bound (one block a cycle, limited only by each bank's total load). A PE's step ends when its
    banks are empty. PEs meet at a barrier after every input channel, so a step costs its slowest
    PE.
    Returns step_max (G, C), step_sum (G, C) (PE-cycles, for imbalance) and stats =
    [products multiplied, valid products, blocks, bank-conflict stall cycles, weight entries read].
    """
    C, P, PH, G = geom[0], geom[1], geom[2], geom[3]
    F, I, A = geom[9], geom[10], geom[11]
    step_max = np.zeros((G, C), dtype=np.int64)
    step_sum = np.zeros((G, C), dtype=np.int64)
    stats = np.zeros(5, dtype=np.int64)
    lo, hi, ow, rw, fb = geom[6], geom[7], geom[8], geom[5], geom[12]
    free = np.zeros(A, dtype=np.int64)         # cycle at which each bank's queue is empty
    block = 0
    valid = 0
    for g in range(G):
        for c in range(C):
            worst_pe = 0
            total = 0
            for p in range(P):
                free[:] = 0
                now = 0                                   # issue cycle of the next block
                last = 0                                  # latest cycle any bank is busy to
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
                            for i in range(ia, ie):
                                ay, ax = a_y[i], a_x[i]
                                for f in range(fw, fe):
                                    addr = _scnn_addr(ay, ax, w_off[f], w_y[f], w_x[f], y0, x0,
                                                      lo, hi, ow, rw, fb)
                                    if addr < 0:
                                        continue
                                    b = bank_of[addr]
                                    valid += 1
                                    done = max(free[b], now) + 1
                                    free[b] = done
                                    last = max(last, done)
                            block += 1
                            nxt = max(now + 1, last - queue)
                            stats[3] += nxt - now - 1
                            now = nxt
                cyc = max(now, last)
                total += cyc
                if cyc > worst_pe:
                    worst_pe = cyc
            step_max[g, c] = worst_pe
            step_sum[g, c] = total
    stats[1] = valid
    stats[2] = block
    return step_max, step_sum, stats


def scnn_cycles_numpy(a_ptr, a_y, a_x, w_ptr, w_off, w_y, w_x, pe_y0, pe_x0, geom, bank_of, queue=0):
    """Twin of :func:`scnn_cycles`: each (step, PE, phase) as a whole products matrix, blocks
    labelled by (activation vector, weight vector), bank counts by bincount; the queues are then
    run block by block (with ``queue`` 0 each block simply costs its busiest bank)."""
    C, P, PH, G, RH, RW, lo, hi, OW, F, I, A, FB = (int(v) for v in geom)
    step_max = np.zeros((G, C), dtype=np.int64)
    step_sum = np.zeros((G, C), dtype=np.int64)
    stats = np.zeros(5, dtype=np.int64)
    for g in range(G):
        for c in range(C):
            pe_cycles = np.zeros(P, dtype=np.int64)
            for p in range(P):
                free, now, last = np.zeros(A, dtype=np.int64), 0, 0
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
                    stall = 0
                    for k in counts.reshape(nblocks, A):
                        hit = k > 0
                        free[hit] = np.maximum(free[hit], now) + k[hit]
                        last = max(last, int(free.max()))
                        nxt = max(now + 1, last - queue)
                        stall += nxt - now - 1
                        now = nxt
                    stats += [na * nw, int(ok.sum()), nblocks, stall, -(-na // I) * nw]
                pe_cycles[p] = max(now, last)
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
