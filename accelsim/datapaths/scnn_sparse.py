"""The compressed-sparse format SCNN stores activations and weights in (Parashar et al., ISCA 2017).

A tensor is cut into streams (SCNN: one per input channel and PE tile for activations, one per
input channel and output-channel group for weights). Each stream keeps only its non-zero values,
each with a small index: the number of zeros skipped since the previous stored entry. An index of
``index_bits`` bits counts at most 2^b - 1 zeros, so a longer run needs a placeholder: a stored zero
whose index covers 2^b - 1 zeros, i.e. a placeholder every 2^b positions of the run. Placeholders
are real entries: they occupy buffer space, DRAM traffic and multiplier slots. Zeros after a
stream's last non-zero are not stored (the entry count ends the stream).

Everything here works on the (stream, position) pairs of the non-zeros, sorted by stream then
position, so streams of any length cost only their non-zeros.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Encoded:
    """The stored entries of a set of streams: non-zeros and placeholders, sorted by stream then
    position. ``source`` is the index of the non-zero an entry holds, -1 for a placeholder."""

    stream: np.ndarray     # int64
    pos: np.ndarray        # int64, position inside the stream
    source: np.ndarray     # int64

    @property
    def placeholders(self) -> int:
        return int(np.count_nonzero(self.source < 0))

    def per_stream(self, n_streams: int) -> np.ndarray:
        """Stored entries of each stream."""
        return np.bincount(self.stream, minlength=n_streams).astype(np.int64)


def _runs(stream: np.ndarray, pos: np.ndarray, index_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """For non-zeros sorted by (stream, position): the position of the previous stored non-zero
    of the same stream (-1 at a stream's start) and the placeholders each one needs."""
    n = pos.shape[0]
    prev = np.empty(n, dtype=np.int64)
    if n:
        prev[0] = -1
        prev[1:] = pos[:-1]
        prev[np.flatnonzero(np.diff(stream)) + 1] = -1          # first non-zero of each stream
    return prev, (pos - prev - 1) >> index_bits


def placeholders(stream: np.ndarray, pos: np.ndarray, index_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """(stream, position) of the placeholder zeros a run-length index of ``index_bits`` bits needs,
    for non-zeros sorted by (stream, position)."""
    stream = np.asarray(stream, dtype=np.int64)
    pos = np.asarray(pos, dtype=np.int64)
    prev, count = _runs(stream, pos, index_bits)
    owner = np.repeat(np.arange(pos.shape[0]), count)
    j = np.arange(owner.shape[0]) - np.repeat(np.cumsum(count) - count, count) + 1
    return stream[owner], prev[owner] + (j << index_bits)


def encode(stream: np.ndarray, pos: np.ndarray, index_bits: int) -> Encoded:
    """Stored entries of the streams whose non-zeros sit at (stream, pos), in any order."""
    stream = np.asarray(stream, dtype=np.int64)
    pos = np.asarray(pos, dtype=np.int64)
    key = stream * (int(pos.max(initial=0)) + 1) + pos           # one int64 key: (stream, pos)
    order = np.argsort(key, kind="stable") if np.any(key[1:] < key[:-1]) else np.arange(key.shape[0])
    s, p = stream[order], pos[order]
    prev, count = _runs(s, p, index_bits)
    total = int(count.sum())
    if total == 0:
        return Encoded(s, p, order)
    # a non-zero's placeholders sit right before it: no second sort is needed
    ends = np.cumsum(count)
    at = np.arange(p.shape[0]) + ends                             # where each non-zero lands
    out_s = np.empty(p.shape[0] + total, dtype=np.int64)
    out_p = np.empty_like(out_s)
    src = np.full(out_s.shape[0], -1, dtype=np.int64)
    out_s[at], out_p[at], src[at] = s, p, order
    owner = np.repeat(np.arange(p.shape[0]), count)
    j = np.arange(total) - np.repeat(ends - count, count)        # 0-based within the run
    slot = owner + (ends - count)[owner] + j
    out_s[slot] = s[owner]
    out_p[slot] = prev[owner] + ((j + 1) << index_bits)
    return Encoded(out_s, out_p, src)


def stored_bits(entries: np.ndarray, value_bits: int, index_bits: int) -> np.ndarray:
    """Bits a compressed stream occupies: every entry holds a value and its index."""
    return np.asarray(entries, dtype=np.int64) * (value_bits + index_bits)


def best_of(compressed_bits: np.ndarray, dense_len: np.ndarray, value_bits: int) -> np.ndarray:
    """Per stream, the smaller of the compressed and the plain dense form (a compressor that falls
    back to raw data when compression does not pay; the choice flag is neglected)."""
    return np.minimum(np.asarray(compressed_bits, np.int64), np.asarray(dense_len, np.int64) * value_bits)
