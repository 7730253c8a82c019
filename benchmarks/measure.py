"""Measurement helpers shared by the benchmark scripts. Each measurement runs in a fresh Python
process, so cold imports and the numba cache load are part of what is timed.

    from measure import simulate_in_process
    figures = simulate_in_process("stripes", "workloads/alexnet.yaml")
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CODE = """
import json, resource, sys, time
sys.path.insert(0, {here!r})
import accelsim
from measure import datapath_seconds
arch = accelsim.load_arch({arch!r})
wl = accelsim.load_workload({workload!r})
t = time.perf_counter()
accelsim.simulate(arch, wl)
out = {{"simulate": time.perf_counter() - t, "macs": wl.macs}}
if {run_only}:
    out.update(datapath_seconds(arch, wl))
out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps(out))
"""


def simulate_in_process(arch: str, workload: str | Path, run_only: bool = False) -> dict:
    """Figures of one ``simulate`` in a fresh process: ``simulate`` seconds, ``process`` seconds
    (wall, imports included), ``macs``, ``peak_mb``; with ``run_only`` also ``run`` (the
    datapath's own work) and ``schedule`` (Bit-Tactical's scheduler, when it is used)."""
    arch_file = str(ROOT / f"arch_configs/{arch}.yaml")
    path = Path(workload)
    wl_file = str(path if path.is_absolute() else ROOT / path)
    code = _CODE.format(here=str(Path(__file__).parent), arch=arch_file, workload=wl_file,
                        run_only=run_only)
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    figures["process"] = time.perf_counter() - start
    return figures


def datapath_seconds(arch, workload) -> dict:
    """Seconds the datapath's ``run`` takes over the workload's distinct layers (trace building and
    the engine excluded), and of that the Bit-Tactical scheduler's share."""
    from accelsim.datapaths import tactical_schedule
    from accelsim.workload.trace import build_traces

    timed = {"schedule": 0.0}
    build = tactical_schedule.build

    def timed_build(*args):
        t0 = time.perf_counter()
        out = build(*args)
        timed["schedule"] += time.perf_counter() - t0
        return out

    tactical_schedule.build = timed_build
    dp, run, seen = arch.build(), 0.0, set()
    try:
        for trace in build_traces(workload):
            if trace.key in seen:
                continue
            seen.add(trace.key)
            t = time.perf_counter()
            dp.run(trace)
            run += time.perf_counter() - t
    finally:
        tactical_schedule.build = build
    return {"run": run, **timed}
