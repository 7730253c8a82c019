"""The up-front memory budget (engine.budget) uses each datapath's own peak factor."""
import pytest

import accelsim
from accelsim.engine.budget import check_budget, layer_bytes
from accelsim.errors import SpecError
from support import ROOT


def _prefill():
    return accelsim.load_workload(ROOT / "workloads" / "llama2_7b_prefill.yaml")


def test_fgmp_prefill_block_fits_a_12_gib_budget_that_the_worst_factor_would_refuse(monkeypatch):
    """FGMP holds 1.8 bytes per im2col byte (bench_layer_memory); the Llama-2 prefill block it
    simulates in 2.5 GB must not be refused on a 24 GB machine by the worst datapath's factor."""
    fgmp = accelsim.load_arch(ROOT / "arch_configs" / "fgmp.yaml").build()
    workload = _prefill()
    monkeypatch.setenv("ACCELSIM_MEMORY_BUDGET", "11.8G")
    check_budget(workload, "fgmp", True, fgmp.peak_factor)
    with pytest.raises(SpecError, match="attn.av"):
        check_budget(workload, "a whole-layer design", True, 16.0)


def test_a_design_that_takes_one_group_at_a_time_is_estimated_per_group(monkeypatch):
    """VS-Quant (vector-MAC family) runs attn.av's 32 groups one after another: 2.7 GB peak for
    the whole prefill block, which the whole-layer estimate (12.2 GiB) would refuse."""
    vsquant = accelsim.load_arch(ROOT / "arch_configs" / "vsquant_4b.yaml").build()
    assert vsquant.peak_per_group
    layer = _prefill().layers[4]
    assert layer.shape.groups == 32
    assert layer_bytes(layer, 16.0, per_group=True) < layer_bytes(layer, 16.0) / 2
    monkeypatch.setenv("ACCELSIM_MEMORY_BUDGET", "11.8G")
    check_budget(_prefill(), "vsquant", True, vsquant.peak_factor, vsquant.peak_per_group)


def test_estimate_grows_with_the_factor():
    layer = _prefill().layers[4]
    assert layer_bytes(layer, 16.0) > layer_bytes(layer, 3.0) > layer_bytes(layer, 1.0) > 0


def test_every_value_level_datapath_declares_a_factor_at_most_the_worst():
    for f in sorted((ROOT / "arch_configs").glob("*.yaml")):
        d = accelsim.load_arch(f).build()
        assert 0 < d.peak_factor <= 16.0, f.name
