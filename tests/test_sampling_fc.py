"""Sampling covers FC and matmul layers (whole filter passes, only their weights drawn), draws the
full run's rows value for value, scales codec counts like memory (not like compute), and gives
byte-identical outputs across processes."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

import accelsim
from accelsim.engine.sampling import Sampling, sampled_run
from accelsim.spec.arch import arch_from_dict
from accelsim.spec.workload import Values, workload_from_dict
from accelsim.workload import rows, tensors
from accelsim.workload.trace import build_trace

ROOT = Path(__file__).resolve().parents[1]


def small_laconic(**memory):
    """Laconic on a 2-tile x 4-filter grid: 8 filters a pass, so an FC layer has many passes."""
    data = yaml.safe_load((ROOT / "arch_configs/laconic_128.yaml").read_text())
    data["datapath"]["params"].update(tiles=2, filters=4)
    data["memory"].update(memory)
    return arch_from_dict(data, "small_laconic.yaml")


def fc_workload():
    return workload_from_dict({"name": "fc_heavy", "seed": 3, "defaults": {"act_bits": 8, "wgt_bits": 8},
                               "layers": [
        {"name": "fc1", "kind": "fc", "in_features": 512, "out_features": 640,
         "act": {"dist": "half_t", "dof": 8, "density": 0.5}, "wgt": {"dist": "student_t", "dof": 5}},
        {"name": "fc2", "kind": "fc", "in_features": 640, "out_features": 480,
         "act": {"dist": "half_t", "dof": 8, "density": 0.5}, "wgt": {"dist": "normal", "density": 0.4}},
        {"name": "mm", "kind": "matmul", "m": 1, "k": 384, "n": 512, "count": 1,
         "act": {"dist": "normal"}, "wgt": {"dist": "laplace"}}]}, Path("fc_heavy.yaml"))


@pytest.fixture(scope="module")
def fc_runs():
    # every weight streamed from DRAM: FC layers move their whole weight matrix
    arch, wl = small_laconic(weights_resident="none", activations_on_chip=False), fc_workload()
    return accelsim.simulate(arch, wl), accelsim.simulate(arch, wl, sample=Sampling(0.25, seed=1))


def test_fc_layers_are_sampled_by_filter_passes(fc_runs):
    full, est = fc_runs
    for f, s in zip(full.layers, est.layers):
        assert 0.2 <= s.extra["sample_fraction"] <= 0.3          # 25 % of the passes
        assert s.extra["cycles_rel_stderr"] > 0                  # Laconic's FC time follows the weights
        assert s.compute_cycles != f.compute_cycles              # an estimate, not the full run
        assert s.dram_bytes == pytest.approx(f.dram_bytes, rel=1e-3) and f.dram_bytes > 0   # the whole layer's
        # passes repeated for the engine: as many weight fetches as the full layer (a few passes
        # scaled up missed fc1's stalls by 27%)
        assert s.stall_cycles == pytest.approx(f.stall_cycles, rel=0.1, abs=50)


def test_fc_estimate_within_two_printed_standard_errors(fc_runs):
    full, est = fc_runs
    err = sum((l.extra["cycles_rel_stderr"] * l.compute_cycles) ** 2 for l in est.layers) ** 0.5
    assert 0 < err < 0.05 * full.cycles
    assert abs(sum(l.compute_cycles for l in est.layers) - sum(l.compute_cycles for l in full.layers)) <= 2 * err
    assert est.cycles == pytest.approx(full.cycles, rel=0.01)              # stalls included
    assert est.joules == pytest.approx(full.joules, rel=0.05)


def test_a_sampled_fc_layer_draws_only_its_passes_weights():
    wl = fc_workload().select(["fc1"])
    trace = build_trace(wl.layers[0], wl, 0, lazy=True)
    _, figures = sampled_run(small_laconic().build(), trace, Sampling(0.25, seed=1))
    assert figures["sample_fraction"] == pytest.approx(0.25, abs=0.02)
    assert "codes" not in vars(trace.wgt)                       # the whole tensor was never drawn
    assert trace.wgt.blocks_drawn <= 0.5 * trace.wgt.blocks     # a pass of 8 rows draws one 16-row block


@pytest.mark.parametrize("values", [Values(dist="student_t", dof=5.0, range_bits=6),
                                    Values(dist="normal", density=0.3), Values(dist="half_t", dof=8.0, density=0.56),
                                    Values(dist="laplace"), Values(dist="uniform", density=0.5)])
def test_rows_drawn_alone_are_the_full_tensors_rows(values):
    shape = (70, 24, 3, 3)
    whole = rows.RowOperand([1, 2, 3], shape, 8, values).operand()
    some = np.array([69, 3, 40, 16, 17])
    alone = rows.RowOperand([1, 2, 3], shape, 8, values)
    assert np.array_equal(alone.rows(some), whole.codes[some])
    assert alone.blocks_drawn == 4                              # blocks 0, 1, 2, 4 of 16 rows
    # exact density and max-abs calibration, as tensors.synthetic
    assert np.count_nonzero(whole.codes) == round(values.density * whole.codes.size)
    top = tensors.qmax(min(values.range_bits or 8, 8), values.signed)
    assert np.abs(whole.codes).max() == top
    assert (whole.codes.min() < 0) == values.signed


@pytest.mark.parametrize("values", [Values(dist="student_t", dof=5.0), Values(dist="half_t", dof=1.5),
                                    Values(dist="normal"), Values(dist="laplace"), Values(dist="uniform")])
def test_tail_quantile_matches_the_drawn_law(values):
    draws = np.abs(tensors.magnitudes(np.random.default_rng(0), values, 400_000)).astype(np.float64)
    for q in (0.5, 0.05, 0.002):
        assert rows.tail_quantile(values, np.array([q]))[0] == pytest.approx(np.quantile(draws, 1 - q), rel=0.03)


def test_block_maxima_follow_the_law_of_the_maximum():
    """The decomposition's first step: a block's largest magnitude drawn from F^n, compared with
    the largest of n real draws (medians over 400 blocks)."""
    values, n = Values(dist="student_t", dof=5.0), 500
    direct = np.abs(np.random.default_rng(1).standard_t(5.0, (400, n))).max(axis=1)
    law = rows.maxima(np.random.default_rng(2), values, np.full(400, n))
    assert np.median(law) == pytest.approx(np.median(direct), rel=0.08)
    assert np.quantile(law, 0.9) == pytest.approx(np.quantile(direct, 0.9), rel=0.15)


def test_codec_counts_are_the_whole_layers_under_sampling():
    """Every batch carries the whole layer's (de)compression counts, as it carries its bytes: they
    are shared out between the batches, not scaled up like compute (that counted them ~40x)."""
    data = yaml.safe_load((ROOT / "arch_configs/pragmatic.yaml").read_text())
    data["memory"].update(formats={"weights": "dpred", "activations": "dpred", "outputs": "dpred"},
                          weights_resident="none", activations_on_chip=False)
    datapath = arch_from_dict(data, "pragmatic_dpred.yaml").build()
    wl = accelsim.load_workload(ROOT / "workloads/alexnet.yaml").select(["conv2"])
    full = datapath.run(build_trace(wl.layers[0], wl, 0))
    est, figures = sampled_run(datapath, build_trace(wl.layers[0], wl, 0, lazy=True), Sampling(0.2, seed=1))
    assert figures["sample_fraction"] < 0.3
    codec = sorted(k for k in full.actions if k.startswith("memcodec."))
    assert codec == ["memcodec.detect.op", "memcodec.pack.op", "memcodec.unpack.op"]
    for k in codec:
        assert est.actions[k] == pytest.approx(full.actions[k], rel=1e-6), k
    assert est.actions["pip.acc.op"] == pytest.approx(full.actions["pip.acc.op"], rel=0.05)


def test_sampled_outputs_are_byte_identical_across_processes(tmp_path):
    outs = []
    for i, hash_seed in enumerate(("1", "2")):
        out = tmp_path / f"r{i}.json"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        proc = subprocess.run([sys.executable, "-m", "accelsim.cli", "run", str(ROOT / "arch_configs/pragmatic.yaml"),
                               str(ROOT / "tests/data/tiny.yaml"), "--sample", "0.5", "--sample-seed", "3",
                               "-q", "-o", str(out)], env=env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]
