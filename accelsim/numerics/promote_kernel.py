"""Bit-Tactical's static weight schedule in DNNsim's promotion order (``scheduler:
most_candidates``; docs/references.md#bit-tactical), a numba kernel over the weight buffer itself.

DNNsim (isakedo/DNNsim, ``core/src/BitTactical.cpp``, ``original_schedule``) schedules a filter set
in place: the buffer is the (time, filters, lanes) grid, every slot holding a value and the
(time, lane) it came from. Row by row, a row that is all zero is skipped while fewer than h rows in
a row were skipped; otherwise, for each filter, one promotion at a time: every zero slot of the row
lists the non-zero values its search window reaches, in the search map's sorted order; among the
slots with the most candidates the lowest lane takes its first candidate by a swap (the zero goes
to the candidate's place, carrying its own origin). Repeat until no zero slot reaches anything.
Unlike ``sparse_kernels.tactical_schedule`` it does not stop at the last weight: every row of the
grid is visited, so after the last weight h rows are skipped and the next one is a step again.

Also returned, for the back-end: the activation each zero slot still selects. A zero weight that
was never swapped keeps its own origin (DNNsim's back-ends read its activation, as a lane whose
multiplexer stays on the default input); a slot emptied by a promotion carries an origin in an
earlier row and selects nothing. Channel-padding lanes start with origin (0, 0), as DNNsim's
zero-initialised buffer, so they select activation (row 0, lane 0) in row 0 only.
"""
from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True)
def promote_schedule(weights: np.ndarray, real: np.ndarray, offsets: np.ndarray, max_skip: int):
    """``weights`` (T, F, L), ``real`` (T, L) bool: lanes holding a channel (else padding),
    ``offsets`` (P, 2) the search map (dt, dl mod L) in DNNsim's sorted order.

    Returns (src, base, zsrc): src[s, f, l] = origin ``time * L + lane`` of the non-zero weight in
    slot (s, f, l), -1 if none; base[s] the row step s stands on; zsrc[s, f, l] the activation a
    zero slot still selects (its origin), -1 if it selects none."""
    T, F, L = weights.shape
    P = offsets.shape[0]
    val = weights.copy()
    ot = np.zeros((T, F, L), dtype=np.int64)       # origin time of each slot's value
    ol = np.zeros((T, F, L), dtype=np.int64)       # origin lane
    for t in range(T):
        for f in range(F):
            for l in range(L):
                if real[t, l]:
                    ot[t, f, l] = t
                    ol[t, f, l] = l
    src = np.full((T, F, L), -1, dtype=np.int32)
    zsrc = np.full((T, F, L), -1, dtype=np.int32)
    base = np.zeros(T, dtype=np.int32)
    cand = np.zeros((L, P), dtype=np.int64)        # per zero slot: offsets index of its candidates
    n_cand = np.zeros(L, dtype=np.int64)
    s = 0
    skips = 0
    for b in range(T):
        zero_row = True
        for f in range(F):
            for l in range(L):
                if val[b, f, l] != 0:
                    zero_row = False
        if zero_row and skips < max_skip:
            skips += 1
            continue
        skips = 0
        base[s] = b
        for f in range(F):
            while True:
                best = -1
                for l in range(L):
                    n_cand[l] = 0
                    if val[b, f, l] != 0:
                        continue
                    for p in range(P):
                        t2 = b + offsets[p, 0]
                        if t2 < T and val[t2, f, (l + offsets[p, 1]) % L] != 0:
                            cand[l, n_cand[l]] = p
                            n_cand[l] += 1
                    if n_cand[l] > 0 and (best < 0 or n_cand[l] > n_cand[best]):
                        best = l
                if best < 0:
                    break
                p = cand[best, 0]
                t2 = b + offsets[p, 0]
                l2 = (best + offsets[p, 1]) % L
                val[b, f, best], val[t2, f, l2] = val[t2, f, l2], val[b, f, best]
                ot[b, f, best], ot[t2, f, l2] = ot[t2, f, l2], ot[b, f, best]
                ol[b, f, best], ol[t2, f, l2] = ol[t2, f, l2], ol[b, f, best]
        for f in range(F):
            for l in range(L):
                if val[b, f, l] != 0:
                    src[s, f, l] = ot[b, f, l] * L + ol[b, f, l]
                elif ot[b, f, l] >= b:
                    zsrc[s, f, l] = ot[b, f, l] * L + ol[b, f, l]
        s += 1
    return src[:s].copy(), base[:s].copy(), zsrc[:s].copy()
