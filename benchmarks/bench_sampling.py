"""`--sample` against the full run: speed, cycles within the printed error, memory kept.

For Bit-Pragmatic on VGG-19 (value-level), the conv layers alone and the whole network, and a
DRAM-bound variant (weights and activations streamed over a 2 GB/s DRAM): wall time of the full
and the 10 % sampled simulate (after a warm-up run, so neither pays imports or kernel loading),
cycles with the sample's own standard error and whether the full run lies within two of them,
stalls, DRAM bytes and energy. VGG-19's FC layers have too few filter passes (16, 16, 4) for a
10 % sample and run in full; Pragmatic reads no weights, so the sampled run draws only a few
filter blocks of each layer for the weights' SQNR.

    python benchmarks/bench_sampling.py
"""
from __future__ import annotations

import time
from pathlib import Path

import yaml

import accelsim
from accelsim.engine.sampling import Sampling
from accelsim.spec.arch import arch_from_dict

ROOT = Path(__file__).resolve().parents[1]


def dram_bound(arch_file: Path):
    data = yaml.safe_load(arch_file.read_text())
    data["memory"].update(weights_resident="none", activations_on_chip=False)
    data["memory"]["dram"]["bandwidth_gb_s"] = 2.0
    return arch_from_dict(data, f"{arch_file.stem}_dram_bound")


def compare(label: str, arch, workload) -> None:
    t = time.perf_counter()
    full = accelsim.simulate(arch, workload)
    t_full = time.perf_counter() - t
    t = time.perf_counter()
    est = accelsim.simulate(arch, workload, sample=Sampling(0.1))
    t_est = time.perf_counter() - t
    err = sum((l.extra.get("cycles_rel_stderr", 0) * l.cycles) ** 2 for l in est.layers) ** 0.5
    stalls = [sum(l.stall_cycles for l in r.layers) for r in (full, est)]
    dram = [sum(l.dram_bytes for l in r.layers) for r in (full, est)]
    inside = "yes" if abs(est.cycles - full.cycles) <= 2 * err else "NO"
    print(f"{label:28s} {t_full:7.1f} {t_est:7.1f} {t_full / t_est:6.2f}x "
          f"{est.cycles / full.cycles - 1:+8.4%} {err / est.cycles:7.4%} {inside:>6s} {stalls[0]:>10,} "
          f"{stalls[1]:>10,} {dram[1] / dram[0] - 1:+8.4%} {est.joules / full.joules - 1:+8.4%}")


def main() -> None:
    arch_file = ROOT / "arch_configs/pragmatic.yaml"
    vgg = accelsim.load_workload(ROOT / "workloads/vgg19.yaml")
    convs = vgg.select([l.name for l in vgg.layers if l.kind.value == "conv"])
    for layer, sample in (("conv5_1", None), ("conv3_1", Sampling(0.1)), ("fc8", Sampling(0.1))):
        accelsim.simulate(accelsim.load_arch(arch_file), vgg.select([layer]), sample=sample)   # warm-up
    print(f"{'case':28s} {'full s':>7s} {'10% s':>7s} {'speed':>7s} {'cycles':>8s} {'stderr':>7s} "
          f"{'in 2SE':>6s} {'stalls':>10s} {'sampled':>10s} {'DRAM':>8s} {'energy':>8s}")
    compare("pragmatic vgg19 conv", accelsim.load_arch(arch_file), convs)
    compare("pragmatic vgg19 all", accelsim.load_arch(arch_file), vgg)
    compare("pragmatic dram-bound conv", dram_bound(arch_file), convs)
    compare("pragmatic dram-bound all", dram_bound(arch_file), vgg)


if __name__ == "__main__":
    main()
