"""Reproduce the CACTI audit figures quoted in the README (cost model, miss (g)) and in
benchmarks/cacti/ram.cfg.in: how DaDianNao's weight bank (512 KiB read 1024 bits at a time) and
DaDN's 65 nm 2 MiB x 4096-bit bank depend on the organisation bound, the interconnect projection,
the access mode, and what CACTI's interpolated "28 nm" lp-dram gives against its 32 nm.

    python benchmarks/cacti/audit.py --cacti /path/to/cacti

An instrument run (a few minutes): nothing here is read at run time.
"""
from __future__ import annotations

import argparse
import re
from pathlib import Path

import gen_tables as g

BOUND = "100:100000:100000:100:100000"           # the tables' -deviate (ram.cfg.in)
BANKS = (("edram", 32, 512 << 10, 1024), ("edram", 65, 2 << 20, 4096))
PATTERNS = {"read": r"Total dynamic read energy per access \(nJ\)", "write": r"Total dynamic write energy per access \(nJ\)",
            "area": r"Data array: Area \(mm2\)", "access": r"Access time \(ns\)", "cycle": r"Cycle time \(ns\)"}


def figures(cacti: Path, template: str, cell: str, node: int, capacity: int, width: int) -> dict | None:
    out = g.cacti_output(cacti, g.config(template, cell, node, capacity, width))
    found = {k: re.search(p + r"[^\n]*?:\s*([\d.eE+-]+)", out) for k, p in PATTERNS.items()}
    if any(m is None for m in found.values()):
        return None
    return {k: float(m.group(1)) for k, m in found.items()}


def line(label: str, bank: tuple, f: dict | None) -> str:
    if f is None:
        return f"{label:28s} {bank}: CACTI found no organisation"
    width = bank[3]
    return (f"{label:28s} {bank[0]} {bank[1]} nm {bank[2] >> 10} KiB x {width} b: read "
            f"{f['read'] * 1e3 / width:.3f} pJ/bit, write {f['write'] * 1e3 / width:.3f} pJ/bit, "
            f"{f['area']:.3f} mm2, access {f['access']:.2f} ns, cycle {f['cycle']:.2f} ns")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cacti", type=Path, required=True, help="path to a built CACTI 7 binary")
    args = ap.parse_args()
    base = "\n".join(ln for ln in (g.HERE / "ram.cfg.in").read_text().splitlines()
                     if not ln.startswith("#")) + "\n"
    assert BOUND in base, "ram.cfg.in's -deviate changed: update BOUND"
    variants = [(f"bound {d}%", base.replace(BOUND, f"{d}:100000:100000:{d}:100000"))
                for d in (50, 100, 200, 400)]
    variants.append(("unbounded (before 2026-12)",
                     base.replace(BOUND, "100000:100000:100000:100000:100000")))
    variants.append(("aggressive interconnect", base.replace('"conservative"', '"aggressive"')))
    variants.append(("access mode fast", base.replace('"normal"', '"fast"')))
    for bank in BANKS:
        for label, template in variants:
            print(line(label, bank, figures(args.cacti, template, *bank)))
    # "28 nm" lp-dram: CACTI interpolates 32 nm with 22nm.dat, whose lp-dram column is all zeros
    for node in (32, 28):
        bank = ("edram", node, 512 << 10, 1024)
        print(line(f"lp-dram at {node} nm", bank, figures(args.cacti, base, *bank)))


if __name__ == "__main__":
    main()
