"""Loom (1-bit, 128 16b x 16b MAC-equivalent) vs its equal-peak bit-parallel baseline on the six
CNNs of the Loom paper (Sharify et al., DAC 2018 / arXiv 1706.07853 v2 abstract; docs/references.md#loom-headline
and sec. 15): 4.38x faster, 3.54x more energy efficient, on average, without accuracy loss.

Workloads are ``workloads/<net>_loom.yaml``: the Stripes activation profiles plus Loom's weight
precisions, recalled from the paper's table and not re-read [R] (see those files). Averages are
geometric means over the networks (which mean the paper used is not in the notes). Tolerances are
wide and fixed in advance: the weight profiles are recalled, the paper's group size and memories
are not in the notes, and synthetic activations leave less to trim at run time than real ones.
"""
from __future__ import annotations

from accelsim.validation.registry import Measured, Runner, Target, geomean

NETWORKS = ("alexnet", "nin", "googlenet", "vgg_s", "vgg_m", "vgg19")
LOOM, BASE = "arch_configs/loom.yaml", "arch_configs/loom_base.yaml"
CONFIG = ("LM 1-bit, 128 rows x 16 columns of SIPs (2K) vs 8 x 16 bit-parallel MACs, same memories; "
          "per-layer Pa (Stripes profile) trimmed at run time per 256 activations, Pw per layer [R]")
SOURCE = "Sharify et al., Loom, DAC 2018 (arXiv 1706.07853 v2), abstract"


def _per_network(fn) -> Measured:
    details = {n: fn(f"workloads/{n}_loom.yaml") for n in NETWORKS}
    return Measured(geomean(details.values()), details)


def _speedup(r: Runner) -> Measured:
    return _per_network(lambda w: r.speedup(LOOM, BASE, w))


def _efficiency(r: Runner) -> Measured:
    return _per_network(lambda w: r.efficiency(LOOM, BASE, w, "on-chip"))


TARGETS = [
    Target("Loom", "speedup vs equal-peak bit-parallel (geomean, 6 CNNs)", 4.38, 0.15, CONFIG, SOURCE, _speedup),
    # on-chip: the paper's energy is the accelerator chip's, as in Stripes [R]
    Target("Loom", "energy efficiency vs equal-peak bit-parallel", 3.54, 0.25, CONFIG, SOURCE, _efficiency,
           scope="on-chip"),
]
