"""Cross-check ShapeShifter and Diffy (on ShapeShifter and on Pragmatic) against DNNsim on the same
integer operands.

    python benchmarks/dnnsim_memformat_crosscheck.py --dnnsim /path/to/DNNsim
    python benchmarks/dnnsim_memformat_crosscheck.py --accelsim-only   # reuse DNNsim figures in the CSV
    python benchmarks/dnnsim_memformat_crosscheck.py --workload tests/data/dnnsim_small.yaml --layers

The export, the batch template, the per-layer result parsing and the operand digest are those of
benchmarks/dnnsim_crosscheck.py (imported, not copied); this script adds DNNsim's ShapeShifter
with one run-ahead register per column, ShapeShifter with ``diffy: true`` and BitPragmatic with
``diffy: true``, and accelsim's matching designs (``dstripes`` as shapeshifter.yaml, ``diffy``,
``diffy_pragmatic``) with the options that make DNNsim's conventions explicit (``DESIGNS``).
Results: benchmarks/results/dnnsim_memformat_crosscheck.{csv,md}. DNNsim is an instrument, never
a dependency: point ``--dnnsim`` at a locally built binary. Finished DNNsim runs are kept in the
work folder (per design and layer) and reused only for the same operands.

How DNNsim computes Diffy (core/src/OutputStationary.cpp fill_window_buffer, ShapeShifter.cpp,
BitPragmatic.cpp, Control.cpp), each point matched by accelsim:
* delta of each window tap = activation - the activation ``stride`` columns to its left (the
  same tap of the previous window along x); the first window of a row (x - stride < 0) raw.
  accelsim: ``diffy.window_deltas`` (left neighbour in the same output row), the same numbers
  once the export's H <-> W transpose is undone; a folded first layer is differenced after the
  fold (stride 1 there) on both sides;
* with diffy every layer is signed (Control: ``arch->diffy() || act->isSigned()``); ShapeShifter
  measures a group's width in two's complement: a negative value counts the bits of ~v
  (|v| - 1), every group adds a sign bit, an all-zero group costs 2 cycles. accelsim's Diffy
  defaults to sign-magnitude (a sign bit only for groups holding a negative value); matched:
  ``signed_precision: twos_complement``;
* BitPragmatic with diffy takes the terms of |delta| (``abs((short)v)``, then its run-of-ones
  "booth" recoding): accelsim's ``encoding: dnnsim`` recodes |delta| the same way and gives the
  term the delta's sign;
* group precision: ``group_size: 1`` (one column of 16 lanes per group) with ``minor_bit: false``
  (leading bits only) is accelsim's ``group_size: 16, leading_only: true``; one run-ahead
  register per column on both sides.
"""
from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dnnsim_crosscheck as base  # noqa: E402  (the reference cross-check's helpers)

ROOT = base.ROOT
OUT_CSV = ROOT / "benchmarks" / "results" / "dnnsim_memformat_crosscheck.csv"
OUT_MD = ROOT / "benchmarks" / "results" / "dnnsim_memformat_crosscheck.md"

_SS = ('architecture: "ShapeShifter"\n        columns: 16\n        ' + base.GRID
       + "        group_size: 1\n        column_registers: 1\n        minor_bit: false\n")
_SS_MATCH = {"fold_first_layer": True, "group_size": 16, "registers": 1, "leading_only": True}

# design -> (DNNsim experiment lines, accelsim arch config, accelsim overrides naming DNNsim's
# conventions).
DESIGNS = {
    "shapeshifter": (_SS, "shapeshifter", _SS_MATCH),
    "shapeshifter_diffy": (_SS + "        diffy: true\n", "diffy",
                           {**_SS_MATCH, "signed_precision": "twos_complement"}),
    "pragmatic_diffy": ('architecture: "BitPragmatic"\n        columns: 16\n        ' + base.GRID
                        + "        bits_first_stage: 2\n        column_registers: 1\n"
                          "        booth_encoding: true\n        diffy: true\n",
                        "diffy_pragmatic", {"fold_first_layer": True, "encoding": "dnnsim"}),
}


