"""Comparisons across technology nodes or clocks are flagged; accepted nodes are the priceable ones."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from accelsim.cost import scaling
from accelsim.errors import SpecError
from accelsim.spec.arch import arch_from_dict, supported_nodes

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests/data/tiny.yaml"


def test_mixed_nodes_warn_in_one_line_and_csv_carries_both(tmp_path, run_cli):
    out = tmp_path / "r.csv"
    code, _, err = run_cli("run", ROOT / "arch_configs/vmac_int8.yaml", TINY, "--baseline",
                           ROOT / "arch_configs/dadn.yaml", "-q", "-o", out)
    assert code == 0
    lines = [l for l in err.splitlines() if l.startswith("warning:")]
    assert len(lines) == 1 and "16 nm vs 65 nm" in lines[0]
    df = pd.read_csv(out)
    assert set(df["node_nm"]) == {16} and set(df["baseline_node_nm"]) == {65}


def test_same_node_and_clock_is_quiet(run_cli):
    code, _, err = run_cli("run", ROOT / "arch_configs/stripes.yaml", TINY, "--baseline",
                           ROOT / "arch_configs/dadn.yaml", "-q")
    assert code == 0 and "warning" not in err


def test_clock_difference_is_flagged(tmp_path, run_cli):
    data = yaml.safe_load((ROOT / "arch_configs/dadn.yaml").read_text())
    data["clock"]["frequency_mhz"] = 500
    (tmp_path / "slow.yaml").write_text(yaml.safe_dump(data))
    code, _, err = run_cli("run", ROOT / "arch_configs/stripes.yaml", TINY, "--baseline",
                           tmp_path / "slow.yaml", "-q")
    assert code == 0 and "980 MHz vs 500 MHz" in err


def test_accepted_nodes_are_exactly_the_priceable_ones():
    nodes = supported_nodes()
    assert 65 in nodes and 16 in nodes and 5 not in nodes
    for n in nodes:
        assert scaling.area_factor(n) > 0 and scaling.energy_factor(n) > 0


@pytest.mark.parametrize("node", [5, 3, 1000, 40])
def test_unpriceable_node_is_an_input_error_listing_the_nodes(node):
    data = yaml.safe_load((ROOT / "arch_configs/dadn.yaml").read_text())
    data["technology"]["node_nm"] = node
    if node == 40 and 40 in supported_nodes():
        pytest.skip("40 nm is in the cost data")
    with pytest.raises(SpecError) as err:
        arch_from_dict(data, "a.yaml")
    assert "technology.node_nm" in str(err.value) and "65" in str(err.value) and "16" in str(err.value)


def test_sweep_against_a_baseline_on_another_node_warns(tmp_path, run_cli):
    sweep = tmp_path / "s.yaml"
    sweep.write_text(yaml.safe_dump({"arch": str(ROOT / "arch_configs/vmac_int8.yaml"), "workload": str(TINY),
                                     "baseline": str(ROOT / "arch_configs/dadn.yaml"),
                                     "axes": {"memory.dram.type": ["DDR4", "HBM2"]}}))
    code, _, err = run_cli("sweep", sweep, "-o", tmp_path / "o", "-j", "1", "-q")
    assert code == 0 and "2 of 2 points differ from their baseline" in err
    import accelsim
    df = accelsim.load_sweep(tmp_path / "o")
    assert set(df["baseline_node_nm"]) == {65} and set(df["node_nm"]) == {16}
