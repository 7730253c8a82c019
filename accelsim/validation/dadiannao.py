"""Calibration target: the DaDN baseline at DaDianNao's own node against that chip's layout figures.

Chen et al., "DaDianNao: A Machine-Learning Supercomputer", MICRO 2014, node layout table (28 nm,
606 MHz; figures recalled, docs/references.md#dadiannao-node-layout): 67.73 mm^2 and 15.97 W for
the node, of which the HyperTransport links (four HT 2.0 controllers and PHYs) take 17.62 mm^2 and
8.01 W. accelsim models no off-chip links, so the target's scope is the rest: the 16 tiles, the
central block and the top-level wires, 44.14 mm^2 and 7.96 W. By component type the node's power is
memory 6.12 W, combinational 6.06 W, registers 0.93 W and clock network 2.86 W; the links hold no
memory, so memory is 77% of the modelled scope's power; registers and clock are upper bounds
(the links' own registers and clock are in them).

The simulated figures are average power at full activity (``workloads/dadiannao_peak.yaml``: every
multiplier busy every cycle) on ``arch_configs/dadiannao_28nm.yaml``,
on-chip scope (DRAM excluded: the paper's figures are the chip's). Calibrated prices, all taken
from this same table (``data/frame.yaml``): the clock tree's ratios to its registers, and the eDRAM
area factor (the layout's 32.21 mm^2 of memory over CACTI's banks for the same 36 MB). So the
memory part of the area target equals the layout's by construction and the area check is on the
rest (its own target, area outside memory); memory power (CACTI's read energy and refresh, uncalibrated), total power and the memory
share are checks, not fits.

How accelsim's types map onto the layout's: its buffers are the layout's memory; arithmetic and
leakage of logic its combinational; ``reg`` its registers; ``clock`` its clock network. Buses
(``wire``) have no row of their own: a power tool books a net's switching with the cell driving it,
so the buses are inside memory (those a macro drives), combinational (repeaters) or registers; the
layout's top-level wire block draws 0.01 W. The share target counts memory alone and also reports
memory + buses, the two ends of that attribution.

The layout also splits the scope by block (16 tiles 30.16 mm^2 / 6.15 W, central block 7.90 mm^2 /
1.80 W, top-level wires 6.08 mm^2 / 0.01 W), and ``blocks`` maps accelsim's parts onto them: the
tiles hold the weight eDRAM and every part of the inner-product units with their in-tile buses,
the central block the activation eDRAM, the top-level wires the chip-level buses. The power and
area targets print both sides per block, which shows where the scope's totals agree and where two
errors cancel.
"""
from __future__ import annotations

from accelsim.cost import price
from accelsim.engine.simulate import buffer_actions, memory_inventory
from accelsim.spec.arch import load_arch
from accelsim.spec.workload import load_workload
from accelsim.workload.trace import build_traces
from accelsim.validation.registry import Measured, Runner, Target

ARCH = "arch_configs/dadiannao_28nm.yaml"
WORKLOAD = "workloads/dadiannao_peak.yaml"   # full activity, as a layout power figure is
CONFIG = "DaDN at 28 nm, 606 MHz: 16 tiles x 16 IPs x 16x16-bit MACs, 32 MB eDRAM (4 banks / tile) + 4 MB central"
SOURCE = "Chen et al., DaDianNao, MICRO 2014, node layout table (recalled)"
MEMORIES = price.BUFFERS     # the arch's buffers: the layout's memory type
PUBLISHED_W = {"memory": 6.12, "registers (upper bound)": 0.93, "clock (upper bound)": 2.86}
SCOPE_W, SCOPE_MM2 = 15.97 - 8.01, 67.73 - 17.62 - 5.97
BLOCKS = {"tiles": (6.15, 30.16), "central": (1.80, 7.90), "top-level wires": (0.01, 6.08)}  # W, mm^2


def _block(name: str, p) -> str:
    """The layout block a part of the DaDN inventory sits in."""
    if name == "activations":
        return "central"
    if p.cls == "wire" and not p.attr("array", 0):     # a bus across the chip, not inside a tile
        return "top-level wires"
    return "tiles"


def blocks(r: Runner) -> dict[str, tuple[float, float]]:
    """Average watts (dynamic + leakage) and mm^2 of each layout block over the calibration load,
    part by part: the layer's actions (the datapath run again: a Result keeps only components)
    priced by ``price.part_energy``."""
    arch = load_arch(r.root / ARCH)
    node, vdd = arch.technology.node_nm, arch.technology.vdd
    inv = _inventory(arch)
    joules: dict[str, float] = {}
    dp = arch.build()
    for trace in build_traces(load_workload(r.root / WORKLOAD)):
        work = dp.run(trace)
        actions = {**buffer_actions(arch, work.actions),
                   **price.frame_actions(inv, work.actions, int(work.compute_cycles.sum()))}
        for name, j in price.part_energy(actions, inv, node, vdd).items():
            joules[name] = joules.get(name, 0.0) + j
    seconds = r.result(ARCH, WORKLOAD).seconds
    out = {b: (0.0, 0.0) for b in BLOCKS}
    for name, p in inv.items():
        if name == "dram":
            continue
        pr = price.price(p, node, vdd)
        w, a = out[_block(name, p)]
        out[_block(name, p)] = (w + joules.get(name, 0.0) / seconds + pr.leakage * p.count,
                                a + pr.area * p.count * 1e6)
    return out


