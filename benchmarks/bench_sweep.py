"""Sweep throughput: AlexNet points per minute on the local process pool and on a two-worker Dask
LocalCluster, for a bit-serial design space (Dynamic Stripes: precision-group size x run-ahead
registers x DRAM, against DaDianNao).

    python benchmarks/bench_sweep.py            # 60 points
    python benchmarks/bench_sweep.py --repeat 2

Each run starts from an empty results store and cold workers, so the figures include every
worker's first trace build (AlexNet's synthetic operands, ~60 M weights) and its baseline
simulation; later points reuse both from the worker's caches. Each Dask run gets a new cluster,
started before the clock runs (``--scheduler`` connects to a cluster that already exists), then a
second sweep on the same, now warm, cluster shows what persistent workers save.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SWEEP = {
    "name": "bench",
    "arch": "arch_configs/dstripes.yaml",
    "workload": "workloads/alexnet.yaml",
    "baseline": "arch_configs/dadn.yaml",
    "axes": {
        "datapath.params.group_size": [16, 32, 64, 128, 256],
        "datapath.params.registers": [0, 1, 2, 4],
        "memory.dram.type": ["DDR4", "LPDDR5", "HBM2"],
        "memory.dram.bandwidth_gb_s": [25.6, 51.2, 256],
    },
    "zip": [["memory.dram.type", "memory.dram.bandwidth_gb_s"]],
}


def run(label: str, **where) -> dict:
    from accelsim import run_sweep
    first = []
    with tempfile.TemporaryDirectory() as store:
        report = run_sweep(SWEEP, Path(store) / "s", folder=ROOT,
                           progress=lambda p: first.append(p.elapsed) if p.done == 1 else None, **where)
    rate = report.computed / report.seconds * 60
    print(f"{label:28s} {report.computed:4d} points {report.seconds:7.2f} s {rate:8.1f} points/min   "
          f"first point after {first[0]:5.2f} s   layers {report.layers_simulated} simulated, "
          f"{report.layers_reused} reused", flush=True)
    return {"seconds": report.seconds, "rate": rate}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=1, help="runs of each (the medians are compared)")
    args = ap.parse_args()
    from distributed import LocalCluster

    print(f"sweep: {SWEEP['arch']} on {SWEEP['workload']} vs {SWEEP['baseline']}, 60 points")
    local, dask = [], []
    for _ in range(args.repeat):
        local.append(run("local pool, 2 processes", workers=2))
        t0 = time.perf_counter()
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                          dashboard_address=None) as cluster:
            print(f"{'  (Dask LocalCluster start-up':28s} {time.perf_counter() - t0:.2f} s, not timed)")
            dask.append(run("Dask LocalCluster, 2 workers", scheduler=cluster.scheduler_address))
            # The same cluster again: its workers keep their traces and baselines between sweeps.
            run("  same cluster, warm workers", scheduler=cluster.scheduler_address)
    t_local = statistics.median(r["seconds"] for r in local)
    t_dask = statistics.median(r["seconds"] for r in dask)
    print(f"local pool: {60 / t_local * 60:.0f} points/min (target >= 100); "
          f"Dask / local time, both cold: {t_dask / t_local:.2f} (target <= 1.2)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
