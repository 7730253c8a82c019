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

from accelsim.cost import ram, scaling, tables
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


def regfile(p: Part) -> Price:
    """A small multi-ported register file / accumulator bank (a few KB or less, below the CACTI
    grid): per-bit access energy 10 pJ per 64-bit read of 8 KB (Horowitz), linear in access width
    and depth^0.5 in rows per bank (the exponent the Horowitz 8 KB / 32 KB / 1 MB anchors fit).
    Area: cells / array efficiency. Buffers (``sram``, ``edram``) use the CACTI tables instead."""
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
    "crossbar": crossbar, "regfile": regfile, "dram": dram,
    "fp_mult": fp_mult, "fp_add": fp_add,
}


def price(p: Part, node_nm: float, vdd: float) -> Price:
    if p.cls in AT_NODE:
        return AT_NODE[p.cls](p, node_nm)
    try:
        fn = CLASSES[p.cls]
    except KeyError:
        known = sorted({*CLASSES, *AT_NODE})
        raise MissingPrice(f"no cost class '{p.cls}' (known: {', '.join(known)})") from None
    base = fn(p)
    if not base.scale_with_node:
        return base
    ef, af = scaling.energy_factor(node_nm, vdd), scaling.area_factor(node_nm)
    return Price({k: v * ef for k, v in base.energy.items()}, base.area * af, base.leakage * af)


def component(name: str) -> str:
    """The report's component for a part name: its first dotted segment ("sip.tree" -> "sip")."""
    return name.split(".", 1)[0]


def _prices(inventory: Mapping[str, Part], node_nm: float, vdd: float) -> dict[str, Price]:
    return {name: overrides.adjust(name, p, price(p, node_nm, vdd)) for name, p in inventory.items()}


def _part_joules(actions: Mapping[str, int], inventory: Mapping[str, Part],
                 prices: Mapping[str, Price]) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, count in actions.items():
        name, _, action = key.rpartition(".")
        if name not in prices:
            raise MissingPrice(f"action '{key}' names no part in the inventory ({', '.join(sorted(prices))})")
        per = prices[name].energy.get(action)
        if per is None:
            raise MissingPrice(f"part '{name}' ({inventory[name].cls}) has no price for action '{action}'")
        out[name] = out.get(name, 0.0) + count * per
    return out


def part_energy(actions: Mapping[str, int], inventory: Mapping[str, Part], node_nm: float,
                vdd: float) -> dict[str, float]:
    """Dynamic joules by part: actions x prices."""
    inventory = complete(inventory, node_nm, vdd)
    return _part_joules(actions, inventory, _prices(inventory, node_nm, vdd))


def energy(actions: Mapping[str, int], inventory: Mapping[str, Part], node_nm: float, vdd: float,
           seconds: float) -> dict[str, float]:
    """Joules by component: dynamic (actions x prices) plus a ``leakage`` entry (power x time)."""
    inventory = complete(inventory, node_nm, vdd)
    prices = _prices(inventory, node_nm, vdd)
    out: dict[str, float] = {}
    for name, joules in _part_joules(actions, inventory, prices).items():
        out[component(name)] = out.get(component(name), 0.0) + joules
    out["leakage"] = seconds * sum(prices[n].leakage * p.count for n, p in inventory.items())
    return out


def area(inventory: Mapping[str, Part], node_nm: float, vdd: float) -> dict[str, float]:
    """Square metres by component."""
    out: dict[str, float] = {}
    inventory = complete(inventory, node_nm, vdd)
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
    bits; no published FP4/FP8 multiplier figure was found: docs/references.md#fp-mult-extrapolation)."""
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


# -- registers, clock and wires (the parts bare arithmetic leaves out) ---------------------------
def _flop_bit() -> tuple[float, float]:
    """45 nm (pJ, um^2) of one flip-flop bit clocked for one cycle: Aladdin's register bit (per
    access: clock pin plus average data toggling), carried to Horowitz's 45 nm adder like the
    other Aladdin ratios."""
    e_add, a_add = _add(32)
    return (tables.value("aladdin_register_bit") / tables.value("aladdin_int_add_32b") * e_add,
            tables.value("aladdin_register_bit_area") / tables.value("aladdin_int_add_32b_area") * a_add)


def flipflop(p: Part) -> Price:
    """``bits`` edge-triggered bits (pipeline, serial-operand and operand-latch registers),
    ``clock`` = one clocked cycle of all of them. The engine clocks every flip-flop on every
    busy cycle (no clock gating), see ``clocked_actions``."""
    e, a = _flop_bit()
    return _logic({"clock": e * p.attr("bits")}, a * p.attr("bits"))


def clock_tree(p: Part) -> Price:
    """The clock network (buffers and wires) feeding ``bits`` flip-flop bits, per cycle: a
    CALIBRATED multiple of the flip-flops' own energy and area (``clock_tree_over_flop*``: the
    DaDianNao node layout's clock-network to register ratio, data/frame.yaml)."""
    e, a = _flop_bit()
    bits = p.attr("bits")
    return _logic({"cycle": e * bits * tables.value("clock_tree_over_flop")},
                  a * bits * tables.value("clock_tree_over_flop_area"))


