"""Speed of the bit-serial weight designs: wall time and simulated MACs per second for Loom (1, 2
and 4 bits, and its bit-parallel baseline) and Tartan (1 and 2 bits) on AlexNet and ResNet-50,
plus peak memory (RSS). Each run is a fresh process, so cold imports and the numba cache load are
included in the end-to-end column.

    python benchmarks/bench_bitserial.py
"""
from __future__ import annotations

from measure import simulate_in_process

ARCHS = ("loom", "loom_2b", "loom_4b", "loom_base", "tartan", "tartan_2b")
WORKLOADS = ("alexnet", "resnet50")


def main() -> None:
    print(f"{'workload':10s} {'arch':10s} {'simulate s':>10s} {'process s':>10s} {'GMAC/s sim':>11s} {'peak MB':>8s}")
    for workload in WORKLOADS:
        for arch in ARCHS:
            f = simulate_in_process(arch, f"workloads/{workload}.yaml")
            print(f"{workload:10s} {arch:10s} {f['simulate']:10.2f} {f['process']:10.2f} "
                  f"{f['macs'] / f['simulate'] / 1e9:11.2f} {f['peak_mb']:8.0f}", flush=True)


if __name__ == "__main__":
    main()
