"""Part: one kind of hardware component as the cost model prices it (a cost class, a count and the
attributes the class needs). Datapaths list their parts in ``inventory()``; memories and DRAM are
parts too. It lives with the cost model, which defines the classes, so that the cost model needs
nothing from the datapaths."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Part:
    """One kind of hardware component: its cost class, attributes, and how many there are."""

    cls: str                                   # a cost class in accelsim.cost.price
    count: int
    attrs: tuple[tuple[str, float | str], ...] = ()

    def attr(self, name: str, default: float | None = None):
        for key, value in self.attrs:
            if key == name:
                return value
        if default is None:
            raise KeyError(f"part of class {self.cls} has no attribute {name}")
        return default


def part(cls: str, count: int, **attrs: float | str) -> Part:
    return Part(cls, int(count), tuple(sorted(attrs.items())))
