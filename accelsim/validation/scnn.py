"""SCNN vs its dense baseline DCNN on pruned AlexNet, GoogLeNet and VGG-16 (Parashar et al., ISCA
2017, abstract: 2.7x performance and 2.3x energy "compared to a comparably provisioned dense CNN
accelerator"; docs/references.md#scnn-headline).

Scope: the convolutional layers, which is what we recall the paper's per-network figures cover
[R: SCNN is a convolution engine and its evaluation plots conv layers only]; the whole-network
figures (FC layers included, run as folded convolutions) are printed next to them. Averages are
geometric means over the three networks (which mean the paper used is not in the notes).
Tolerance 25%: the AlexNet activation densities and the GoogLeNet modules outside 3a / 5a are our
substitutions, operands are synthetic (uniformly placed zeros), and the DCNN datapath and the DRAM
interface are our reading of the paper, not its exact configuration.
"""
from __future__ import annotations

from accelsim.validation.registry import Measured, Runner, Target, geomean

NETWORKS = ("alexnet", "googlenet", "vgg16")
SCNN, DCNN, DCNN_OPT = "arch_configs/scnn.yaml", "arch_configs/dcnn.yaml", "arch_configs/dcnn_opt.yaml"
CONFIG = ("8x8 PEs of 4x4 16-bit multipliers, 32 accumulator banks, 10 KB IARAM/OARAM, 16 nm, 1 GHz "
          "vs DCNN with the same 1024 multipliers and buffers; per-layer densities of docs/references.md#scnn-densities")
SOURCE = "Parashar et al., SCNN, ISCA 2017, abstract"


def _ratio(r: Runner, base: str, arch: str, workload: str, metric: str, conv_only: bool) -> float:
    def total(result):
        layers = [l for l in result.layers if l.kind == "conv" or not conv_only]
        return sum(l.seconds if metric == "seconds" else l.joules for l in layers)
    return total(r.result(base, workload)) / total(r.result(arch, workload))


def _measure(r: Runner, metric: str) -> Measured:
    details = {}
    for n in NETWORKS:
        w = f"workloads/{n}_scnn.yaml"
        details[n] = _ratio(r, DCNN, SCNN, w, metric, conv_only=True)
    for n in NETWORKS:
        w = f"workloads/{n}_scnn.yaml"
        details[f"{n} (all layers)"] = _ratio(r, DCNN, SCNN, w, metric, conv_only=False)
        details[f"{n} DCNN-opt vs DCNN"] = _ratio(r, DCNN, DCNN_OPT, w, metric, conv_only=True)
    return Measured(geomean(details[n] for n in NETWORKS), details)


def _speedup(r: Runner) -> Measured:
    return _measure(r, "seconds")


def _energy(r: Runner) -> Measured:
    return _measure(r, "joules")


TARGETS = [
    Target("SCNN", "speedup vs DCNN (geomean, conv layers)", 2.7, 0.25, CONFIG, SOURCE, _speedup),
    # with DRAM: the SCNN paper's energy counts the DRAM traffic of layers that spill [R]
    Target("SCNN", "energy efficiency vs DCNN (conv layers)", 2.3, 0.25, CONFIG, SOURCE, _energy,
           scope="with DRAM"),
]
