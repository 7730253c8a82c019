"""Speed and memory of the spine: wall time and simulated MACs per second for AlexNet and ResNet-50
on dadn, stripes and dstripes, plus peak memory (RSS) of the process.

    python benchmarks/bench_spine.py            # prints a table; run twice to see the numba cache warm
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one(arch: str, workload: str) -> tuple[float, int, float]:
    """Run one simulation in a fresh process (cold imports included) and return its figures."""
    code = (
        "import time, resource, accelsim\n"
        "t = time.perf_counter()\n"
        f"r = accelsim.simulate(accelsim.load_arch('{ROOT}/arch_configs/{arch}.yaml'), "
        f"accelsim.load_workload('{ROOT}/workloads/{workload}.yaml'))\n"
        "print(time.perf_counter() - t, sum(l.macs for l in r.layers), "
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    sim, macs, rss = out.stdout.split()
    return float(sim), int(macs), float(rss)


def cli(arch: str, workload: str) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "accelsim.cli", "run", f"{ROOT}/arch_configs/{arch}.yaml",
                    f"{ROOT}/workloads/{workload}.yaml", "-q"], check=True)
    return time.perf_counter() - t


def main() -> None:
    print(f"{'workload':10s} {'arch':9s} {'simulate s':>10s} {'end-to-end s':>12s} {'GMAC/s sim':>11s} {'peak MB':>8s}")
    for workload in ("alexnet", "resnet50"):
        for arch in ("dadn", "stripes", "dstripes"):
            sim, macs, rss = one(arch, workload)
            wall = cli(arch, workload)
            print(f"{workload:10s} {arch:9s} {sim:10.2f} {wall:12.2f} {macs / sim / 1e9:11.2f} {rss:8.0f}")


if __name__ == "__main__":
    main()
