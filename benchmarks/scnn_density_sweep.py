"""SCNN, DCNN and DCNN-opt as both operand densities go from 0.1 to 1.0 (the SCNN paper's density
study), on one layer: where does SCNN stop beating the dense baseline?

    python benchmarks/scnn_density_sweep.py [--workload workloads/googlenet_scnn.yaml]
                                            [--layers inception_4a/3x3] [--out benchmarks/results]

Writes <out>/scnn_density.csv and <out>/scnn_density.png and prints the crossover densities.
The default layer is a GoogLeNet inception 3x3 layer, the kind the paper swept [R: the exact
layer is recalled, not verified].
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from accelsim.report.density import crossover, density_figure, density_sweep
from accelsim.spec.arch import load_arch
from accelsim.spec.workload import load_workload

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workload", default="workloads/googlenet_scnn.yaml")
    ap.add_argument("--layers", default="inception_4a/3x3", help="comma-separated layer names")
    ap.add_argument("--out", default="benchmarks/results")
    args = ap.parse_args()
    archs = {name: load_arch(ROOT / f"arch_configs/{name}.yaml") for name in ("dcnn", "dcnn_opt", "scnn")}
    workload = load_workload(ROOT / args.workload).select(args.layers.split(","))
    densities = np.round(np.arange(1, 11) / 10, 2)
    start = time.perf_counter()
    df = density_sweep(archs, workload, densities, baseline="dcnn")
    out = ROOT / args.out
    out.mkdir(parents=True, exist_ok=True)
    df.to_csv(out / "scnn_density.csv", index=False)
    fig = density_figure(df, "dcnn", f"{workload.name}: {args.layers}")
    fig.savefig(out / "scnn_density.png", dpi=130)
    print(df[["density", "arch", "cycles", "joules", "speedup", "energy_efficiency"]].to_string(index=False))
    for arch in ("scnn", "dcnn_opt"):
        print(f"{arch}: faster than dcnn below density {crossover(df, arch, 'speedup'):.2f}, "
              f"less energy below {crossover(df, arch, 'energy_efficiency'):.2f}")
    print(f"sweep took {time.perf_counter() - start:.1f} s; wrote {out / 'scnn_density.csv'} and .png")


if __name__ == "__main__":
    main()
