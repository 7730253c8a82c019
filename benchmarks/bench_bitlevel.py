"""Speed of the term-serial (value-level) datapaths: Bit-Pragmatic and Laconic on AlexNet and
ResNet-50 at 8 bits. For each pair, in a fresh process (cold imports, warm numba cache):
wall time of the whole ``simulate`` and of the datapath's ``run`` calls alone (trace building and
the engine excluded), with simulated MACs per second.

    python benchmarks/bench_bitlevel.py            # run twice to see the numba cache warm
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAIRS = [("pragmatic", "alexnet"), ("laconic_1k", "alexnet"),
         ("pragmatic", "resnet50_8b"), ("laconic_1k", "resnet50_8b")]

CODE = """
import time, accelsim
from accelsim.workload.trace import build_traces
arch = accelsim.load_arch('{root}/arch_configs/{arch}.yaml')
wl = accelsim.load_workload('{root}/workloads/{workload}.yaml')
t = time.perf_counter()
accelsim.simulate(arch, wl)
sim = time.perf_counter() - t
dp, run, seen = arch.build(), 0.0, set()
for trace in build_traces(wl):
    if trace.key in seen:
        continue
    seen.add(trace.key)
    t = time.perf_counter()
    dp.run(trace)
    run += time.perf_counter() - t
print(sim, run, wl.macs)
"""


def one(arch: str, workload: str) -> tuple[float, float, int]:
    code = CODE.format(root=ROOT, arch=arch, workload=workload)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    sim, run, macs = out.stdout.split()
    return float(sim), float(run), int(macs)


def main() -> None:
    print(f"{'workload':12s} {'arch':11s} {'simulate s':>10s} {'GMAC/s':>7s} {'run() s':>8s} {'GMAC/s':>7s}")
    for arch, workload in PAIRS:
        sim, run, macs = one(arch, workload)
        print(f"{workload:12s} {arch:11s} {sim:10.2f} {macs / sim / 1e9:7.2f} {run:8.2f} {macs / run / 1e9:7.2f}")


if __name__ == "__main__":
    main()
