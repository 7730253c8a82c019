"""Speed of the bit-serial weight designs: wall time and simulated MACs per second for Loom (1, 2
and 4 bits, and its bit-parallel baseline) and Tartan (1 and 2 bits) on AlexNet and ResNet-50,
plus peak memory (RSS). Each run is a fresh process, so cold imports and the numba cache load are
included in the end-to-end column.

    python benchmarks/bench_bitserial.py
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARCHS = ("loom", "loom_2b", "loom_4b", "loom_base", "tartan", "tartan_2b")
WORKLOADS = ("alexnet", "resnet50")


def one(arch: str, workload: str) -> tuple[float, float, int, float]:
    """(simulate seconds, process seconds, MACs, peak RSS MB) of one simulation."""
    code = (
        "import time, resource, accelsim\n"
        "t = time.perf_counter()\n"
        f"r = accelsim.simulate(accelsim.load_arch('{ROOT}/arch_configs/{arch}.yaml'), "
        f"accelsim.load_workload('{ROOT}/workloads/{workload}.yaml'))\n"
        "print(time.perf_counter() - t, sum(l.macs for l in r.layers), "
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n"
    )
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    sim, macs, rss = out.stdout.split()
    return float(sim), wall, int(macs), float(rss)


def main() -> None:
    print(f"{'workload':10s} {'arch':10s} {'simulate s':>10s} {'process s':>10s} {'GMAC/s sim':>11s} {'peak MB':>8s}")
    for workload in WORKLOADS:
        for arch in ARCHS:
            sim, wall, macs, rss = one(arch, workload)
            print(f"{workload:10s} {arch:10s} {sim:10.2f} {wall:10.2f} {macs / sim / 1e9:11.2f} {rss:8.0f}",
                  flush=True)


if __name__ == "__main__":
    main()