def run_dnnsim(binary: Path, work: Path, design: str, name: str, trace) -> dict | None:
    """One layer of one design through DNNsim (as dnnsim_crosscheck.run_dnnsim, with this
    script's designs); its figures, or None if it failed."""
    folder = work / design / name
    done = folder / "cycles.txt"
    if done.exists() and (folder / "operands.txt").read_text().strip() != base.digest(trace):
        done.unlink()
    if not done.exists():
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "operands.txt").write_text(base.digest(trace) + "\n")
        base.export(folder, "net", [(name, name, trace)])
        (folder / "batch").write_text(base.BATCH.format(
            net="net", arch=DESIGNS[design][0], dataflow='dataflow: "WindowFirstOutS"\n        ',
            memory=base.MEMORY))
        link = folder / "DRAMSim2"          # DNNsim reads ./DRAMSim2/ini/<dram_conf>.ini
        if link.is_symlink() and not link.exists():     # left by a run of another binary
            link.unlink()
        if not link.exists():
            link.symlink_to(binary.resolve().parent / "DRAMSim2")
        start = time.perf_counter()
        run = subprocess.run(["nice", "-n", "10", str(binary.resolve()), "--batch", "batch",
                              "--fast_mode", "--quiet"], cwd=folder, capture_output=True, text=True)
        found = sorted((folder / "results" / "net").glob("*.csv")) if run.returncode == 0 else []
        if not found:
            print(f"DNNsim failed on {design} {name}:\n{run.stderr[-2000:]}", file=sys.stderr)
            return None
        cycles = base._cycles(found[-1], name)
        done.write_text(f"{cycles} {time.perf_counter() - start:.1f}\n")
        for f in (folder / "net_traces" / "net").glob("*.npy"):    # traces are large; keep results
            f.unlink()
    cycles, wall = done.read_text().split()
    return {"dnnsim_cycles": int(cycles), "dnnsim_wall_s": float(wall)}


def accelsim_cycles(design: str, trace, matched: bool) -> int:
    _, config, overrides = DESIGNS[design]
    return base.config_cycles(config, overrides if matched else {}, trace)


FIELDS = ["workload", "design", "layer", "parent", "operands", "dnnsim_cycles", "accelsim_matched",
          "ratio", "accelsim_bundled", "dnnsim_wall_s"]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dnnsim", type=Path, help="path of a locally built DNNsim binary")
    p.add_argument("--workload", default=str(ROOT / "workloads" / "alexnet.yaml"))
    p.add_argument("--layers", nargs="*", default=["conv1", "conv2", "conv3", "conv4", "conv5"],
                   help="layer names (none given: every layer)")
    p.add_argument("--design", nargs="+", choices=sorted(DESIGNS), default=list(DESIGNS))
    p.add_argument("--work", type=Path, default=Path("/tmp/dnnsim_memformat_crosscheck"))
    p.add_argument("--accelsim-only", action="store_true")
    p.add_argument("--dnnsim-commit", default="4748a60",
                   help="the DNNsim source commit the binary was built from, for the report")
    a = p.parse_args(argv)
    if not a.accelsim_only and a.dnnsim is None:
        p.error("--dnnsim is required unless --accelsim-only")
    from accelsim.spec.workload import load_workload
    workload = load_workload(a.workload)
    traces = base.split_groups(workload, set(a.layers))
    old = base.previous(OUT_CSV)
    rows = dict(old)
    dnnsim = None if a.accelsim_only else (lambda d, n, t: run_dnnsim(a.dnnsim, a.work, d, n, t))
    rows.update(base.measure(workload.name, a.design, traces, old, dnnsim, accelsim_cycles, width=18))
    out = list(rows.values())
    write(out)   # sorts the rows in the designs' order, for the report too
    report(out, a.dnnsim_commit)
    return 0


def write(rows: list[dict]) -> None:
    base.write(rows, OUT_CSV, DESIGNS, FIELDS)


# Why each design's matched cycles differ from DNNsim's, as far as they do (the report's text).
PASSES = ("**The order of filter passes** (AlexNet conv3 only, a few cycles): DNNsim runs, for each "
          "window set, every filter pass in turn with the run-ahead registers' state carried "
          "across; accelsim synchronises a window set's columns once and repeats that time for "
          "each filter pass. Only a layer with more than one filter pass (conv3: 384 filters, 256 "
          "per pass) and registers > 0 can differ. Replaying accelsim's own per-column costs in "
          "DNNsim's order gives DNNsim's conv3 to the cycle for all three designs (11603, 14818, "
          "6953), and for Pragmatic in dnnsim_crosscheck.md too (6846), whose conv3 note this "
          "traces.")
