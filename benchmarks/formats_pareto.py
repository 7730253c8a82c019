"""Quantization error against energy per inference for every number-format design on one workload.

    python benchmarks/formats_pareto.py                       # BERT-base, seq 128 (about a minute)
    python benchmarks/formats_pareto.py --workload llama2_7b_prefill   # one Llama-2-7B block (long)

Writes benchmarks/results/formats_pareto[_<workload>].csv and .png and prints the table. All designs
share the 16 x 16 x 16 VMAC frame at 16 nm (arch_configs/vmac_*.yaml, vsquant_*, fgmp, lns_madam).
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARCHS = ("vmac_int8", "vmac_fp8", "vmac_fp16", "vmac_fp32", "vsquant_4b", "vsquant_w4a8", "fgmp",
         "lns_madam")


def main(argv=None) -> int:
    from accelsim import load_arch, load_workload, simulate
    from accelsim.report.pareto import format_points, pareto_figure
    from accelsim.sweep.run import TraceCache

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workload", default="bert_base")
    ap.add_argument("--archs", nargs="+", default=list(ARCHS))
    args = ap.parse_args(argv)
    workload = load_workload(ROOT / "workloads" / f"{args.workload}.yaml")
    cache = TraceCache()
    results = []
    for name in args.archs:
        print(f"simulating {name} on {workload.name}", file=sys.stderr, flush=True)
        results.append(simulate(load_arch(ROOT / "arch_configs" / f"{name}.yaml"), workload,
                                traces=cache))
    points = format_points(results)
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    stem = "formats_pareto" + ("" if args.workload == "bert_base" else f"_{args.workload}")
    points.to_csv(out / f"{stem}.csv", index=False)
    pareto_figure(points).savefig(out / f"{stem}.png", dpi=120)
    shown = points.assign(energy_mJ=points["energy_J"] * 1e3,
                          datapath_mJ=points["datapath_energy_J"] * 1e3,
                          ms=points["seconds"] * 1e3, area_mm2=points["area_m2"] * 1e6)
    print(shown[["arch", "energy_mJ", "datapath_mJ", "ms", "area_mm2", "act_sqnr_db", "wgt_sqnr_db",
                 "sqnr_db", "pareto"]].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"wrote {out / stem}.csv and .png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
