"""The README's table of designs whose published figures are held back: speedup and energy
efficiency against DaDianNao on the six CNNs of the Toronto papers (geometric means), plus the
extra rows the README quotes. Writes benchmarks/results/family_vs_dadn.csv and prints the table.

    python benchmarks/family_vs_dadn.py
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from accelsim.validation.registry import Runner, geomean

ROOT = Path(__file__).resolve().parents[1]
NETS = ("alexnet", "nin", "googlenet", "vgg_m", "vgg_s", "vgg19")
ROWS = [  # (label, arch, baseline, workload pattern)
    ("dstripes", "dstripes", "dadn", "{}"),
    ("tartan", "tartan", "dadn", "{}_loom"),
    ("tartan_2b", "tartan_2b", "dadn", "{}_loom"),
    ("pragmatic", "pragmatic", "dadn", "{}"),
    ("laconic_1k", "laconic_1k", "dadn", "{}"),
    ("laconic_128", "laconic_128", "dadn", "{}"),
    ("laconic_1k vs 2K-wire", "laconic_1k", "laconic_base_2k", "{}"),
    ("laconic_128 vs 2K-wire", "laconic_128", "laconic_base_2k", "{}"),
    ("tactical_p", "tactical_p", "dadn", "{}"),
    ("tactical_e", "tactical_e", "dadn", "{}"),
    ("tactical_dadn (front-end)", "tactical_dadn", "dadn", "{}"),
]
SINGLE = [  # (label, arch, baseline, workload)
    ("pragmatic, ResNet-50 8b", "pragmatic", "dadn", "resnet50_8b"),
    ("laconic_1k vs 8-bit 2K-wire, ResNet-50 8b", "laconic_1k", "laconic_base_2k_8b", "resnet50_8b"),
    ("tactical_p, pruned AlexNet", "tactical_p", "dadn", "alexnet_pruned"),
    ("tactical_e, pruned AlexNet", "tactical_e", "dadn", "alexnet_pruned"),
    ("tactical_dadn, pruned AlexNet", "tactical_dadn", "dadn", "alexnet_pruned"),
]


def pair(r: Runner, arch: str, base: str, workload: str) -> tuple[float, float]:
    a, b, w = f"arch_configs/{arch}.yaml", f"arch_configs/{base}.yaml", f"workloads/{workload}.yaml"
    return r.speedup(a, b, w), r.efficiency(a, b, w), r.area_ratio(a, b, w)


def main() -> None:
    r = Runner(ROOT, progress=lambda m: print(" ", m, flush=True))
    rows = []
    for label, arch, base, pattern in ROWS:
        figs = [pair(r, arch, base, pattern.format(n)) for n in NETS]
        rows.append({"design": label, "scope": "6 CNNs (geomean)",
                     "speedup": geomean(f[0] for f in figs), "energy_efficiency": geomean(f[1] for f in figs),
                     "area_ratio": figs[0][2]})
    for label, arch, base, workload in SINGLE:
        s, e, a = pair(r, arch, base, workload)
        rows.append({"design": label, "scope": workload, "speedup": s, "energy_efficiency": e,
                     "area_ratio": a})
    df = pd.DataFrame(rows)
    out = ROOT / "benchmarks/results/family_vs_dadn.csv"
    out.parent.mkdir(exist_ok=True)
    df.to_csv(out, index=False)
    print(df.to_string(index=False, float_format=lambda v: f"{v:.2f}"))


if __name__ == "__main__":
    main()
