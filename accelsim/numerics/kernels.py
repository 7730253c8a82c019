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
