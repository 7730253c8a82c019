"""Checking and describing an arch's user prices against the bundled ones it replaces.

Kept apart from ``overrides`` (which only lays the user's prices over the lookups) because both
functions price the inventory: ``price`` builds on ``tables`` and ``ram``, which consult
``overrides``, so living there would make the cost package import itself back.
"""
from __future__ import annotations

import difflib
from typing import Mapping

from accelsim.cost import tables
from accelsim.cost.overrides import MM2, MW, PJ, UserPrices, applied
from accelsim.cost.price import price
from accelsim.errors import SpecError


def check(prices: UserPrices, inventory: Mapping, node_nm: float, vdd: float) -> None:
    """Every user part price names a part of this arch and an action that part has."""
    for user in prices.parts:
        key = f"costs.parts.{user.part}"
        if user.part not in inventory:
            close = difflib.get_close_matches(user.part, list(inventory), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise SpecError(prices.file, key, message=f"no part '{user.part}' in this arch{hint}; "
                            f"its parts: {', '.join(sorted(inventory))}")
        p = inventory[user.part]
        actions = price(p, node_nm, vdd).energy
        for action, _ in user.energy_pj:
            if action not in actions:
                raise SpecError(prices.file, f"{key}.energy_pj.{action}",
                                "an action of this part: " + ", ".join(sorted(actions)), action)
        if user.per_access_pj and p.attr("width_bits", 0) == 0:
            raise SpecError(prices.file, key, message="per-access prices need a memory part "
                            "(with width_bits); use energy_pj per action")


def describe(prices: UserPrices, inventory: Mapping, node_nm: float, vdd: float) -> tuple[str, ...]:
    """One line per overridden price: the user's value next to the bundled one it replaces."""
    lines = []
    for e in prices.entries:
        bundled = tables.entries()[e.name]
        lines.append(f"table {e.name}: {_show(e.value)} {e.unit} (bundled {_show(bundled.value)}), from "
                     f"{prices.table}: {e.source}")
    for r in prices.ram:
        lines.append(f"ram {r.cell} {r.node_nm} nm, {r.capacity_bytes} B x {r.width_bits} b bank: read "
                     f"{r.read_pj:g} pJ, write {r.write_pj:g} pJ, {r.area_mm2:g} mm^2, {r.leakage_mw:g} mW, "
                     f"from {prices.ram_table}")
    for user in prices.parts:
        p = inventory[user.part]
        with applied(UserPrices()):
            base = price(p, node_nm, vdd)
        changed = [f"{a} {v:g} pJ (bundled {base.energy[a] / PJ:.4g})" for a, v in user.energy_pj]
        width = p.attr("width_bits", 0)
        changed += [f"{d} {v:g} pJ/access (bundled {base.energy[d + '_bits'] * width / PJ:.4g})"
                    for d, v in user.per_access_pj]
        if user.area_mm2 is not None:
            changed.append(f"area {user.area_mm2:g} mm^2 (bundled {base.area / MM2:.4g})")
        if user.leakage_mw is not None:
            changed.append(f"leakage {user.leakage_mw:g} mW (bundled {base.leakage / MW:.4g})")
        lines.append(f"part {user.part}: " + ", ".join(changed) + f"; source: {user.source}")
    return tuple(lines)


def _show(value) -> str:
    return f"{value:g}" if isinstance(value, (int, float)) else str(value)
