"""Speed of the term-serial (value-level) datapaths: Bit-Pragmatic and Laconic on AlexNet and
ResNet-50 at 8 bits. For each pair, in a fresh process (cold imports, warm numba cache):
wall time of the whole ``simulate`` and of the datapath's ``run`` calls alone (trace building and
the engine excluded), with simulated MACs per second.

    python benchmarks/bench_bitlevel.py            # run twice to see the numba cache warm
"""
from __future__ import annotations

from measure import simulate_in_process

PAIRS = [("pragmatic", "alexnet"), ("laconic_1k", "alexnet"),
         ("pragmatic", "resnet50_8b"), ("laconic_1k", "resnet50_8b")]


def main() -> None:
    print(f"{'workload':12s} {'arch':11s} {'simulate s':>10s} {'GMAC/s':>7s} {'run() s':>8s} {'GMAC/s':>7s}")
    for arch, workload in PAIRS:
        f = simulate_in_process(arch, f"workloads/{workload}.yaml", run_only=True)
        sim, run, macs = f["simulate"], f["run"], f["macs"]
        print(f"{workload:12s} {arch:11s} {sim:10.2f} {macs / sim / 1e9:7.2f} {run:8.2f} {macs / run / 1e9:7.2f}")


if __name__ == "__main__":
    main()
