"""Stripes vs DaDianNao on the six CNNs of the Stripes paper (MICRO 2016 abstract, docs/references.md#stripes-headline).

Averages are geometric means over the networks (the paper's "average"; which mean it used is not
in the notes). Tolerance 10%: the per-layer precision profiles are recalled, not re-verified.
"""
from __future__ import annotations

from accelsim.validation.registry import Measured, Runner, Target, geomean

NETWORKS = ("alexnet", "nin", "googlenet", "vgg_m", "vgg_s", "vgg19")
CONFIG = "16 tiles x 16x16 SIPs vs DaDN 16 tiles x 16 IPs, per-layer Pa (Stripes Table 2), FC at 1x, 65 nm"
SOURCE = "Judd et al., Stripes, MICRO 2016, abstract"


def _per_network(fn) -> Measured:
    details = {n: fn(f"workloads/{n}.yaml") for n in NETWORKS}
    return Measured(geomean(details.values()), details)


def _speedup(r: Runner) -> Measured:
    return _per_network(lambda w: r.speedup("arch_configs/stripes.yaml", "arch_configs/dadn.yaml", w))


def _efficiency(r: Runner) -> Measured:
    return _per_network(lambda w: r.efficiency("arch_configs/stripes.yaml", "arch_configs/dadn.yaml", w,
                                               "on-chip"))


MEMORY = ("weights", "activations", "outputs", "dram")


def _area(r: Runner) -> Measured:
    w = "workloads/alexnet.yaml"
    logic = [sum(v for k, v in r.result(a, w).area.items() if k not in MEMORY)
             for a in ("arch_configs/stripes.yaml", "arch_configs/dadn.yaml")]
    return Measured(r.area_ratio("arch_configs/stripes.yaml", "arch_configs/dadn.yaml", w),
                    {"datapath logic only": logic[0] / logic[1]})


TARGETS = [
    Target("Stripes", "speedup vs DaDN (geomean, 6 CNNs)", 1.92, 0.10, CONFIG, SOURCE, _speedup),
    # on-chip: the paper prices the chip with its eDRAM, the model held on chip [R]
    Target("Stripes", "energy efficiency vs DaDN", 1.57, 0.10, CONFIG, SOURCE, _efficiency,
           scope="on-chip"),
    Target("Stripes", "area vs DaDN", 1.32, 0.10, CONFIG, SOURCE, _area),
]
