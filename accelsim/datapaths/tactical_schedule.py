"""Bit-Tactical's front-end: the static weight schedule (Delmas Lascorz et al., ASPLOS 2019;
docs/references.md#bit-tactical).

A filter set (the ``filters`` rows of one tile) sees its weights as a grid of time rows x filters x
lanes: row t holds, for every filter, the ``lanes`` weights of brick t (one kernel position, lanes
consecutive channels; the order of ``grid.brick_view``). Offline, the scheduler moves non-zero
weights into the slots of zero weights within a small search window of the same filter: lookahead
h (rows t+1..t+h, same lane) and lookaside d (neighbouring lanes, wrapping within the lane group)
in an L or T shape. A moved weight keeps its original (row, lane), so the hardware's per-lane
multiplexer (one input per window position) hands it the activation it always multiplied: the
output is unchanged. Rows left all-zero are skipped, so the schedule is shorter than the dense one.

Two promotion orders (``SCHEDULERS``; the paper gives its greedy's goal, not its order):
* ``least_flexible`` (ours, the bundled configs): per filter, the weight the fewest empty slots
  reach goes to the slot with the fewest candidates; stops once every weight is placed
  (``numerics.sparse_kernels.tactical_schedule``);
* ``most_candidates`` (DNNsim's ``original_schedule``): one promotion at a time, the zero slot with
  the most candidates (lowest lane first) takes its first candidate in the search map's sorted
  order; every row of the grid is visited (``numerics.promote_kernel.promote_schedule``).

What a slot with no weight feeds the back-end (``zero_lanes``): ``gated`` (ours) nothing;
``fed`` (DNNsim) the activation of the zero weight it still holds, unless a promotion emptied it.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accelsim.datapaths import grid
from accelsim.numerics.kernels import distinct_sorted
from accelsim.numerics.promote_kernel import promote_schedule
from accelsim.numerics.sparse_kernels import tactical_schedule

PATTERNS = ("L", "T")
SCHEDULERS = ("least_flexible", "most_candidates")
ZERO_LANES = ("gated", "fed")


def search_offsets(pattern: str, lookahead: int, lookaside: int, lanes: int,
                   sort: bool = False) -> np.ndarray:
    """(dt, dl) positions a zero slot may take a weight from, without repeats (docs/references.md#bit-tactical).

    L: the same lane up to ``lookahead`` rows ahead, then lanes 1..``lookaside`` below on the next
    row. T: for k = 1..lookahead the same lane and lanes -k, +k on row k, then lane +(h-1) on the
    next row (the T shape has no separate lookaside). Lane offsets are taken modulo ``lanes``.
    A lookahead of 0 turns the search off (no multiplexers: the back-end alone). ``sort`` lists
    them by (dt, signed dl), the order DNNsim tries candidates in (it sorts its search map)."""
    if pattern == "L":
        raw = [(k, 0) for k in range(1, lookahead + 1)]
        raw += [(1, -j) for j in range(1, lookaside + 1)] if lookahead else []
    elif pattern == "T":
        raw = [(k, dl) for k in range(1, lookahead + 1) for dl in (0, -k, k)]
        raw += [(1, lookahead - 1)] if lookahead else []
    else:
        raise ValueError(f"unknown search pattern {pattern!r}")
    if sort:
        raw = sorted(raw)
    seen, out = set(), []
    for dt, dl in raw:
        key = (dt, dl % lanes)
        if key not in seen:
            seen.add(key)
            out.append(key)
    return np.array(out, dtype=np.int64).reshape(-1, 2)


@dataclass(frozen=True)
class Schedule:
    """One filter set's schedule: ``src[s, f, l]`` is the original ``row * lanes + lane`` of the
    weight in slot (s, f, l), -1 for an empty slot; ``base[s]`` the original row step s stands on
    (its activation window is rows base..base+h); ``zsrc[s, f, l]`` the activation an empty slot
    still selects when zero lanes are fed (its own zero weight's position), -1 for none."""

    src: np.ndarray
    base: np.ndarray
    rows: int                  # original (dense) time rows
    lanes: int
    zsrc: np.ndarray | None = None

    @property
    def steps(self) -> int:
        return int(self.src.shape[0])

    @property
    def filters(self) -> int:
        return int(self.src.shape[1])

    def occupied(self) -> np.ndarray:
        """(steps,) non-zero weights scheduled in each step."""
        return (self.src >= 0).reshape(self.steps, self.filters * self.lanes).sum(axis=1)

    def paired(self, n_f: int | None = None, fed: bool = False,
               per_filter: bool = False) -> np.ndarray:
        """(steps, K): the distinct activation positions (``row * lanes + lane``) the step's
        weights multiply, over the first ``n_f`` filters of the set (all by default), padded
        with ``rows * lanes`` (a zero); with ``fed`` also those the empty slots still select
        (``zsrc``); with ``per_filter`` (steps, n_f, K), each filter's own.

        Dense weights give each step its own brick, so a back-end sees what it sees without
        the front-end."""
        S = self.steps
        sel = self.src[:, :n_f]
        if fed and self.zsrc is not None:
            sel = np.where(sel >= 0, sel, self.zsrc[:, :n_f])
        if S == 0:
            return np.zeros((0, sel.shape[1], 1) if per_filter else (0, 1), dtype=np.int64)
        out = distinct_sorted(sel.reshape(S * sel.shape[1] if per_filter else S, -1),
                              self.rows * self.lanes)
        return out.reshape(S, sel.shape[1], -1) if per_filter else out


def weight_grid(filters: np.ndarray, lanes: int, width: int | None = None) -> np.ndarray:
    """(k, r, s, c) weights of one group -> contiguous (rows, width, lanes): channels zero-padded
    to lanes, filters zero-padded to ``width`` (default k). Called per filter set, the transposing
    copy stays in cache (a whole FC layer's grid transposed at once was most of its cost)."""
    k, r, s, c = filters.shape
    cb = grid.ceil_div(c, lanes)
    if c != cb * lanes:
        padded = np.zeros((k, r, s, cb * lanes), dtype=np.int32)
        padded[..., :c] = filters
        filters = padded
    out = np.zeros((r, s, cb, k if width is None else width, lanes), dtype=np.int32)
    out[:, :, :, :k] = filters.reshape(k, r, s, cb, lanes).transpose(1, 2, 3, 0, 4)
    return out.reshape(r * s * cb, out.shape[3], lanes)


def activation_rows(windows: np.ndarray, lanes: int) -> np.ndarray:
    """(windows, r, s, c) activations of one group -> (windows, rows * lanes + 1): each window's
    bricks flattened in schedule order, plus a trailing zero that empty positions point at."""
    w, r, s, c = windows.shape
    cb = grid.ceil_div(c, lanes)
    out = np.zeros((w, r * s * cb * lanes + 1), dtype=np.int32)
    out[:, :-1].reshape(w, r, s, cb * lanes)[..., :c] = windows
    return out


def build(weights: np.ndarray, offsets: np.ndarray, lookahead: int,
          scheduler: str = "least_flexible", real: np.ndarray | None = None) -> Schedule:
    """Schedule one (rows, filters, lanes) weight grid with ``scheduler`` (``SCHEDULERS``). At
    most ``lookahead`` all-zero rows are skipped in a row: the window of h+1 rows is then
    refilled whole in one step. ``real`` (rows, lanes) marks the lanes holding a channel (all by
    default); ``offsets`` must be in DNNsim's sorted order for ``most_candidates``. ``zsrc``
    holds each zero weight left in its own slot (for ``most_candidates`` as DNNsim's buffer
    has it, padding lanes included)."""
    w = np.ascontiguousarray(weights, dtype=np.int32)
    T, F, L = w.shape
    real = np.ones((T, L), dtype=bool) if real is None else np.ascontiguousarray(real, dtype=bool)
    off = np.ascontiguousarray(offsets, dtype=np.int64)
    if scheduler == "most_candidates":
        src, base, zsrc = promote_schedule(w, real, off, int(lookahead))
        return Schedule(src, base, T, L, zsrc)
    if scheduler != "least_flexible":
        raise ValueError(f"unknown scheduler {scheduler!r}")
    src, base = tactical_schedule(w, off, int(lookahead))
    # an empty slot over a zero weight of its own row still holds that weight
    own = base[:, None, None] * np.int32(L) + np.arange(L, dtype=np.int32)
    idle = src < 0
    idle &= (w if len(base) == T else w[base]) == 0          # no row skipped: base is 0..T-1
    idle &= real[base][:, None, :]
    return Schedule(src, base, T, L, np.where(idle, own, np.int32(-1)))


def real_lanes(filters: np.ndarray, lanes: int) -> np.ndarray:
    """(rows, lanes) bool: the lanes of ``weight_grid(filters)``'s rows that hold a channel."""
    _, r, s, c = filters.shape
    cb = grid.ceil_div(c, lanes)
    lane_ch = np.arange(cb * lanes).reshape(cb, lanes) < c
    return np.tile(lane_ch, (r * s, 1))


def check(sched: Schedule, weights: np.ndarray, offsets: np.ndarray, lookahead: int) -> None:
    """Raise ValueError unless ``sched`` is a schedule the hardware can run for ``weights``: every
    non-zero weight exactly once, in its own filter, within its step's search window."""
    T, F, L = weights.shape
    src, base = sched.src, sched.base
    if sched.steps > T:
        raise ValueError(f"{sched.steps} steps for {T} dense rows")
    if sched.steps and (np.any(np.diff(base) < 1) or np.any(np.diff(base) > lookahead + 1)):
        raise ValueError("window advances by less than one or more than h+1 rows")
    reach = {(0, 0)} | {(int(dt), int(dl) % L) for dt, dl in offsets}
    seen = np.zeros((T, F, L), dtype=np.int64)
    for s, f, l in zip(*np.nonzero(src >= 0)):
        t2, l2 = divmod(int(src[s, f, l]), L)
        if (t2 - int(base[s]), (l2 - l) % L) not in reach:
            raise ValueError(f"slot ({s}, {f}, {l}) takes ({t2}, {l2}) outside its window")
        seen[t2, f, l2] += 1
    if np.any(seen[weights != 0] != 1) or np.any(seen[weights == 0] != 0):
        raise ValueError("a non-zero weight is missing or repeated, or a zero weight was scheduled")


def outputs(sched: Schedule, weights: np.ndarray, acts: np.ndarray) -> np.ndarray:
    """What the scheduled hardware computes: for each window and filter, the sum over steps and
    lanes of the slot's weight times the activation its multiplexer selects. ``acts`` as
    :func:`activation_rows`; returns (windows, filters) int64."""
    T, F, L = weights.shape
    flat = weights.transpose(1, 0, 2).reshape(F, T * L).astype(np.int64)
    src = sched.src.reshape(sched.steps, F, L)
    f_idx = np.broadcast_to(np.arange(F)[None, :, None], src.shape)
    live = src >= 0
    w = np.where(live, flat[f_idx, np.maximum(src, 0)], 0)                 # (S, F, L)
    a = acts[:, np.where(live, src, T * L)].astype(np.int64)                 # (W, S, F, L)
    return np.einsum("wsfl,sfl->wf", a, w)
