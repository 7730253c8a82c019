"""Operand statistics that drive the value-level designs, per layer and operand.

For the integer codes a layer's trace holds (synthetic or real, at the layer's precisions):

* ``density``: fraction of non-zero codes (what SCNN / Cnvlutin-style zero skipping sees);
* ``ess_bits``: mean essential (non-zero) bits per value, popcount(|x|): Bit-Pragmatic's and
  Laconic's work per value;
* ``booth``: mean non-zero radix-4 Booth digits per value (two's-complement codes), the terms a
  Booth-encoded serial design processes;
* ``lz16`` / ``tz16`` / ``lz256`` / ``tz256``: mean leading and trailing zero bits of a group of
  16 or 256 values along the channel axis, from the OR of their magnitudes, against the
  operand's precision (a sign bit counted when the group holds a negative): what
  Dynamic-Stripes-style precision detection trims from the top and, for both ends, what Tartan /
  Loom-style detection trims; ``group_zeros`` gives the whole distribution;
* ``max_rms``: max |x| / rms(x) over the codes, the tail of the value distribution.
"""
from __future__ import annotations

import numpy as np

from accelsim.numerics.bits import bit_length, terms, trailing_zeros
from accelsim.spec.workload import Workload
from accelsim.workload.trace import build_trace

GROUPS = (16, 256)
COLUMNS = ("layer", "operand", "bits", "signed", "values", "density", "ess_bits", "booth",
           "lz16", "tz16", "lz256", "tz256", "max_rms")


def channels_last(codes: np.ndarray, operand: str) -> np.ndarray:
    """Activations (n, c, h, w) and weights (k, c, r, s) with the channel axis last, flattened
    to (positions, c): groups run along input channels, as the bit-serial designs group them."""
    return np.moveaxis(codes, 1, -1).reshape(-1, codes.shape[1])


def group_zeros(codes: np.ndarray, bits: int, size: int) -> tuple[np.ndarray, np.ndarray]:
    """(leading, trailing) zero bits of every group of ``size`` consecutive values of each row.

    Rows are padded with zeros to a multiple of ``size`` (zeros change no OR). A group's needed
    precision is msb(OR |x|) plus a sign bit if a value is negative; leading zeros are ``bits``
    minus that, trailing zeros those of the OR. An all-zero group has ``bits`` leading zeros and
    0 trailing ones."""
    rows = np.asarray(codes, dtype=np.int64)
    pad = (-rows.shape[1]) % size
    if pad:
        rows = np.pad(rows, ((0, 0), (0, pad)))
    g = rows.reshape(rows.shape[0], -1, size)
    mags = np.bitwise_or.reduce(np.abs(g), axis=-1).ravel()
    neg = np.any(g < 0, axis=-1).ravel()
    need = np.where(mags == 0, 0, bit_length(mags) + neg)
    return bits - need, np.where(mags == 0, 0, trailing_zeros(mags))


def operand_stats(codes: np.ndarray, bits: int, signed: bool, operand: str) -> dict:
    x = np.asarray(codes)
    flat = x.ravel().astype(np.int64)
    n = flat.size
    rms = float(np.sqrt(np.mean(flat.astype(np.float64) ** 2))) if n else 0.0
    out = {"bits": bits, "signed": signed, "values": n,
           "density": float(np.count_nonzero(flat)) / n if n else 0.0,
           "ess_bits": float(terms(flat, "binary").mean()) if n else 0.0,
           "booth": float(terms(flat, "booth_r4").mean()) if n else 0.0,
           "max_rms": float(np.abs(flat).max()) / rms if rms > 0 else 0.0}
    rows = channels_last(x, operand) if x.ndim == 4 else flat.reshape(1, -1)
    for size in GROUPS:
        lz, tz = group_zeros(rows, bits, size)
        out[f"lz{size}"], out[f"tz{size}"] = float(lz.mean()), float(tz.mean())
    return out


def layer_stats(workload: Workload):
    """One row per layer and operand (act, wgt), in workload order."""
    for i, layer in enumerate(workload.layers):
        trace = build_trace(layer, workload, i)
        for operand, op, bits in (("act", trace.act, layer.act_bits),
                                  ("wgt", trace.wgt, layer.wgt_bits)):
            yield {"layer": layer.name, "operand": operand,
                   **operand_stats(op.codes, bits, op.signed, operand)}


def table(workload: Workload):
    """The statistics as a pandas DataFrame, columns ``COLUMNS``."""
    import pandas as pd
    return pd.DataFrame(list(layer_stats(workload)), columns=list(COLUMNS))
