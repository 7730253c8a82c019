"""Scaling rules: bit width (from the 45 nm anchors) and technology node (from 45 nm).

Bit width: between two anchors of the same unit (e.g. Horowitz 8 b and 32 b), energy and area
follow the power law through both (int multiply energy exponent ~1.98, area ~1.82; int add energy
~0.87, area ~0.96), extrapolated with the same exponent outside the anchors. An a x b multiplier
is priced at the geometric-mean width sqrt(a b), which keeps its cost proportional to a x b.
Node: area from the Stillmaker & Baas matrix; energy from their polynomial factors at 0.9 V,
times (Vdd / 0.9)^2; above 45 nm energy grows linearly with feature size (an assumption, flagged
in the table). DRAM energy is never node-scaled.
"""
from __future__ import annotations

import math

from accelsim.cost import tables


def power_law(bits: float, lo_bits: float, lo: float, hi_bits: float, hi: float) -> float:
    """Value at ``bits`` on the power law through (lo_bits, lo) and (hi_bits, hi)."""
    if bits <= 0:
        return 0.0
    alpha = math.log(hi / lo) / math.log(hi_bits / lo_bits)
    return lo * (bits / lo_bits) ** alpha


def anchored(prefix: str, bits: float, suffix: str = "") -> float:
    """Power-law interpolation between the ``{prefix}_8b`` / ``_32b`` (or 16/32) anchors."""
    names = [n for n in tables.entries() if n.startswith(prefix + "_") and n.endswith("b" + suffix)
             and n[len(prefix) + 1:len(n) - len(suffix) - 1].isdigit()]
    pts = sorted((int(n[len(prefix) + 1:len(n) - len(suffix) - 1]), tables.value(n)) for n in names)
    if len(pts) < 2:
        raise tables.MissingPrice(f"need two width anchors for '{prefix}*{suffix}', found {len(pts)}")
    (b0, v0), (b1, v1) = pts[0], pts[-1]
    return power_law(bits, b0, v0, b1, v1)


def _interp_log(table: dict, node: float) -> float:
    pts = sorted((float(k), float(v)) for k, v in table.items())
    if node in dict(pts):
        return dict(pts)[node]
    for (n0, v0), (n1, v1) in zip(pts, pts[1:]):
        if n0 < node < n1:
            t = (math.log(node) - math.log(n0)) / (math.log(n1) - math.log(n0))
            return math.exp(math.log(v0) + t * (math.log(v1) - math.log(v0)))
    raise tables.MissingPrice(f"no scaling factor for {node} nm")


def area_factor(node_nm: float, from_nm: float = 45) -> float:
    table = tables.value("area_from_45")
    return _interp_log(table, node_nm) / _interp_log(table, from_nm)


def energy_factor(node_nm: float, vdd: float = 0.9, from_nm: float = 45) -> float:
    def from45(n: float) -> float:
        if n > 45:
            return (n / 45) ** tables.value("energy_above_45")
        return _interp_log(tables.value("energy_from_45_at_0v9"), n)
    return from45(node_nm) / from45(from_nm) * (vdd / 0.9) ** 2
