"""Speed of the systolic baseline: all of ResNet-50 (54 layers) through ``simulate`` (traces,
folding, engine, energy) on the bundled 32x32 arrays, cold (first simulation in the process)
and warm (best of 3).

    python benchmarks/bench_systolic.py
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> int:
    from accelsim.engine.simulate import simulate
    from accelsim.spec.arch import load_arch
    from accelsim.spec.workload import load_workload

    workload = load_workload(ROOT / "workloads" / "resnet50.yaml")
    print(f"workload {workload.name}: {len(workload.layers)} layers, {workload.macs:,} MACs")
    for df in ("ws", "os", "is"):
        arch = load_arch(ROOT / "arch_configs" / f"systolic_32x32_{df}.yaml")
        times = []
        for _ in range(4):
            t = time.perf_counter()
            result = simulate(arch, workload)
            times.append(time.perf_counter() - t)
        total = result.totals().iloc[0]
        layers = result.per_layer()
        print(f"{arch.name:20s} cold {times[0]:5.2f} s  warm {min(times[1:]):5.2f} s  "
              f"compute {int(layers.compute_cycles.sum()):>10,} cycles  "
              f"total {int(layers.cycles.sum()):>10,} cycles  "
              f"utilisation {workload.macs / (1024 * layers.compute_cycles.sum()):5.1%}  "
              f"energy {total['energy_J'] * 1e3:7.3f} mJ")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
