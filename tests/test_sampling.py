"""Sampling mode: a seeded fraction of windows, scaled up, lands near the full run."""
import pytest

import accelsim
from accelsim.engine.sampling import Sampling

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def alexnet():
    return accelsim.load_workload(ROOT / "workloads/alexnet.yaml")


def test_sampled_alexnet_within_2_percent_of_full(alexnet):
    arch = accelsim.load_arch(ROOT / "arch_configs/dstripes.yaml")
    full = accelsim.simulate(arch, alexnet)
    est = accelsim.simulate(arch, alexnet, sample=Sampling(0.3, seed=1))
    sampled = [l for l in est.layers if "cycles_rel_stderr" in l.extra]
    assert len(sampled) >= 2                               # several conv layers were sampled
    assert all(0 < l.extra["sample_fraction"] < 0.5 for l in sampled)
    assert est.cycles == pytest.approx(full.cycles, rel=0.02)
    assert est.joules == pytest.approx(full.joules, rel=0.02)


def test_sampling_is_seeded(alexnet):
    arch = accelsim.load_arch(ROOT / "arch_configs/dstripes.yaml")
    layers = alexnet.select(["conv1"])
    a = accelsim.simulate(arch, layers, sample=Sampling(0.2, seed=3))
    b = accelsim.simulate(arch, layers, sample=Sampling(0.2, seed=3))
    c = accelsim.simulate(arch, layers, sample=Sampling(0.2, seed=4))
    assert a.cycles == b.cycles and a.cycles != c.cycles


def test_value_independent_design_runs_in_full_under_sampling(alexnet):
    arch = accelsim.load_arch(ROOT / "arch_configs/dadn.yaml")
    layers = alexnet.select(["conv1"])
    full = accelsim.simulate(arch, layers)
    est = accelsim.simulate(arch, layers, sample=Sampling(0.2, seed=0))
    assert est.cycles == full.cycles and "cycles_rel_stderr" not in est.layers[0].extra


def test_cli_sample_option(run_cli):
    code, out, err = run_cli("run", "arch_configs/dstripes.yaml", "workloads/alexnet.yaml",
                             "--layers", "conv1", "--sample", "0.2")
    assert code == 0, err
    assert "estimated cycles +/-" in out
    code, _, err = run_cli("run", "arch_configs/dstripes.yaml", "workloads/alexnet.yaml", "--sample", "2")
    assert code == 2 and "--sample" in err
