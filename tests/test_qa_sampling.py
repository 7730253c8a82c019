"""QA: a layer whose last block of windows is partial (AlexNet conv1: 3025 windows = 189 blocks of
16 + 1) is estimated without bias whichever blocks a sample draws: the partial block runs in full."""
import numpy as np
import pytest

import accelsim
from accelsim.datapaths.base import LayerWork
from accelsim.engine.sampling import Sampling, sampled_run
from accelsim.workload.trace import build_trace

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


class PerGroup:
    """Every group of 16 windows costs 10 cycles, a partial group too (as on a bit-serial grid)."""
    samplable = True
    filter_pass = 0

    def run(self, trace):
        groups = -(-trace.shape.windows // 16)
        zeros = np.zeros(groups, dtype=np.int64)
        return LayerWork(np.full(groups, 10, dtype=np.int64), zeros, zeros, {"x.op": 10 * groups})


@pytest.fixture(scope="module")
def alexnet():
    return accelsim.load_workload(ROOT / "workloads/alexnet.yaml")


@pytest.mark.parametrize("seed", range(6))
def test_constant_cost_per_group_is_estimated_exactly(alexnet, seed):
    layers = alexnet.select(["conv1"])
    trace = build_trace(layers.layers[0], layers, 0, lazy=True)
    assert trace.shape.windows % 16 == 1                    # the last block holds one window
    work, figures = sampled_run(PerGroup(), trace, Sampling(0.1, seed=seed))
    assert int(work.compute_cycles.sum()) == 10 * 190
    assert work.actions["x.op"] == 10 * 190
    assert figures["cycles_rel_stderr"] == 0.0


def test_pragmatic_conv1_ten_percent_sample_near_full(alexnet):
    # seed 0 draws conv1's partial last block: counted by windows it came out 4.4% high
    arch = accelsim.load_arch(ROOT / "arch_configs/pragmatic.yaml")
    layers = alexnet.select(["conv1"])
    full = accelsim.simulate(arch, layers)
    est = accelsim.simulate(arch, layers, sample=Sampling(0.1, seed=0))
    assert est.cycles == pytest.approx(full.cycles, rel=0.01)
    assert est.layers[0].extra["cycles_rel_stderr"] < 0.01
