"""Generate accelsim's on-chip RAM cost tables with CACTI 7 (an instrument, never a runtime need).

    python benchmarks/cacti/gen_tables.py --cacti /path/to/cacti [--jobs 2]

Runs the given CACTI binary on ``ram.cfg.in`` over a grid of one-bank capacities x access widths x
technology nodes, for two cells: SRAM (``itrs-lop`` cells and periphery) and eDRAM (``lp-dram``,
CACTI's logic-process DRAM, with ``itrs-lop`` periphery), and writes one CSV row per point to
``accelsim/cost/data/cacti_ram.csv``: read / write energy per access, area and leakage power
(for DRAM cells CACTI adds the refresh power to the leakage it prints: uca.cc, ``is_dram``), and the
chosen organisation's access and random cycle times (the config bounds both within 2x of the fastest).

eDRAM is generated only at CACTI's own eDRAM nodes, 65 / 45 / 32 nm. CACTI refuses lp-dram at 22 nm,
and at any node between two of its technology files it interpolates every parameter linearly
(parameter.cc, ``TechnologyParameter::init``); 22nm.dat's lp-dram column is all zeros, so a "28 nm"
eDRAM run blended 40% zeros in: cell capacitance 12 fF instead of 20, cell Vdd 0.6 V instead of 1,
on-current 0.6x, which gave read energies below the 32 nm bank's by far more than node scaling
(512 KiB x 1024 bits: 0.041 pJ/bit at "28 nm" vs 0.074 at 32 nm). accelsim prices eDRAM below 32 nm
as the 32 nm bank scaled by its node factors (cost.ram). SRAM (itrs-lop) has data at both 32 and
22 nm, so its 28 nm rows are CACTI's interpolation between real nodes.

eDRAM write energy is set to its read energy; CACTI's printed figure is kept as ``write_pj_cacti``.
CACTI 7 prices a DRAM bitline write as its read formula times ``num_act_mats_hor_dir * 100``
(mat.cc, ``Mat::compute_bitline_delay``: a literal factor of 100, which made writes 9-280x reads;
DaDianNao's 32 nm bank: 5.75 nJ vs 0.16 nJ). A DRAM read is destructive and already restores the
row at full swing, and a write activates, overwrites and restores the same row: without the factor
CACTI's own bitline formulas for the two are the same but for the read's mux load. It also records, per node, CACTI's repeated semi-global wire (10%-delay-overhead repeater
sizing: dynamic energy per transition per mm, track pitch) in ``cacti_wire.csv``. A multi-bank buffer is priced at runtime as independent banks of capacity / banks (the
DaDianNao-style per-tile buffers are separate macros), so banks are not a CACTI axis here.
"""
from __future__ import annotations

import argparse
import itertools
import re
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).parent
OUT = HERE.parent.parent / "accelsim" / "cost" / "data" / "cacti_ram.csv"
WIRE_OUT = OUT.with_name("cacti_wire.csv")
CELLS = {"sram": ("itrs-lop", "itrs-lop"), "edram": ("lp-dram", "itrs-lop")}
NODES_NM = (65, 45, 32, 28, 22)            # CACTI's own nodes are 90/65/45/32/22; 28 it interpolates
CELL_NODES = {"sram": NODES_NM, "edram": (65, 45, 32)}   # CACTI's lp-dram data ends at 32 nm (see above)
CAPACITIES = tuple(1 << k for k in range(13, 24, 2))    # 8 KiB .. 8 MiB per bank
WIDTHS = (64, 256, 1024, 4096)                           # bits per access
MIN_ROWS = 128   # below this, the delay-bounded search returned non-monotone organisations (65 nm
                 # SRAM 8 KiB x 1024 bits: 141 pJ and 0.56 mm2 against 49 pJ and 0.38 mm2 at 32 KiB):
                 # such banks are priced from their neighbours (cost.ram extends the grid)

FIELDS = {
    "read_pj": (r"Total dynamic read energy per access \(nJ\):\s*([\d.eE+-]+)", 1e3),
    "write_pj": (r"Total dynamic write energy per access \(nJ\):\s*([\d.eE+-]+)", 1e3),
    "leakage_mw": (r"Total leakage power of a bank \(mW\):\s*([\d.eE+-]+)", 1.0),
    "area_mm2": (r"Data array: Area \(mm2\):\s*([\d.eE+-]+)", 1.0),
    "access_ns": (r"Access time \(ns\):\s*([\d.eE+-]+)", 1.0),
    "cycle_ns": (r"Cycle time \(ns\):\s*([\d.eE+-]+)", 1.0),
}


def config(template: str, cell: str, node: int, capacity: int, width: int) -> str:
    c, periph = CELLS[cell]
    return template.format(size=capacity, block=width // 8, banks=1, tech=node / 1000, cell=c,
                           periph=periph, bus=width)