def wire(p: Part, node_nm: float) -> Price:
    """A bus whose every bit travels ``length_mm`` of repeated wire (a broadcast: the whole tree; a
    distribution: root to one leaf), priced at the node from CACTI's wire table; ``bits`` action
    = one bit carried, at the data activity factor ``wire_activity``. No area: buses are routed
    in the upper metal layers over the cells they connect (an approximation)."""
    e_mm, _ = ram.wire(node_nm)
    return Price({"bits": e_mm * p.attr("length_mm") * tables.value("wire_activity")}, 0.0, 0.0,
                 scale_with_node=False)


def cacti_ram(cell: str) -> Callable[[Part, float], Price]:
    def fn(p: Part, node_nm: float) -> Price:
        """A buffer of ``banks`` independent banks of capacity / banks bytes, each read or written
        ``width_bits`` at a time, from the CACTI 7 tables (``ram.lookup``); eDRAM leakage
        includes its refresh (CACTI adds it). Energy per bit = a bank access / width."""
        banks = p.attr("banks", 1)
        width = p.attr("width_bits")
        f = ram.lookup(cell, node_nm, p.attr("capacity_bytes") / banks, width)
        return Price({"read_bits": f.read / width, "write_bits": f.write / width}, f.area * banks,
                     f.leakage * banks, scale_with_node=False)
    return fn


CLASSES["flipflop"] = flipflop
CLASSES["clock_tree"] = clock_tree
AT_NODE: dict[str, Callable[[Part, float], Price]] = {
    "sram": cacti_ram("sram"), "edram": cacti_ram("edram"), "wire": wire}
CLOCKED = ("flipflop", "register")   # classes whose bits the clock tree feeds


def clocked_bits(inventory: Mapping[str, Part]) -> int:
    return int(sum(p.count * p.attr("bits") for p in inventory.values() if p.cls in CLOCKED))


def bus_length_mm(region_m2: float, leaves: float, broadcast: bool) -> float:
    """Wire a bit travels on an H-tree from the centre of a square region to ``leaves`` endpoints
    spread evenly over it. Broadcast (every bit to every leaf): the whole tree, level j adding
    4^(j-1) H's of 3 side / 2^j of wire, 1.5 side (sqrt(leaves) - 1) in all (a leaf-less region: half
    a side). Distribution or gather (each bit to one leaf): one root-to-leaf path, half the side
    per halving of the tree, side (1 - 1 / sqrt(leaves)), at least half a side."""
    side_mm = math.sqrt(region_m2) * 1e3
    n = math.sqrt(leaves)
    return side_mm * max(1.5 * (n - 1) if broadcast else 1 - 1 / n, 0.5)


BUFFERS = ("weights", "activations", "outputs")   # the arch's buffer roles (spec.arch.BUFFER_ROLES)


def complete(inventory: Mapping[str, Part], node_nm: float, vdd: float) -> dict[str, Part]:
    """The inventory with its clock tree (component ``clock``, sized by the clocked bits) and its
    buses' lengths: a bus spans one of ``regions`` equal parts of a floor and reaches ``leaves``
    endpoints. A chip-level bus spans the whole floor, buffers included: the tiles or PEs it
    reaches hold their buffers. A bus inside a tile, PE or row (``array`` 1) carries operands from
    a buffer at the array's edge across the compute array, so it spans the array's floor, the
    buffers left out (the hop from the buffer's port to the array's edge is not priced: buffers
    are assumed to abut their array, and CACTI's bank energy already carries the data to the
    port)."""
    inv = dict(inventory)
    bits = clocked_bits(inv)
    if bits and "clock" not in inv:
        inv["clock"] = Part("clock_tree", 1, (("bits", bits),))
    areas = {n: overrides.adjust(n, p, price(p, node_nm, vdd)).area * p.count
             for n, p in inv.items() if p.cls != "wire"}
    floor = sum(areas.values())
    array = sum(a for n, a in areas.items() if n not in BUFFERS)
    for name, p in inv.items():
        if p.cls == "wire" and "length_mm" not in dict(p.attrs):
            span = array if p.attr("array", 0) else floor
            length = bus_length_mm(span / p.attr("regions"), p.attr("leaves"), bool(p.attr("broadcast")))
            inv[name] = Part(p.cls, p.count, tuple(sorted((*p.attrs, ("length_mm", length)))))
    return inv


def frame_actions(inventory: Mapping[str, Part], actions: Mapping[str, int],
                  busy_cycles: int) -> dict[str, int]:
    """Counts for the frame's parts: every flip-flop and the clock tree once per busy cycle (the
    designs do not gate their clocks); every bus the bits of the action it ``carries``."""
    out = {f"{n}.clock": busy_cycles * p.count for n, p in inventory.items() if p.cls == "flipflop"}
    if clocked_bits(inventory):
        out["clock.cycle"] = busy_cycles
    for n, p in inventory.items():
        if p.cls == "wire":
            # a bus replicated in every tile carries each broadcast bit ``copies`` times
            out[f"{n}.bits"] = int(actions.get(p.attr("carries"), 0)) * int(p.attr("copies", 1))
    return out
