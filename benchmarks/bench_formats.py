"""Speed of the value-level FGMP model on one Llama-2-7B prefill block (sequence 2048): trace
generation + datapath + engine + cost, through ``accelsim.simulate``.

    python benchmarks/bench_formats.py            # the speed figure (target: under 30 s here)
    python benchmarks/bench_formats.py --vs-fp8   # also FGMP's savings against the all-FP8 design

Prints wall and CPU seconds, simulated MACs per second and peak memory; with --vs-fp8, the energy
saving at three scopes and the weight-memory saving of FGMP against vmac_fp8 (the FP8 run re-
quantizes 430 M elements with the numpy minifloat code and takes a few minutes).
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def timed(arch, workload, traces):
    from accelsim import simulate
    wall, cpu = time.perf_counter(), time.process_time()
    result = simulate(arch, workload, traces=traces)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main(argv=None) -> int:
    from accelsim import load_arch, load_workload
    from accelsim.sweep.run import TraceCache
    from accelsim.validation.formats import SCOPES, scoped_energy
    from accelsim.workload.trace import build_trace

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--vs-fp8", action="store_true")
    args = ap.parse_args(argv)
    workload = load_workload(ROOT / "workloads/llama2_7b_prefill.yaml")
    # the speed figure builds every trace (as a plain simulate does); the comparison keeps them
    traces = TraceCache(budget=8 << 30) if args.vs_fp8 else build_trace
    fgmp, wall, cpu = timed(load_arch(ROOT / "arch_configs/fgmp.yaml"), workload, traces)
    macs = sum(l.macs for l in fgmp.layers)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"FGMP value-level, llama2_7b_prefill block ({len(fgmp.layers)} layers, "
          f"{macs / 1e9:.1f} GMACs): {wall:.1f} s wall, {cpu:.1f} s CPU, "
          f"{macs / wall / 1e9:.1f} GMAC/s simulated, peak {rss:.0f} MB")
    if args.vs_fp8:
        fp8, wall8, _ = timed(load_arch(ROOT / "arch_configs/vmac_fp8.yaml"), workload, traces)
        print(f"vmac_fp8 run: {wall8:.1f} s wall")
        for scope in SCOPES:
            s = 1 - scoped_energy(fgmp, scope) / scoped_energy(fp8, scope)
            print(f"energy saving vs all-FP8, {scope:8s} scope: {100 * s:5.1f}%")
        # weights proper: the projections (attention's B operands are activations)
        sizes = {l.name: l.shape.k * l.shape.reduction for l in workload.layers if l.shape.groups == 1}
        wbits = sum(l.extra["fmt_wgt_bits"] * sizes[l.name] for l in fgmp.layers
                    if l.name in sizes) / sum(sizes.values())
        print(f"weight memory: {wbits:.3f} bits per weight vs 8: saving {100 * (1 - wbits / 8):.1f}%")
        print(f"time: {fgmp.seconds * 1e3:.2f} ms vs {fp8.seconds * 1e3:.2f} ms (FP8)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
