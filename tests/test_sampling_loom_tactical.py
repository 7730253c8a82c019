"""Filter-pass sampling (engine.sampling) on Bit-Tactical and Loom.

Bit-Tactical declares a pass (its tiles' filter sets side by side): every option times its passes
apart, so all passes sampled is the full run exactly, and a 25 % sample lands within its printed
error. Loom declares none: its FC output slots share one weight stream, so slots timed apart
overstate the layer, and an FC layer on Loom runs in full under --sample."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml

import accelsim
from accelsim.engine.sampling import Sampling, filter_trace, sampled_run
from accelsim.spec.arch import arch_from_dict
from accelsim.spec.workload import workload_from_dict
from accelsim.workload.trace import build_trace

ROOT = Path(__file__).resolve().parents[1]
VALUES = {"act": {"dist": "half_t", "dof": 8, "density": 0.5},
          "wgt": {"dist": "student_t", "dof": 5, "density": 0.6}}


def datapath(config: str, **params):
    data = yaml.safe_load((ROOT / f"arch_configs/{config}.yaml").read_text())
    data["datapath"]["params"].update(params)
    return arch_from_dict(data, f"{config}.yaml").build()


def layer(kind: str, c: int, k: int):
    """One batch-1 layer with ``k`` filters over a reduction of ``c`` (one window, or four)."""
    spec = {"fc": {"kind": "fc", "in_features": c, "out_features": k},
            "matmul": {"kind": "matmul", "m": 1, "k": c, "n": k, "count": 1},
            "conv": {"kind": "conv", "in_channels": c, "in_size": 2, "out_channels": k, "kernel": 1}}[kind]
    wl = workload_from_dict({"name": "passes", "seed": 5, "defaults": {"act_bits": 8, "wgt_bits": 8},
                             "layers": [{"name": kind, **spec, **VALUES}]}, Path("passes.yaml"))
    return wl


def trace(wl, lazy: bool = False):
    return build_trace(wl.layers[0], wl, 0, lazy=lazy)


TACTICAL_OPTIONS = [
    ("tactical_dadn", {}),
    ("tactical_p", {}),
    ("tactical_p", {"step_rounds": "filter", "leading_only": True}),
    ("tactical_e", {}),
    ("tactical_e", {"step_rounds": "filter"}),
    ("tactical_e", {"scheduler": "most_candidates", "zero_lanes": "fed"}),
    ("tactical_p", {"scheduler": "most_candidates", "pattern": "T", "registers": 0}),
]


@pytest.mark.parametrize("config", ["tactical_dadn", "tactical_p", "tactical_e"])
def test_tactical_pass_is_the_tiles_filter_sets(config):
    dp = datapath(config)
    assert dp.filter_pass == dp.p.tiles * dp.p.filters == 256


@pytest.mark.parametrize("kind", ["fc", "matmul", "conv"])
@pytest.mark.parametrize("config,params", TACTICAL_OPTIONS)
def test_tactical_all_passes_sampled_is_the_full_run(config, params, kind):
    # 2100 filters: eight whole passes of 256 and a partial ninth
    dp, wl = datapath(config, **params), layer(kind, 96, 2100)
    full = dp.run(trace(wl))
    est, figures = sampled_run(dp, trace(wl, lazy=True), Sampling(1.0, seed=2))
    assert figures["sample_fraction"] == 1.0 and "cycles_rel_stderr" in figures   # passes, in batches
    assert est.compute_cycles.sum() == full.compute_cycles.sum()
    assert est.actions == full.actions
    assert est.potential == pytest.approx(full.potential, rel=1e-12)


@pytest.mark.parametrize("config,params", TACTICAL_OPTIONS[:4])
def test_tactical_passes_add_up(config, params):
    """Each pass run on its own filters: cycles and counts sum to the whole layer's."""
    dp, wl = datapath(config, **params), layer("fc", 64, 600)
    whole = trace(wl)
    full = dp.run(whole)
    parts = [dp.run(filter_trace(whole, np.arange(f, min(600, f + 256)))) for f in range(0, 600, 256)]
    assert sum(int(p.compute_cycles.sum()) for p in parts) == full.compute_cycles.sum()
    for key, n in full.actions.items():
        assert sum(p.actions.get(key, 0) for p in parts) == n, key


@pytest.mark.parametrize("config", ["tactical_p", "tactical_e"])
def test_tactical_quarter_sample_within_three_printed_errors(config):
    # 8192 outputs: 32 passes, of which a 25 % sample takes 8, two per batch
    dp, wl = datapath(config), layer("fc", 1024, 8192)
    full = int(dp.run(trace(wl)).compute_cycles.sum())
    est, figures = sampled_run(dp, trace(wl, lazy=True), Sampling(0.25, seed=1))
    assert figures["sample_fraction"] == 0.25
    se = figures["cycles_rel_stderr"] * est.compute_cycles.sum()
    assert se > 0                                           # the passes' schedules differ
    assert est.compute_cycles.sum() != full                 # an estimate, not the full run
    assert abs(est.compute_cycles.sum() - full) <= 3 * se


def test_tactical_fc_layer_is_sampled_end_to_end():
    arch = accelsim.load_arch(ROOT / "arch_configs/tactical_e.yaml")
    wl = layer("fc", 128, 8192)
    est = accelsim.simulate(arch, wl, sample=Sampling(0.25, seed=1))
    assert est.layers[0].extra["sample_fraction"] == 0.25


@pytest.mark.parametrize("config", ["loom", "loom_2b", "loom_4b", "dpred_loom"])
def test_loom_declares_no_filter_pass(config):
    assert datapath(config).filter_pass == 0


@pytest.mark.parametrize("config", ["loom", "dpred_loom"])
def test_loom_fc_slots_timed_apart_overstate_the_layer(config):
    """Why Loom has no filter pass: its FC slots overlap on the weight stream, so the slots run
    alone sum to more than the layer (one unhidden tail each), while their counts still add up.
    Its matmul slots add up exactly, but the hook is one number for every kind."""
    dp = datapath(config)
    rows = dp.p.tiles * dp.p.filters
    for kind, overlapped in (("fc", True), ("matmul", False)):
        whole = trace(layer(kind, 1024, 8 * rows))
        full = dp.run(whole)
        parts = [dp.run(filter_trace(whole, np.arange(f, f + rows))) for f in range(0, 8 * rows, rows)]
        apart = sum(int(p.compute_cycles.sum()) for p in parts)
        if overlapped:
            assert full.compute_cycles.sum() < apart < 1.1 * full.compute_cycles.sum()
        else:
            assert apart == full.compute_cycles.sum()
        for key, n in full.actions.items():     # codec counts are the whole layer's in each run
            if not key.startswith("memcodec."):
                assert sum(p.actions.get(key, 0) for p in parts) == n, key


def test_loom_fc_layer_runs_in_full_under_sampling():
    arch = accelsim.load_arch(ROOT / "arch_configs/loom.yaml")
    wl = layer("fc", 256, 64 * 128)          # 64 slots: enough for a 25 % sample of passes
    full = accelsim.simulate(arch, wl)
    est = accelsim.simulate(arch, wl, sample=Sampling(0.25, seed=1))
    assert "cycles_rel_stderr" not in est.layers[0].extra
    assert est.cycles == full.cycles
