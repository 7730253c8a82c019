"""Priced entries from ``cost/data/*.yaml``: every number carries its unit, node and source.

Lookup entry points (what a price-override layer wraps): ``get(name)`` / ``value(name)`` for these
named entries, and ``accelsim.cost.ram.lookup(cell, node_nm, capacity_bytes, width_bits)`` for the
CACTI-generated SRAM / eDRAM tables (``data/cacti_ram.csv``; ``ram.wire(node_nm)`` for wires).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from accelsim.cost import overrides

DATA = Path(__file__).parent / "data"
REQUIRED = ("value", "unit", "node_nm", "source", "conf")
CONFIDENCE = {"V": "verified", "S": "secondary source", "R": "recalled", "A": "assumption",
              "E": "extrapolation"}


@dataclass(frozen=True)
class Entry:
    name: str
    value: Any
    unit: str
    node_nm: float
    source: str
    conf: str
    table: str
    extra: tuple[tuple[str, Any], ...] = ()


class MissingPrice(KeyError):
    """A component or action the tables cannot price: a bug in a datapath, never a silent zero."""

    def __str__(self) -> str:
        return str(self.args[0])


@lru_cache(maxsize=None)
def entries() -> dict[str, Entry]:
    out: dict[str, Entry] = {}
    for path in sorted(DATA.glob("*.yaml")):
        for name, raw in (yaml.safe_load(path.read_text()) or {}).items():
            missing = [k for k in REQUIRED if k not in raw]
            if missing:
                raise ValueError(f"{path.name}: {name}: missing {', '.join(missing)}")
            if raw["conf"] not in CONFIDENCE:
                raise ValueError(f"{path.name}: {name}: conf must be one of {', '.join(CONFIDENCE)}")
            extra = tuple((k, v) for k, v in raw.items() if k not in REQUIRED)
            out[name] = Entry(name, raw["value"], raw["unit"], raw["node_nm"], raw["source"],
                              raw["conf"], path.stem, extra)
    return out


def get(name: str) -> Entry:
    user = overrides.entry(name)        # the priced arch's own cost table, if it has this entry
    if user is not None:
        return user
    try:
        return entries()[name]
    except KeyError:
        raise MissingPrice(f"no cost entry named '{name}' in {DATA}") from None


def value(name: str) -> Any:
    return get(name).value


def dram_types() -> dict[str, float]:
    """DRAM type -> default bandwidth in GB/s."""
    return {e.name: dict(e.extra)["bandwidth_gb_s"] for e in entries().values() if e.table == "dram"}
