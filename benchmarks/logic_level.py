"""What-if: every logic price at the level DaDianNao's node layout implies, and what the validation
targets would then read. Not a calibration accelsim applies: a sensitivity study.

The layout (accelsim/validation/dadiannao.py) leaves 7.96 - 6.12 = 1.84 W outside memory for the
modelled scope at full activity, where accelsim's sourced prices (Horowitz arithmetic, Aladdin
flip-flops against Horowitz's adder, the calibrated clock tree, CACTI wires at activity 0.5) give
about 3.3 W. This script derives the factor K that closes that gap (logic dynamic power only; leakage
and memories untouched), prices every logic anchor at K x its value through the arch files' own
``costs: table`` (the mechanism a user has), and runs the targets both ways.

    python benchmarks/logic_level.py                        # K from the layout, every target
    python benchmarks/logic_level.py --scale 0.7 --only Stripes,Loom
"""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import yaml

from accelsim.cost import tables
from accelsim.validation import dadiannao
from accelsim.validation.registry import Runner, targets

ROOT = Path(__file__).resolve().parents[1]
# The energy anchors every logic price derives from (the Aladdin figures are ratios to Aladdin's
# adder carried onto Horowitz's, so they follow the Horowitz adder), and the wires' activity.
LOGIC = ("horowitz_int_add_8b", "horowitz_int_add_32b", "horowitz_int_mult_8b", "horowitz_int_mult_32b",
         "horowitz_fp_add_16b", "horowitz_fp_add_32b", "horowitz_fp_mult_16b", "horowitz_fp_mult_32b",
         "fp_mult_sig_4b", "fp_mult_sig_2b", "wire_activity")


def layout_scale(r: Runner) -> float:
    """K such that DaDN at DaDianNao's node draws the layout's non-memory power."""
    b = dadiannao.breakdown(r)
    logic_leak = dadiannao.leakage(r)["logic"]
    dynamic = sum(b.values()) - b["memory"] - logic_leak
    return (dadiannao.SCOPE_W - 6.12 - logic_leak) / dynamic


def scaled_root(k: float, into: Path) -> Path:
    """A copy of the bundled arch files, each pricing its logic anchors at k x the bundled value;
    the workloads are linked, not copied."""
    table = {}
    for name in LOGIC:
        e = tables.get(name)
        table[name] = {"value": e.value * k, "unit": e.unit, "node_nm": e.node_nm,
                       "source": f"what-if: {k:.3f} x bundled ({e.source})", "conf": "A"}
    (into / "logic_level.yaml").write_text(yaml.safe_dump(table, sort_keys=False))
    (into / "workloads").symlink_to(ROOT / "workloads")
    arch_dir = into / "arch_configs"
    arch_dir.mkdir()
    for f in (ROOT / "arch_configs").glob("*.yaml"):
        data = yaml.safe_load(f.read_text())
        costs = data.setdefault("costs", {})
        if "table" in costs:     # an arch with its own table keeps it (the what-if skips it)
            print(f"  {f.name}: has its own cost table, left at the bundled logic level")
        else:
            costs["table"] = str(into / "logic_level.yaml")
        if "ram_table" in costs:           # a relative path stays relative to the original file
            costs["ram_table"] = str(f.parent / costs["ram_table"])
        (arch_dir / f.name).write_text(yaml.safe_dump(data, sort_keys=False))
    return into


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, help="logic price factor (default: from the layout)")
    ap.add_argument("--only", default="", help="comma-separated target designs (default: all)")
    args = ap.parse_args()
    base = Runner(ROOT)
    k = args.scale if args.scale is not None else layout_scale(base)
    print(f"logic priced at K = {k:.3f} x the bundled anchors"
          + ("" if args.scale is not None else " (DaDianNao's layout: 1.84 W outside memory)"))
    only = {d.strip() for d in args.only.split(",") if d.strip()}
    chosen = [t for t in targets() if not only or t.design in only]
    with tempfile.TemporaryDirectory() as tmp:
        what_if = Runner(scaled_root(k, Path(tmp)))
        print(f"{'design':24s} {'metric':52s} {'published':>10s} {'bundled':>9s} {'K x logic':>9s}")
        for t in chosen:
            now, then = t.measure(base).value, t.measure(what_if).value
            print(f"{t.design[:24]:24s} {t.metric[:52]:52s} {t.published:10.3f} {now:9.3f} {then:9.3f}")


if __name__ == "__main__":
    main()
