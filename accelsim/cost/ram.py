"""On-chip RAM and wire prices from the CACTI 7 tables in ``data/cacti_ram.csv`` / ``cacti_wire.csv``.

The tables are generated offline by ``benchmarks/cacti/gen_tables.py`` (CACTI is an instrument:
the runtime only reads its output). ``lookup(cell, node_nm, capacity_bytes, width_bits)`` is the
entry point (a price override layer should wrap it): it returns one bank's figures at the node.

Interpolation, an approximation stated here and in the README: within the grid, bilinear in
log(capacity) x log(width) on log values (CACTI's figures are close to power laws between grid
points); outside the grid, the same planes extended (log-log extrapolation, flagged by
``RamFigures.extrapolated``). Between the generated nodes, log-linear in node; beyond them
(e.g. 16 or 7 nm, 90 nm and up) the nearest generated node scaled by the Stillmaker & Baas factors
of ``scaling`` (energy and leakage with energy, area with area). CACTI's supply voltage for the
node's ITRS device is used: the arch's Vdd does not rescale RAM energy. eDRAM exists in the
tables at 65 / 45 / 32 nm only (CACTI has no lp-dram data below 32 nm): at 28 nm and below it is
the 32 nm bank scaled by those factors.

CALIBRATED: eDRAM area is CACTI's times ``edram_area_over_cacti`` (data/frame.yaml), the ratio of
DaDianNao's laid-out memory area to CACTI's banks for the same 36 MB (its foundry macros are denser
than CACTI's generic lp-dram banks). Energy and leakage are CACTI's, uncalibrated. A user's own
RAM table (``overrides``) is taken as given.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from accelsim.cost import overrides, scaling, tables
from accelsim.cost.tables import DATA, MissingPrice

RAM_CSV = DATA / "cacti_ram.csv"
WIRE_CSV = DATA / "cacti_wire.csv"
FIELDS = ("read_pj", "write_pj", "area_mm2", "leakage_mw")
AREA_CALIBRATION = {"edram": "edram_area_over_cacti"}   # cell -> calibrated factor in data/frame.yaml


@dataclass(frozen=True)
class RamFigures:
    """One bank: joules per access, m^2, watts of leakage (for eDRAM CACTI includes refresh)."""
    read: float
    write: float
    area: float
    leakage: float
    extrapolated: bool


def _rows(path) -> list[dict]:
    with open(path) as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


@lru_cache(maxsize=None)
def _grid(cell: str, node: int) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """(log2 capacities, log2 widths, field -> log values on that grid, NaN where CACTI had none)."""
    rows = [r for r in _rows(RAM_CSV) if r["cell"] == cell and int(r["node_nm"]) == node]
    caps = np.array(sorted({int(r["capacity_bytes"]) for r in rows}))
    widths = np.array(sorted({int(r["width_bits"]) for r in rows}))
    vals = {f: np.full((len(caps), len(widths)), np.nan) for f in FIELDS}
    for r in rows:
        i, j = np.searchsorted(caps, int(r["capacity_bytes"])), np.searchsorted(widths, int(r["width_bits"]))
        for f in FIELDS:
            vals[f][i, j] = np.log(float(r[f]))
    return np.log2(caps), np.log2(widths), vals


@lru_cache(maxsize=None)
def nodes(cell: str) -> tuple[int, ...]:
    found = sorted({int(r["node_nm"]) for r in _rows(RAM_CSV) if r["cell"] == cell})
    if not found:
        raise MissingPrice(f"no CACTI table for memory cell '{cell}' in {RAM_CSV.name}")
    return tuple(found)


def _line(xs: np.ndarray, ys: np.ndarray, x: float) -> float:
    """Linear interpolation through the points CACTI produced (NaN = no organisation found),
    extended by the end segments."""
    ok = ~np.isnan(ys)
    xs, ys = xs[ok], ys[ok]
    if len(xs) == 0:
        return np.nan
    if len(xs) == 1:
        return float(ys[0])
    k = int(np.clip(np.searchsorted(xs, x) - 1, 0, len(xs) - 2))
    t = (x - xs[k]) / (xs[k + 1] - xs[k])
    return float(ys[k] + t * (ys[k + 1] - ys[k]))


def _at_node(cell: str, node: int, capacity: float, width: float) -> tuple[dict[str, float], bool]:
    lc, lw, vals = _grid(cell, node)
    x, y = np.log2(capacity), np.log2(width)
    out = {}
    for f in FIELDS:
        # along capacity for every width, then along width
        col = np.array([_line(lc, vals[f][:, j], x) for j in range(len(lw))])
        out[f] = float(np.exp(_line(lw, col, y)))
    return out, not (lc[0] <= x <= lc[-1] and lw[0] <= y <= lw[-1])


def lookup(cell: str, node_nm: float, capacity_bytes: float, width_bits: float) -> RamFigures:
    """One bank of ``capacity_bytes`` read / written ``width_bits`` at a time, at ``node_nm``."""
    user = overrides.ram_row(cell, node_nm, capacity_bytes, width_bits)   # the arch's own RAM table
    if user is not None:
        return RamFigures(user.read_pj * 1e-12, user.write_pj * 1e-12, user.area_mm2 * 1e-6,
                          user.leakage_mw * 1e-3, False)
    have = nodes(cell)
    if node_nm in have:
        f, extra = _at_node(cell, int(node_nm), capacity_bytes, width_bits)
    elif have[0] < node_nm < have[-1]:
        lo = max(n for n in have if n < node_nm)
        hi = min(n for n in have if n > node_nm)
        (a, e1), (b, e2) = (_at_node(cell, n, capacity_bytes, width_bits) for n in (lo, hi))
        t = (np.log(node_nm) - np.log(lo)) / (np.log(hi) - np.log(lo))
        f = {k: float(np.exp((1 - t) * np.log(a[k]) + t * np.log(b[k]))) for k in FIELDS}
        extra = e1 or e2
    else:
        near = have[0] if node_nm < have[0] else have[-1]
        f, extra = _at_node(cell, near, capacity_bytes, width_bits)
        ef = scaling.energy_factor(node_nm) / scaling.energy_factor(near)
        af = scaling.area_factor(node_nm) / scaling.area_factor(near)
        f = {"read_pj": f["read_pj"] * ef, "write_pj": f["write_pj"] * ef, "area_mm2": f["area_mm2"] * af,
             "leakage_mw": f["leakage_mw"] * ef}
        extra = True
    area = f["area_mm2"] * (tables.value(AREA_CALIBRATION[cell]) if cell in AREA_CALIBRATION else 1.0)
    return RamFigures(f["read_pj"] * 1e-12, f["write_pj"] * 1e-12, area * 1e-6,
                      f["leakage_mw"] * 1e-3, extra)


@lru_cache(maxsize=None)
def _wires() -> dict[int, tuple[float, float]]:
    return {int(r["node_nm"]): (float(r["energy_pj_per_mm"]), float(r["pitch_um"]))
            for r in _rows(WIRE_CSV)}


def wire(node_nm: float) -> tuple[float, float]:
    """(joules per transition per mm, track pitch in m) of a repeated semi-global wire at the node
    (CACTI's 10%-delay-overhead repeater sizing), log-interpolated between generated nodes and
    scaled by ``scaling`` beyond them."""
    table = _wires()
    have = sorted(table)
    if node_nm in table:
        e, p = table[int(node_nm)]
    elif have[0] < node_nm < have[-1]:
        lo = max(n for n in have if n < node_nm)
        hi = min(n for n in have if n > node_nm)
        t = (np.log(node_nm) - np.log(lo)) / (np.log(hi) - np.log(lo))
        e, p = (float(np.exp((1 - t) * np.log(table[lo][i]) + t * np.log(table[hi][i]))) for i in (0, 1))
    else:
        near = have[0] if node_nm < have[0] else have[-1]
        e = table[near][0] * scaling.energy_factor(node_nm) / scaling.energy_factor(near)
        p = table[near][1] * (scaling.area_factor(node_nm) / scaling.area_factor(near)) ** 0.5
    return e * 1e-12, p * 1e-6