def cacti_output(cacti: Path, text: str) -> str:
    with tempfile.NamedTemporaryFile("w", suffix=".cfg", delete=False) as f:
        f.write(text)
    # CACTI reads its technology files relative to its own directory.
    out = subprocess.run([str(cacti.resolve()), "-infile", f.name], cwd=cacti.resolve().parent,
                         capture_output=True, text=True, timeout=1200).stdout
    Path(f.name).unlink()
    return out


def wire_row(cacti: Path, template: str, node: int) -> dict:
    """The wire CACTI reports for a small SRAM at ``node`` (the wire does not depend on the RAM)."""
    out = cacti_output(cacti, config(template, "sram", node, 32768, 256))
    block = out.split("10% Overhead", 1)[1]
    num = r"\s*-\s*([\d.eE+-]+)"
    energy = float(re.search(r"PowerD" + num, block).group(1)) * 1e3          # nJ/mm -> pJ/mm
    width = float(re.search(r"Wire width" + num, block).group(1))
    spacing = float(re.search(r"Wire spacing" + num, block).group(1))
    return {"node_nm": node, "energy_pj_per_mm": energy, "pitch_um": width + spacing}


def run_point(cacti: Path, template: str, point: tuple) -> dict | None:
    cell, node, capacity, width = point
    out = cacti_output(cacti, config(template, cell, node, capacity, width))
    row = {"cell": cell, "node_nm": node, "capacity_bytes": capacity, "width_bits": width}
    for key, (pattern, scale) in FIELDS.items():
        m = re.search(pattern, out)
        if m is None:
            return None
        row[key] = float(m.group(1)) * scale
    row["write_pj_cacti"] = row["write_pj"]
    if cell == "edram":
        row["write_pj"] = row["read_pj"]       # see the module docstring: CACTI's x100 write term
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cacti", type=Path, required=True, help="path to a built CACTI 7 binary")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--what", choices=("all", "ram", "wire"), default="all")
    args = ap.parse_args()
    template = "\n".join(line for line in (HERE / "ram.cfg.in").read_text().splitlines()
                         if not line.startswith("#")) + "\n"
    if args.what in ("all", "wire"):
        rows = [wire_row(args.cacti, template, n) for n in NODES_NM]
        WIRE_OUT.write_text("# Generated by benchmarks/cacti/gen_tables.py with CACTI 7.0: repeated "
                            "semi-global wire, 10% delay overhead sizing.\nnode_nm,energy_pj_per_mm,"
                            "pitch_um\n" + "".join(f"{r['node_nm']},{r['energy_pj_per_mm']:.6g},"
                                                    f"{r['pitch_um']:.6g}\n" for r in rows))
        print(f"{len(rows)} nodes -> {WIRE_OUT}")
    if args.what == "wire":
        return
    points = [(cell, node, cap, w) for cell in CELLS
              for node, cap, w in itertools.product(CELL_NODES[cell], CAPACITIES, WIDTHS)
              if cap * 8 // w >= MIN_ROWS]
    with ThreadPoolExecutor(args.jobs) as pool:
        rows = list(pool.map(lambda p: run_point(args.cacti, template, p), points))
    failed = [p for p, r in zip(points, rows) if r is None]
    cols = ["cell", "node_nm", "capacity_bytes", "width_bits", "read_pj", "write_pj", "area_mm2",
            "leakage_mw", "access_ns", "cycle_ns", "write_pj_cacti"]
    lines = ["# Generated by benchmarks/cacti/gen_tables.py from benchmarks/cacti/ram.cfg.in with "
             "CACTI 7.0 (HewlettPackard/cacti, 1ffd8df).",
             "# One bank, one read/write port, 350 K. sram: itrs-lop cells + periphery; edram: lp-dram "
             "cells + itrs-lop periphery (65/45/32 nm only: CACTI has no lp-dram data below 32 nm). "
             "Least energy + area within 2x of the fastest access and cycle time. Energies per access "
             "(pJ), area mm2, leakage mW (eDRAM: refresh included by CACTI), access and cycle ns.",
             "# eDRAM write_pj = its read_pj (CACTI's DRAM bitline write energy carries a literal x100 "
             "factor, mat.cc); write_pj_cacti is CACTI's printed write energy.",
             ",".join(cols)]
    lines += [",".join(f"{r[c]:.6g}" if isinstance(r[c], float) else str(r[c]) for c in cols)
              for r in rows if r is not None]
    OUT.write_text("\n".join(lines) + "\n")
    print(f"{len(points) - len(failed)} points -> {OUT}")
    for p in failed:
        print("CACTI found no organisation for", p)


if __name__ == "__main__":
    main()
