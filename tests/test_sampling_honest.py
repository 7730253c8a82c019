"""Sampling samples compute only: the full layer's memory behaviour (residency, DRAM traffic,
stalls) is kept, the estimate lands within its own printed error, and nothing writes into traces."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import accelsim
from accelsim.engine.sampling import Sampling, sampled_run
from accelsim.spec.arch import arch_from_dict
from accelsim.spec.workload import workload_from_dict
from accelsim.workload.trace import build_trace

ROOT = Path(__file__).resolve().parents[1]


def dram_bound_arch():
    """dstripes with every operand streamed over a slow DRAM: stalls are a large share of time."""
    data = yaml.safe_load((ROOT / "arch_configs/dstripes.yaml").read_text())
    data["memory"]["weights_resident"] = "none"
    data["memory"]["activations_on_chip"] = False
    data["memory"]["dram"]["bandwidth_gb_s"] = 2.0
    data["memory"]["buffers"]["activations"]["size_kib"] = 64
    return arch_from_dict(data, "dram_bound.yaml")


@pytest.fixture(scope="module")
def runs():
    wl = workload_from_dict({"name": "dram", "seed": 5, "defaults": {"act_bits": 8, "wgt_bits": 8},
                             "layers": [
        {"name": "a", "kind": "conv", "in_channels": 64, "in_size": 56, "out_channels": 64, "kernel": 3, "padding": 1},
        {"name": "b", "kind": "conv", "in_channels": 96, "in_size": 48, "out_channels": 96, "kernel": 3, "padding": 1}]},
        Path("dram.yaml"))
    arch = dram_bound_arch()
    return accelsim.simulate(arch, wl), accelsim.simulate(arch, wl, sample=Sampling(0.1, seed=2))


def test_memory_is_the_full_layers(runs):
    full, est = runs
    stalls = sum(l.stall_cycles for l in full.layers)
    assert stalls > 0.2 * full.cycles                        # the workload is DRAM-bound
    for f, s in zip(full.layers, est.layers):
        assert "cycles_rel_stderr" in s.extra                # both layers were sampled
        assert s.dram_bytes == pytest.approx(f.dram_bytes, rel=1e-3)
        assert s.stall_cycles == pytest.approx(f.stall_cycles, rel=0.05)


def test_estimate_within_two_printed_standard_errors(runs):
    full, est = runs
    err = sum((l.extra["cycles_rel_stderr"] * l.cycles) ** 2 for l in est.layers) ** 0.5
    compute_full = sum(l.compute_cycles for l in full.layers)
    compute_est = sum(l.compute_cycles for l in est.layers)
    assert abs(compute_est - compute_full) <= 2 * err
    assert est.cycles == pytest.approx(full.cycles, rel=0.02)
    assert est.joules == pytest.approx(full.joules, rel=0.02)


def test_sampling_builds_no_full_im2col_and_writes_nothing_into_traces():
    wl = accelsim.load_workload(ROOT / "workloads/alexnet.yaml").select(["conv2"])
    trace = build_trace(wl.layers[0], wl, 0)
    work, figures = sampled_run(accelsim.load_arch(ROOT / "arch_configs/dstripes.yaml").build(), trace,
                                Sampling(0.3))
    assert figures["sample_fraction"] < 0.4
    assert "windows" not in vars(trace)                      # the layer's im2col was never built
    assert list(work.actions) == sorted(work.actions)        # no hash-seed-dependent order


@pytest.mark.parametrize("design", ["stripes", "tartan"])
def test_unsamplable_designs_say_so_in_one_line(run_cli, design):
    code, _, err = run_cli("run", ROOT / f"arch_configs/{design}.yaml", ROOT / "tests/data/tiny.yaml",
                           "--sample", "0.5", "-q")
    assert code == 0 and err.count("\n") == 1 and "cannot be sampled" in err
