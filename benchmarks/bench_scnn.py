"""Simulation speed of SCNN: all of pruned VGG-16 (workloads/vgg16_scnn.yaml) at its published
densities, target under 60 s on the 2-core development machine. Prints wall time per layer
(operand generation and simulation together) and in total, and the same for the DCNN baselines.

    python benchmarks/bench_scnn.py [--workload workloads/vgg16_scnn.yaml] [--arch scnn]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

from accelsim.engine.simulate import simulate
from accelsim.spec.arch import load_arch
from accelsim.spec.workload import load_workload

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workload", default="workloads/vgg16_scnn.yaml")
    ap.add_argument("--arch", action="append", help="arch names (default scnn, dcnn, dcnn_opt)")
    args = ap.parse_args()
    workload = load_workload(ROOT / args.workload)
    tiny = load_workload(ROOT / "tests/data/tiny.yaml")
    for name in args.arch or ["scnn", "dcnn", "dcnn_opt"]:
        arch = load_arch(ROOT / f"arch_configs/{name}.yaml")
        simulate(arch, tiny)               # load the cached numba kernels outside the timing
        marks = []
        start = time.perf_counter()
        result = simulate(arch, workload,
                          progress=lambda i, n, layer: marks.append((layer, time.perf_counter())))
        total = time.perf_counter() - start
        prev = start
        for layer, t in marks:
            print(f"  {name:9s} {layer:14s} {t - prev:6.2f} s")
            prev = t
        print(f"{name}: {workload.name}, {len(workload.layers)} layers, {total:.1f} s wall, "
              f"{result.cycles:,} cycles, {result.joules * 1e3:.2f} mJ")


if __name__ == "__main__":
    main()
