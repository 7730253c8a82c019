"""User prices: an arch file's own cost table and per-part prices, laid over the bundled ones.

An arch may carry a ``costs:`` section (read by ``accelsim.spec.costs``)::

    costs:
      table: my_costs.yaml          # entries replacing bundled cost entries of the same name
      ram_table: my_cacti.csv       # banks (cacti_ram.csv schema) replacing CACTI's figures
      parts:
        weights:                    # a part of the arch's inventory: a buffer role, dram, ip.mult ...
          source: "CACTI 7, lp-dram, 65 nm, one 2 MiB bank"
          read_pj_per_access: 3154.8      # memories: one access of the buffer's width_bits
          energy_pj: {op: 0.4}            # any action, per action as the datapath counts it
          area_mm2: 219.8                 # one instance (a buffer is one instance)
          leakage_mw: 191.0               # one instance

Both apply at the lookup boundary, only while that arch is priced (``applied``): a user table
entry is returned by ``tables.get`` instead of the bundled entry, so every rule built on it
(width and node scaling) uses the user's number; a user RAM row is returned by ``ram.lookup`` for
exactly that bank (cell, node, capacity, width); a part price replaces what the cost class
computed for that part, after node scaling (user part prices are taken at the arch's own node
and Vdd, as given).
"""
from __future__ import annotations

import contextlib
import dataclasses
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Iterator

if TYPE_CHECKING:
    from accelsim.cost.tables import Entry

PJ, MM2, MW = 1e-12, 1e-6, 1e-3


@dataclass(frozen=True)
class PartPrice:
    """User prices of one inventory part; ``None`` keeps the bundled price."""

    part: str
    source: str
    energy_pj: tuple[tuple[str, float], ...] = ()          # action -> pJ per action
    per_access_pj: tuple[tuple[str, float], ...] = ()      # "read" / "write" -> pJ per access
    area_mm2: float | None = None
    leakage_mw: float | None = None


@dataclass(frozen=True)
class RamRow:
    """One bank in the schema of ``cost/data/cacti_ram.csv`` (pJ per access, mm^2, mW)."""

    cell: str
    node_nm: int
    capacity_bytes: int
    width_bits: int
    read_pj: float
    write_pj: float
    area_mm2: float
    leakage_mw: float


@dataclass(frozen=True)
class UserPrices:
    file: str = ""                       # the arch file, for error messages
    table: str = ""                      # the user cost table's path, "" when none
    entries: tuple["Entry", ...] = ()    # its entries (each replaces a bundled one)
    parts: tuple[PartPrice, ...] = ()
    ram_table: str = ""                  # the user RAM table's path, "" when none
    ram: tuple[RamRow, ...] = ()         # its banks (each replaces CACTI's figure for that bank)

    def __bool__(self) -> bool:
        return bool(self.entries or self.parts or self.ram)


_ACTIVE: ContextVar[UserPrices] = ContextVar("accelsim_user_prices", default=UserPrices())


@contextlib.contextmanager
def applied(prices: UserPrices) -> Iterator[None]:
    """Price with ``prices`` laid over the bundled tables inside this block."""
    token = _ACTIVE.set(prices)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def entry(name: str) -> "Entry | None":
    """The active user table's entry called ``name``, if it has one (``tables.get`` asks)."""
    for e in _ACTIVE.get().entries:
        if e.name == name:
            return e
    return None


def ram_row(cell: str, node_nm: float, capacity_bytes: float, width_bits: float) -> RamRow | None:
    """The active user RAM table's row for exactly this bank, if it has one (``ram.lookup`` asks):
    a bank the user did not list keeps the bundled CACTI figure."""
    for r in _ACTIVE.get().ram:
        if (r.cell, r.node_nm, r.capacity_bytes, r.width_bits) == (cell, node_nm, capacity_bytes, width_bits):
            return r
    return None


def adjust(name: str, part, price):
    """``price`` (a ``cost.price.Price`` of the inventory part ``name``) with the active user
    prices of that part in place of the computed ones."""
    user = _part(_ACTIVE.get(), name)
    if user is None:
        return price
    energy = dict(price.energy)
    energy.update({a: v * PJ for a, v in user.energy_pj})
    if user.per_access_pj:
        width = part.attr("width_bits")
        energy.update({f"{d}_bits": v * PJ / width for d, v in user.per_access_pj})
    return dataclasses.replace(
        price, energy=energy,
        area=price.area if user.area_mm2 is None else user.area_mm2 * MM2,
        leakage=price.leakage if user.leakage_mw is None else user.leakage_mw * MW)


def _part(prices: UserPrices, name: str) -> PartPrice | None:
    for p in prices.parts:
        if p.part == name:
            return p
    return None