NOTES = {
    "shapeshifter": "the signed first layer (AlexNet conv1 +0.06%, dnnsim_small s1 -0.75%, "
                    "diffy_smooth d1 -0.58%): DNNsim measures a negative value in two's complement "
                    "(the bits of |v| - 1) and adds a sign bit to every group of a signed layer; "
                    "the Dynamic Stripes datapath of shapeshifter.yaml measures sign-magnitude, a "
                    "sign bit only for groups holding a negative value (Diffy's datapath has the "
                    "option `signed_precision: twos_complement`, Dynamic Stripes does not). "
                    "AlexNet conv3: +5 cycles (0.04%), the order of filter passes.",
    "shapeshifter_diffy": "AlexNet conv3 only: +2 cycles (0.01%), the order of filter passes. "
                          "Without the matched `signed_precision: twos_complement` "
                          "(sign-magnitude, the bundled choice) accelsim is 0.1% to 2.5% below "
                          "DNNsim per layer on the small workloads.",
    "pragmatic_diffy": "AlexNet conv3 only: +3 cycles (0.04%), the order of filter passes.",
}


def report(rows: list[dict], commit: str) -> None:
    """benchmarks/results/dnnsim_memformat_crosscheck.md from the CSV."""
    lines = [
        "# ShapeShifter and Diffy: accelsim vs DNNsim per conv layer (batch 1)", "",
        f"Reference: a locally built DNNsim (commit {commit}), run by "
        "`benchmarks/dnnsim_memformat_crosscheck.py` on the operands accelsim builds for each "
        "workload (AlexNet: workloads/alexnet.yaml, seed 1, synthetic values; dnnsim_small and "
        "diffy_smooth: tests/data, operands from files). Grouped layers run one group per layer (`_g0`, `_g1`). "
        "DNNsim figures are its `compute_cycles`; accelsim figures are the datapath's compute "
        "cycles with the matched options and, for reference, with the bundled configuration.", "",
        "| design | DNNsim | accelsim (kind, config) | matched options |", "|---|---|---|---|",
        "| shapeshifter | ShapeShifter, group_size 1, column_registers 1, minor_bit false | "
        "dstripes, shapeshifter.yaml | fold_first_layer, group_size 16, registers 1, leading_only |",
        "| shapeshifter_diffy | the same + diffy: true | diffy, diffy.yaml | the same + "
        "signed_precision: twos_complement |",
        "| pragmatic_diffy | BitPragmatic, bits_first_stage 2, column_registers 1, booth_encoding, "
        "diffy: true | diffy_pragmatic, diffy_pragmatic.yaml | fold_first_layer, encoding: dnnsim |",
        "", "Every option names a convention (see the script's docstring for how DNNsim computes "
        "Diffy's deltas and widths); the bundled column shows how far each moves the figure.", ""]
    by: dict[str, dict[str, list[dict]]] = {}
    for r in rows:
        by.setdefault(r["workload"], {}).setdefault(r["design"], []).append(r)
    for net in sorted(by, key=lambda n: (n != "alexnet", n)):
        lines += [f"## {net}", "", "| design | layers | within 1% | max abs diff | DNNsim total | "
                  "accelsim matched | ratio | accelsim bundled |", "|---|---|---|---|---|---|---|---|"]
        lines += [line for design, rs in by[net].items() if (line := base.summary_row(design, rs))]
        ss = {d: sum(int(r["dnnsim_cycles"]) for r in by[net].get(d, []) if r.get("dnnsim_cycles"))
              for d in ("shapeshifter", "shapeshifter_diffy")}
        if all(ss.values()):
            lines += ["", f"Diffy's effect in DNNsim itself: ShapeShifter+Diffy / ShapeShifter = "
                      f"{ss['shapeshifter_diffy'] / ss['shapeshifter']:.3f} over these layers"
                      + (" (its synthetic maps are drawn value by value, with no spatial "
                         "correlation, so deltas are wider than the values; Diffy pays off only "
                         "on smooth maps such as diffy_smooth's)." if net == "alexnet" else ".")]
        lines += ["", "| design | layer | DNNsim | accelsim matched | ratio | accelsim bundled |",
                  "|---|---|---|---|---|---|"]
        for design, rs in by[net].items():
            for r in rs:
                lines.append(f"| {design} | {r['layer']} | {r.get('dnnsim_cycles', '')} | "
                             f"{r['accelsim_matched']} | {r.get('ratio', '')} | "
                             f"{r['accelsim_bundled']} |")
        lines.append("")
    lines += ["## Every difference", ""]
    designs = list(dict.fromkeys(r["design"] for r in rows))
    lines += [f"* **{d}**: {NOTES[d]}" for d in designs if d in NOTES]
    others = [d for d in designs if d not in NOTES]
    if others:
        lines.append(f"* {', '.join(others)}: every layer to the cycle.")
    lines += [f"* {PASSES}"]
    OUT_MD.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
