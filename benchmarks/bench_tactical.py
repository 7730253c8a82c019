"""Speed of Bit-Tactical: TCLp, TCLe and the front-end over a DaDN back-end (tactical_dadn), on
ResNet-50 at 8 bits (dense weights: every filter set keeps the dense schedule) and on a pruned copy
(weight density 0.4 in every layer: each filter set gets its own schedule and costs), pruned
AlexNet, and TCLe on VGG-19 (dense; its 100M-weight fc6 dominates, weights drawn included). Each
run is a fresh process (cold imports, warm numba cache): wall time of ``simulate``, of the
datapath's ``run`` calls alone, of the scheduler kernel alone, and peak memory.

    python benchmarks/bench_tactical.py            # run twice to see the numba cache warm
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from measure import ROOT, simulate_in_process

RUNS = [("tactical_p", "resnet50_8b"), ("tactical_e", "resnet50_8b"), ("tactical_dadn", "resnet50_8b"),
        ("tactical_p", "PRUNED"), ("tactical_e", "PRUNED"),
        ("tactical_p", "alexnet_pruned"), ("tactical_e", "alexnet_pruned"), ("tactical_e", "vgg19")]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        pruned = Path(tmp) / "resnet50_8b_pruned.yaml"
        pruned.write_text(f"base: {ROOT}/workloads/resnet50_8b.yaml\nname: resnet50_8b_pruned\n"
                          "set: {wgt: {density: 0.4}}\n")
        print(f"{'workload':22s} {'design':14s} {'simulate s':>10s} {'run s':>7s} "
              f"{'schedule s':>10s} {'GMAC/s':>7s} {'peak MB':>8s}")
        for arch, workload in RUNS:
            path = pruned if workload == "PRUNED" else ROOT / f"workloads/{workload}.yaml"
            f = simulate_in_process(arch, path, run_only=True)
            print(f"{path.stem:22s} {arch:14s} {f['simulate']:10.1f} {f['run']:7.1f} {f['schedule']:10.1f} "
                  f"{f['macs'] / f['simulate'] / 1e9:7.1f} {f['peak_mb']:8.0f}")


if __name__ == "__main__":
    main()
