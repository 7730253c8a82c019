"""Refuse a layer up front when simulating its values would exhaust the machine's memory.

A value-level datapath holds the layer's operands, their im2col matrix (windows x reduction codes)
and per-datapath temporaries of the same order (bit planes, term counts, schedules). Measured peak
memory over the int32 im2col bytes, on a 256->256 3x3 conv at 56x56 (benchmarks/bench_layer_memory.py),
ranges from 0.5x (bit-parallel) to 14x (VS-Quant); each datapath declares its own factor
(``peak_factor``, its measurement with a margin; unmeasured ones take the worst, 16x), and operand
drawing costs a few copies of each operand. The estimate is an approximation that errs high: a
layer it refuses might have fitted, a layer it admits fits with margin.

A layer with more filter passes than the engine can time promptly (datapaths.base.MAX_ENGINE_TILES,
one SimPy tile each) is refused too, by ``tiles_error``.

The budget defaults to half the machine's memory; ``ACCELSIM_MEMORY_BUDGET`` (bytes, or with a
K/M/G/T suffix) changes it, e.g. on a shared node.
"""
from __future__ import annotations

import os

from accelsim.errors import SpecError
from accelsim.spec.workload import Layer

CODE_BYTES = 4            # operands are int32 codes
OPERAND_FACTOR = 8        # peak bytes per operand code while drawing it (floats, mask, copies)
ENV = "ACCELSIM_MEMORY_BUDGET"
_SUFFIX = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


def layer_bytes(layer: Layer, peak_factor: float, per_group: bool = False) -> int:
    """Approximate peak bytes to simulate ``layer`` at value level on a datapath holding
    ``peak_factor`` bytes per int32 im2col byte (see the module docstring), of one group at a time
    when ``per_group`` (its operands are held whole either way)."""
    s = layer.shape
    act = s.n * s.c * s.h * s.w
    wgt = s.k * s.c_per_group * s.r * s.s
    im2col = (1 if per_group else s.groups) * s.windows * s.reduction
    return int(CODE_BYTES * (peak_factor * im2col + OPERAND_FACTOR * (act + wgt)))


def budget() -> int:
    """Bytes a layer may take: ``ACCELSIM_MEMORY_BUDGET`` or half the physical memory."""
    raw = os.environ.get(ENV, "").strip()
    if raw:
        unit = raw[-1].upper() if raw[-1].upper() in "KMGT" else ""
        try:
            value = float(raw[:-1] if unit else raw) * _SUFFIX[unit]
        except ValueError:
            value = -1.0
        if not value > 0 or value == float("inf"):
            raise SpecError(ENV, "", "a byte count such as 8G or 512M", raw)
        return int(value)
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2
    except (ValueError, OSError, AttributeError):
        return 8 << 30            # no sysconf (not POSIX): a laptop's half


def check_budget(workload, what: str, values: bool, peak_factor: float,
                 per_group: bool = False) -> None:
    """Raise a one-line SpecError for the first layer over the budget. ``values``: the datapath
    reads operand values (a shape-only one draws none, except from tensor files);
    ``peak_factor``, ``per_group``: the datapath's (see layer_bytes)."""
    limit = budget()
    for i, layer in enumerate(workload.layers):
        if not (values or layer.act.file or layer.wgt.file):
            continue
        need = layer_bytes(layer, peak_factor, per_group)
        if need > limit:
            source = ENV if os.environ.get(ENV, "").strip() else "half this machine's memory"
            raise SpecError(workload.file, f"layers[{i}]", message=f"layer '{layer.name}' would need "
                            f"about {_gib(need)} to simulate at value level on {what} (budget "
                            f"{_gib(limit)}, {source}; set {ENV} to change it)")


def _gib(n: float) -> str:
    return f"{n / 2**30:,.1f} GiB"


def tiles_error(workload, index: int, what: str, tiles: int) -> SpecError:
    """The one-line error for a layer whose ``tiles`` engine tiles exceed MAX_ENGINE_TILES."""
    from accelsim.datapaths.base import MAX_ENGINE_TILES
    layer = workload.layers[index]
    return SpecError(workload.file, f"layers[{index}]", message=f"layer '{layer.name}' would take "
                     f"{tiles:,} engine tiles (one per filter pass) on {what}, more than the "
                     f"{MAX_ENGINE_TILES:,} a layer may take to be simulated in reasonable time; "
                     f"split it into smaller layers or use a machine with more filters per pass")
