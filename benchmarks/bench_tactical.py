"""Speed of Bit-Tactical: TCLp, TCLe and the front-end over a DaDN back-end, on ResNet-50 at 8 bits
(dense weights: every filter set keeps the dense schedule) and on a pruned copy (weight density
0.4 in every layer: each filter set gets its own schedule and costs), plus pruned AlexNet. Each run
is a fresh process (cold imports, warm numba cache): wall time of ``simulate``, of the datapath's
``run`` calls alone, of the scheduler kernel alone, and peak memory.

    python benchmarks/bench_tactical.py            # run twice to see the numba cache warm
"""
from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FRONT_END = "backend=bitparallel,windows=1"        # the schedule over DaDN's inner-product units
RUNS = [("tactical_p", "", "resnet50_8b"), ("tactical_e", "", "resnet50_8b"),
        ("tactical_p", FRONT_END, "resnet50_8b"),
        ("tactical_p", "", "PRUNED"), ("tactical_e", "", "PRUNED"),
        ("tactical_p", "", "alexnet_pruned"), ("tactical_e", "", "alexnet_pruned")]

CODE = """
import dataclasses, resource, time, accelsim
from accelsim.datapaths import tactical_schedule
from accelsim.workload.trace import build_traces
arch = accelsim.load_arch('{root}/arch_configs/{arch}.yaml')
params = dict(kv.split('=') for kv in '{params}'.split(',') if kv)
params = {{k: int(v) if v.isdigit() else v for k, v in params.items()}}
arch = dataclasses.replace(arch, datapath=dataclasses.replace(
    arch.datapath, params=dataclasses.replace(arch.datapath.params, **params)))
wl = accelsim.load_workload('{workload}')
t = time.perf_counter()
accelsim.simulate(arch, wl)
sim = time.perf_counter() - t
dp, run, sched, seen = arch.build(), 0.0, 0.0, set()
build = tactical_schedule.build
def timed_build(*a):
    global sched
    t0 = time.perf_counter()
    out = build(*a)
    sched += time.perf_counter() - t0
    return out
tactical_schedule.build = timed_build
for trace in build_traces(wl):
    if trace.key in seen:
        continue
    seen.add(trace.key)
    t = time.perf_counter()
    dp.run(trace)
    run += time.perf_counter() - t
print(sim, run, sched, wl.macs, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def one(arch: str, params: str, workload: str) -> list[float]:
    code = CODE.format(root=ROOT, arch=arch, params=params, workload=workload)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return [float(x) for x in out.stdout.split()]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        pruned = Path(tmp) / "resnet50_8b_pruned.yaml"
        pruned.write_text(f"base: {ROOT}/workloads/resnet50_8b.yaml\nname: resnet50_8b_pruned\n"
                          "set: {wgt: {density: 0.4}}\n")
        print(f"{'workload':22s} {'design':20s} {'simulate s':>10s} {'run s':>7s} "
              f"{'schedule s':>10s} {'GMAC/s':>7s} {'peak MB':>8s}")
        for arch, params, workload in RUNS:
            path = pruned if workload == "PRUNED" else ROOT / f"workloads/{workload}.yaml"
            sim, run, sched, macs, rss = one(arch, params, str(path))
            design = arch + (" front-end" if params else "")
            print(f"{path.stem:22s} {design:20s} {sim:10.1f} {run:7.1f} {sched:10.1f} "
                  f"{macs / sim / 1e9:7.1f} {rss:8.0f}")


if __name__ == "__main__":
    main()