def _inventory(arch) -> dict:
    """The arch's parts, buffers and DRAM included, with its clock tree and bus lengths."""
    return price.complete({**arch.build().inventory(), **memory_inventory(arch)},
                          arch.technology.node_nm, arch.technology.vdd)


def leakage(r: Runner) -> dict[str, float]:
    """Leakage watts of the memories (eDRAM refresh included) and of the logic."""
    arch = load_arch(r.root / ARCH)
    inv = _inventory(arch)
    leak = {"memory": 0.0, "logic": 0.0}
    for name, p in inv.items():
        w = price.price(p, arch.technology.node_nm, arch.technology.vdd).leakage * p.count
        leak["memory" if price.component(name) in MEMORIES else "logic"] += w
    return leak


def breakdown(r: Runner) -> dict[str, float]:
    """Average on-chip watts by type over the workload: memory (dynamic + leakage + refresh),
    combinational logic, registers, clock tree, wires (dynamic + leakage)."""
    res = r.result(ARCH, WORKLOAD)
    leak = leakage(r)
    seconds = res.seconds
    joules: dict[str, float] = {}
    for layer in res.layers:
        for k, v in layer.energy.items():
            joules[k] = joules.get(k, 0.0) + v
    watts = {k: v / seconds for k, v in joules.items() if k not in ("dram", "leakage")}
    out = {"memory": sum(watts.pop(k, 0.0) for k in MEMORIES) + leak["memory"],
           "registers": watts.pop("reg", 0.0), "clock": watts.pop("clock", 0.0),
           "wires": watts.pop("wire", 0.0)}
    out["combinational"] = sum(watts.values()) + leak["logic"]
    return out


def _power(r: Runner) -> Measured:
    b = breakdown(r)
    per_block = {f"{k} W (published {BLOCKS[k][0]:.2f})": v[0] for k, v in blocks(r).items()}
    return Measured(sum(b.values()), {**{f"{k} W": v for k, v in b.items()}, **per_block})


def _memory_power(r: Runner) -> Measured:
    b = breakdown(r)
    return Measured(b["memory"], {"memory + buses W (if every bus is booked to memory)":
                                  b["memory"] + b["wires"]})


def _memory_share(r: Runner) -> Measured:
    b = breakdown(r)
    total = sum(b.values())
    return Measured(b["memory"] / total,
                    {"memory W (published 6.12)": b["memory"],
                     "memory + buses share (buses booked to memory)": (b["memory"] + b["wires"]) / total,
                     "logic + buses W (published 1.84 by subtraction)": total - b["memory"],
                     "registers W (published <= 0.93)": b["registers"],
                     "clock W (published <= 2.86)": b["clock"]})


def _area(r: Runner) -> Measured:
    a = r.result(ARCH, WORKLOAD).area
    mem = sum(v for k, v in a.items() if k in MEMORIES)
    per_block = {f"{k} mm2 (published {BLOCKS[k][1]:.2f})": v[1] for k, v in blocks(r).items()}
    return Measured(sum(a.values()) * 1e6,
                    {"memory mm2 (published cells 32.21; eDRAM area calibrated on it)": mem * 1e6,
                     "logic mm2 (published: the rest, 11.93, filler and routing included)":
                     (sum(a.values()) - mem) * 1e6, **per_block})


def _logic_area(r: Runner) -> Measured:
    a = r.result(ARCH, WORKLOAD).area
    logic = sum(v for k, v in a.items() if k not in MEMORIES)
    return Measured(logic * 1e6, {"of which registers + clock mm2": (a.get("reg", 0.0) + a.get("clock", 0.0)) * 1e6})


TARGETS = [
    Target("DaDN @ DaDianNao node", "power, tiles + central + wires (W)", SCOPE_W, 0.25,
           CONFIG, SOURCE, _power, scope="on-chip"),
    Target("DaDN @ DaDianNao node", "memory power (W)", 6.12, 0.15, CONFIG, SOURCE, _memory_power,
           scope="on-chip"),
    Target("DaDN @ DaDianNao node", "memory share of that power", 6.12 / SCOPE_W, 0.15, CONFIG,
           SOURCE, _memory_share, scope="on-chip"),
    Target("DaDN @ DaDianNao node", "area, tiles + central + wires (mm^2)", SCOPE_MM2, 0.25,
           CONFIG, SOURCE, _area),
    # the part of that area the eDRAM calibration does not fix: logic, filler and routing
    Target("DaDN @ DaDianNao node", "area outside memory (mm^2)", SCOPE_MM2 - 32.21, 0.25,
           CONFIG, SOURCE, _logic_area),
]
