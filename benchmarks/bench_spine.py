"""Speed and memory of the spine: wall time and simulated MACs per second for AlexNet and ResNet-50
on dadn, stripes and dstripes, plus peak memory (RSS) of the process and the CLI end to end.

    python benchmarks/bench_spine.py            # prints a table; run twice to see the numba cache warm
"""
from __future__ import annotations

import subprocess
import sys
import time

from measure import ROOT, simulate_in_process


def cli(arch: str, workload: str) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "accelsim.cli", "run", f"{ROOT}/arch_configs/{arch}.yaml",
                    f"{ROOT}/workloads/{workload}.yaml", "-q"], check=True)
    return time.perf_counter() - t


def main() -> None:
    print(f"{'workload':10s} {'arch':9s} {'simulate s':>10s} {'end-to-end s':>12s} {'GMAC/s sim':>11s} {'peak MB':>8s}")
    for workload in ("alexnet", "resnet50"):
        for arch in ("dadn", "stripes", "dstripes"):
            f = simulate_in_process(arch, f"workloads/{workload}.yaml")
            wall = cli(arch, workload)
            print(f"{workload:10s} {arch:9s} {f['simulate']:10.2f} {wall:12.2f} "
                  f"{f['macs'] / f['simulate'] / 1e9:11.2f} {f['peak_mb']:8.0f}", flush=True)


if __name__ == "__main__":
    main()
