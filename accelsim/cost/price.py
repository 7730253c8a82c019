"""Prices of hardware parts, and energy / area breakdowns: counts times prices (the Accelergy idea).

A datapath's inventory names parts (``Part(cls, count, attrs)``); its actions are counted as
``"<part name>.<action>"``. Each cost class below turns a part's attributes into joules per action,
square metres and watts of leakage at 45 nm, from the anchors in ``data/*.yaml`` and the rules in
``scaling``; ``price`` then scales to the arch's node and Vdd. A part or action with no price raises
MissingPrice: a zero is never assumed.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Mapping

from accelsim.cost import scaling, tables
from accelsim.cost import overrides
from accelsim.cost.tables import MissingPrice
from accelsim.cost.parts import Part

PJ, UM2, MW = 1e-12, 1e-12, 1e-3


@dataclass(frozen=True)
class Price:
    energy: Mapping[str, float]   # action -> joules per action
    area: float                   # m^2 per instance
    leakage: float                # watts per instance
    scale_with_node: bool = True


# -- primitive 45 nm costs (pJ, um^2) ------------------------------------------------------------
def _add(bits: float) -> tuple[float, float]:
    return scaling.anchored("horowitz_int_add", bits), scaling.anchored("horowitz_int_add", bits, "_area")


def _ratio_to_adder(name: str, bits: float) -> tuple[float, float]:
    """An Aladdin unit priced relative to Aladdin's 32-bit adder, applied to Horowitz's adder."""
    e_add, a_add = _add(bits)
    e = tables.value(name) / tables.value("aladdin_int_add_32b") * e_add
    a = tables.value(name + "_area") / tables.value("aladdin_int_add_32b_area") * a_add
    return e, a


def _leak(area_um2: float) -> float:
    return tables.value("leakage_density") * area_um2 * MW


def _logic(energy: Mapping[str, float], area_um2: float) -> Price:
    return Price({k: v * PJ for k, v in energy.items()}, area_um2 * UM2, _leak(area_um2))


def int_mult(p: Part) -> Price:
    w = math.sqrt(p.attr("a_bits") * p.attr("b_bits"))
    return _logic({"op": scaling.anchored("horowitz_int_mult", w)},
                  scaling.anchored("horowitz_int_mult", w, "_area"))


def int_add(p: Part) -> Price:
    e, a = _add(p.attr("bits"))
    return _logic({"op": e}, a)


def adder_tree(p: Part) -> Price:
    """A binary tree reducing ``inputs`` values of ``bits`` bits: level l has ceil(n / 2^l) adders
    of bits + l - 1 bits (each level's sums grow by one bit)."""
    n, bits = int(p.attr("inputs")), p.attr("bits")
    e = a = 0.0
    level, width = n, bits
    while level > 1:
        adders = level // 2
        ea, aa = _add(width)
        e, a = e + adders * ea, a + adders * aa
        level, width = level - adders, width + 1
    return _logic({"op": e}, a)


def bitwise(p: Part) -> Price:
    """``bits`` two-input gates (AND rows of bit-serial lanes)."""
    e, a = _ratio_to_adder("aladdin_bitwise_32b", p.attr("bits"))
    return _logic({"op": e}, a)


def mux(p: Part) -> Price:
    """An n:1 multiplexer of ``bits`` bits: n - 1 two-input selects, each about one gate per bit."""
    e, a = _ratio_to_adder("aladdin_bitwise_32b", p.attr("bits"))
    n = p.attr("inputs") - 1
    return _logic({"op": n * e}, n * a)


def shifter(p: Part) -> Price:
    e, a = _ratio_to_adder("aladdin_shifter_32b", p.attr("bits"))
    return _logic({"op": e}, a)


def comparator(p: Part) -> Price:
    e, a = _ratio_to_adder("aladdin_comparator_32b", p.attr("bits"))
    return _logic({"op": e}, a)


def register(p: Part) -> Price:
    """``bits`` flip-flops; read and write are priced per access of all bits."""
    bits = p.attr("bits")
    e_add, a_add = _add(32)   # per-bit ratios against a 32-bit adder's bits
    e_bit = tables.value("aladdin_register_bit") / tables.value("aladdin_int_add_32b") * e_add
    a_bit = tables.value("aladdin_register_bit_area") / tables.value("aladdin_int_add_32b_area") * a_add
    return _logic({"read": e_bit * bits, "write": e_bit * bits}, a_bit * bits)


def crossbar(p: Part) -> Price:
    """An inputs x outputs crossbar of ``bits``-bit ports, scaled from Aladdin's 1-to-4 32-bit one:
    a transfer (``op``) drives wires spanning all outputs (linear in outputs and in width, as the
    Aladdin plug-in scales it); area grows with inputs x outputs."""
    e4, a4 = _ratio_to_adder("aladdin_crossbar_1to4_32b", p.attr("bits"))
    return _logic({"op": e4 * p.attr("outputs") / 4}, a4 * p.attr("inputs") * p.attr("outputs") / 4)


def sram(p: Part) -> Price:
    """Per-bit access energy: 10 pJ per 64-bit read of 8 KB (Horowitz), linear in access width and
    depth^0.5 in rows per bank (the exponent the Horowitz 8 KB / 32 KB / 1 MB anchors fit; CACTI's
    width-linear rule). Area: cells / array efficiency. eDRAM is priced as SRAM (no eDRAM source)."""
    width = p.attr("width_bits")
    bank_bits = p.attr("capacity_bytes") * 8 / p.attr("banks", 1)
    depth = max(bank_bits / width, 1.0)
    e8k = tables.value("horowitz_sram_64b_8kb")
    e_access = e8k * (width / 64) * (depth / (8192 * 8 / 64)) ** 0.5
    read = e_access / width
    area = p.attr("capacity_bytes") * 8 * tables.value("sram_cell_area") / tables.value("sram_array_efficiency")
    return _logic({"read_bits": read, "write_bits": read * tables.value("sram_write_over_read")}, area)


def dram(p: Part) -> Price:
    e = tables.get(p.attr("type")).value * PJ
    return Price({"read_bits": e, "write_bits": e}, 0.0, 0.0, scale_with_node=False)


def fp_mult(p: Part) -> Price:
    """Energy on the significand width (mantissa + hidden bit) through Horowitz FP16 / FP32."""
    sig = p.attr("man_bits") + 1
    e = scaling.power_law(sig, 11, tables.value("horowitz_fp_mult_16b"), 24, tables.value("horowitz_fp_mult_32b"))
    a = scaling.power_law(sig, 11, tables.value("horowitz_fp_mult_16b_area"), 24, tables.value("horowitz_fp_mult_32b_area"))
    return _logic({"op": e}, a)


def fp_add(p: Part) -> Price:
    bits = 1 + p.attr("exp_bits") + p.attr("man_bits")
    e = scaling.power_law(bits, 16, tables.value("horowitz_fp_add_16b"), 32, tables.value("horowitz_fp_add_32b"))
    a = scaling.power_law(bits, 16, tables.value("horowitz_fp_add_16b_area"), 32, tables.value("horowitz_fp_add_32b_area"))
    return _logic({"op": e}, a)


CLASSES: dict[str, Callable[[Part], Price]] = {
    "int_mult": int_mult, "int_add": int_add, "adder_tree": adder_tree, "bitwise": bitwise,
    "mux": mux, "shifter": shifter, "comparator": comparator, "register": register,
    "crossbar": crossbar, "sram": sram, "edram": sram, "regfile": sram, "dram": dram,
    "fp_mult": fp_mult, "fp_add": fp_add,
}


def price(p: Part, node_nm: float, vdd: float) -> Price:
    try:
        fn = CLASSES[p.cls]
    except KeyError:
        raise MissingPrice(f"no cost class '{p.cls}' (known: {', '.join(sorted(CLASSES))})") from None
    base = fn(p)
    if not base.scale_with_node:
        return base
    ef, af = scaling.energy_factor(node_nm, vdd), scaling.area_factor(node_nm)
    return Price({k: v * ef for k, v in base.energy.items()}, base.area * af, base.leakage * af)


def component(name: str) -> str:
    """The report's component for a part name: its first dotted segment ("sip.tree" -> "sip")."""
    return name.split(".", 1)[0]


def energy(actions: Mapping[str, int], inventory: Mapping[str, Part], node_nm: float, vdd: float,
           seconds: float) -> dict[str, float]:
    """Joules by component: dynamic (actions x prices) plus a ``leakage`` entry (power x time)."""
    out: dict[str, float] = {}
    prices = {name: overrides.adjust(name, p, price(p, node_nm, vdd)) for name, p in inventory.items()}
    for key, count in actions.items():
        name, _, action = key.rpartition(".")
        if name not in prices:
            raise MissingPrice(f"action '{key}' names no part in the inventory ({', '.join(sorted(prices))})")
        per = prices[name].energy.get(action)
        if per is None:
            raise MissingPrice(f"part '{name}' ({inventory[name].cls}) has no price for action '{action}'")
        out[component(name)] = out.get(component(name), 0.0) + count * per
    out["leakage"] = seconds * sum(prices[n].leakage * p.count for n, p in inventory.items())
    return out


def area(inventory: Mapping[str, Part], node_nm: float, vdd: float) -> dict[str, float]:
    """Square metres by component."""
    out: dict[str, float] = {}
    for name, p in inventory.items():
        priced = overrides.adjust(name, p, price(p, node_nm, vdd))     # an arch's own prices win
        out[component(name)] = out.get(component(name), 0.0) + priced.area * p.count
    return out


# -- small floating-point multipliers (number-format datapaths) ---------------------------------
def minifloat_mult(p: Part) -> Price:
    """A multiplier of two small floats (FP8 / FP6 / FP4 elements, possibly of two different
    formats), priced on the geometric mean of the two significand widths (mantissa + hidden bit),
    like ``fp_mult``, but through the EXTRAPOLATED anchors ``fp_mult_sig_2b`` / ``_4b`` of
    ``data/formats.yaml`` (conf E: the Horowitz FP16/FP32 power law carried below 11 significand
    bits; costs.md sec. 5-6 found no published FP4/FP8 multiplier figure)."""
    sig = math.sqrt((p.attr("a_man") + 1) * (p.attr("b_man") + 1))
    return _logic({"op": scaling.anchored("fp_mult_sig", sig)},
                  scaling.anchored("fp_mult_sig", sig, "_area"))


CLASSES["minifloat_mult"] = minifloat_mult


def counter(p: Part) -> Price:
    """A ``bits``-bit up/down counter (Laconic's histogram bins), scaled from Aladdin's 32-bit
    counter against its 32-bit adder; ``op`` = one count."""
    e, a = _ratio_to_adder("aladdin_counter_32b", p.attr("bits"))
    return _logic({"op": e}, a)


CLASSES["counter"] = counter
