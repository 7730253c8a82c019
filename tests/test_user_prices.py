"""User prices: an arch file re-prices parts and cost-table entries, and the run says so."""
from __future__ import annotations

import pytest
import yaml

import accelsim
from accelsim.errors import SpecError
from accelsim.spec.arch import arch_from_dict

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "tiny.yaml"


def dadn(**costs):
    data = yaml.safe_load((ROOT / "arch_configs" / "dadn.yaml").read_text())
    if costs:
        data["costs"] = costs
    return data


@pytest.fixture(scope="module")
def workload():
    return accelsim.load_workload(TINY)


@pytest.fixture(scope="module")
def bundled(workload):
    return accelsim.simulate(arch_from_dict(dadn(), "dadn.yaml"), workload)


EDRAM = {"source": "test figures", "read_pj_per_access": 1000.0, "write_pj_per_access": 3000.0,
         "area_mm2": 50.0, "leakage_mw": 40.0}


def test_repriced_edram_changes_energy_exactly(workload, bundled):
    arch = arch_from_dict(dadn(parts={"weights": EDRAM, "activations": dict(EDRAM, area_mm2=5.0)}),
                          "edram.yaml")
    r = accelsim.simulate(arch, workload)
    width = {"weights": 4096, "activations": 256}
    old_leak_w = sum(bundled_leak(role) for role in ("weights", "activations"))
    for new, old in zip(r.per_layer().itertuples(), bundled.per_layer().itertuples()):
        for role in ("weights", "activations"):
            bits_read = getattr(new, f"buffer_{role}_read_bits")
            bits_written = sum(getattr(new, f"buffer_{op}_write_bits", 0) for op in (role, "outputs")
                               if role == "activations" or op == role)
            want = (bits_read * 1000.0 + bits_written * 3000.0) / width[role] * 1e-12
            assert getattr(new, f"energy_{role}_J") == pytest.approx(want, rel=1e-12)
        # everything else is priced as before; leakage moves by exactly the leakage change
        assert new.energy_ip_J == old.energy_ip_J
        assert new.energy_leakage_J - old.energy_leakage_J == pytest.approx(
            new.seconds * (80e-3 - old_leak_w), rel=1e-9)
    assert r.area["weights"] == pytest.approx(50e-6) and r.area["activations"] == pytest.approx(5e-6)
    assert r.area["ip"] == bundled.area["ip"]
    assert len(r.user_prices) == 2 and "part weights: read 1000 pJ/access" in r.user_prices[0]
    assert "source: test figures" in r.user_prices[0]


def bundled_leak(role: str) -> float:
    from accelsim.cost.price import price
    from accelsim.engine.simulate import memory_inventory
    arch = arch_from_dict(dadn(), "dadn.yaml")
    return price(memory_inventory(arch)[role], 65, 0.9).leakage


def test_per_action_price_of_a_datapath_part(workload, bundled):
    from accelsim.cost.price import price
    arch = arch_from_dict(dadn(parts={"ip.mult": {"source": "x", "energy_pj": {"op": 0.25}}}), "a.yaml")
    r = accelsim.simulate(arch, workload)
    mult = price(arch.build().inventory()["ip.mult"], 65, 0.9).energy["op"]     # bundled, J per op
    for new, old in zip(r.layers, bundled.layers):
        # ip = ip.mult + ip.tree + ip.acc: only the multipliers' share moves, to MACs x 0.25 pJ
        assert new.energy["ip"] - old.energy["ip"] == pytest.approx(new.macs * (0.25e-12 - mult), rel=1e-9)


def test_user_cost_table_replaces_a_bundled_entry(tmp_path, workload, bundled):
    from accelsim.cost import tables
    (tmp_path / "mine.yaml").write_text(yaml.safe_dump({"DDR4": {
        "value": 10, "unit": "pJ/bit", "node_nm": 0, "source": "my measurement", "conf": "V"}}))
    data = dadn(table="mine.yaml")
    data["memory"]["activations_on_chip"] = False           # make the tiny layers use DRAM
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(data))
    arch = accelsim.load_arch(tmp_path / "a.yaml")
    r = accelsim.simulate(arch, workload)
    plain = accelsim.simulate(arch_from_dict({k: v for k, v in data.items() if k != "costs"}, "p.yaml"),
                              workload)
    for new, old in zip(r.layers, plain.layers):
        assert new.energy["dram"] == pytest.approx(old.energy["dram"] / 2, rel=1e-12)
        assert new.energy["dram"] > 0
    assert r.user_prices == ("table DDR4: 10 pJ/bit (bundled 20), from "
                             f"{tmp_path / 'mine.yaml'}: my measurement",)
    assert tables.get("DDR4").value == 20          # the user table applies to its arch's run only


def test_user_ram_table_reprices_exactly_its_bank(tmp_path, workload, bundled):
    """A row in the CACTI table's schema replaces the figure of that bank only: DaDN's activation
    eDRAM (one 4 MiB bank, 256-bit access, 65 nm), not its 16-bank weight buffer."""
    (tmp_path / "ram.csv").write_text(
        "# my own CACTI run\n"
        "cell,node_nm,capacity_bytes,width_bits,read_pj,write_pj,area_mm2,leakage_mw\n"
        "edram,65,4194304,256,200,400,7.5,20\n")
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(dadn(ram_table="ram.csv")))
    r = accelsim.simulate(accelsim.load_arch(tmp_path / "a.yaml"), workload)
    for new, old in zip(r.per_layer().itertuples(), bundled.per_layer().itertuples()):
        want = (new.buffer_activations_read_bits * 200 + new.buffer_outputs_write_bits * 400) / 256 * 1e-12
        assert new.energy_activations_J == pytest.approx(want, rel=1e-12)
        assert new.energy_weights_J == old.energy_weights_J
    assert r.area["activations"] == pytest.approx(7.5e-6) and r.area["weights"] == bundled.area["weights"]
    assert r.user_prices == (f"ram edram 65 nm, 4194304 B x 256 b bank: read 200 pJ, write 400 pJ, "
                             f"7.5 mm^2, 20 mW, from {tmp_path / 'ram.csv'}",)


@pytest.mark.parametrize("text, needle", [
    ("cell,node,capacity_bytes\n", "header: expected cell,node_nm,"),
    ("cell,node_nm,capacity_bytes,width_bits,read_pj,write_pj,area_mm2,leakage_mw\n"
     "dram,65,4194304,256,1,1,1,1\n", "row 1.cell: expected one of sram, edram"),
    ("cell,node_nm,capacity_bytes,width_bits,read_pj,write_pj,area_mm2,leakage_mw\n"
     "edram,65,4194304,256,-1,1,1,1\n", "row 1.read_pj: expected a number >= 0"),
    ("cell,node_nm,capacity_bytes,width_bits,read_pj,write_pj,area_mm2,leakage_mw\n", "no rows"),
])
def test_bad_user_ram_tables_are_one_line_errors(tmp_path, text, needle):
    (tmp_path / "ram.csv").write_text(text)
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(dadn(ram_table="ram.csv")))
    with pytest.raises(SpecError) as err:
        accelsim.load_arch(tmp_path / "a.yaml")
    assert needle in str(err.value) and "ram.csv" in str(err.value)


@pytest.mark.parametrize("costs, key, needle", [
    ({"parts": {"wieghts": EDRAM}}, "costs.parts.wieghts", "did you mean 'weights'"),
    ({"parts": {"weights": {"source": "x", "read_pj_per_acess": 1}}}, "read_pj_per_acess", "unknown key"),
    ({"parts": {"weights": {"read_pj_per_access": 1}}}, "source", "missing required key"),
    ({"parts": {"weights": {"source": "x", "read_pj_per_access": -1}}}, "read_pj_per_access", "expected"),
    ({"parts": {"ip.mult": {"source": "x", "energy_pj": {"mult": 1}}}}, "energy_pj.mult", "op"),
    ({"parts": {"ip.mult": {"source": "x", "read_pj_per_access": 1}}}, "ip.mult", "memory part"),
    ({"parts": {"weights": {"source": "x"}}}, "weights", "no price given"),
    ({"table": "missing.yaml"}, "", "file not found"),
])
def test_bad_prices_are_one_line_errors(tmp_path, workload, costs, key, needle):
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(dadn(**costs)))
    with pytest.raises(SpecError) as err:        # one small layer: the check comes before it runs
        accelsim.simulate(accelsim.load_arch(tmp_path / "a.yaml"), workload.select(["fc"]))
    assert key in str(err.value) and needle in str(err.value)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize("entry, needle", [
    ({"horowitz_sram_64b_8kbb": {"value": 1, "unit": "pJ", "node_nm": 45, "source": "s", "conf": "V"}},
     "did you mean 'horowitz_sram_64b_8kb'"),
    ({"horowitz_sram_64b_8kb": {"value": 1, "unit": "nJ", "node_nm": 45, "source": "s", "conf": "V"}},
     "unit: expected 'pJ'"),
    ({"horowitz_sram_64b_8kb": {"value": 1, "unit": "pJ", "node_nm": 65, "source": "s", "conf": "V"}},
     "node_nm: expected 45"),
    ({"horowitz_sram_64b_8kb": {"value": 1, "unit": "pJ", "node_nm": 45, "conf": "V"}}, "source"),
])
def test_bad_user_tables_are_one_line_errors(tmp_path, entry, needle):
    (tmp_path / "t.yaml").write_text(yaml.safe_dump(entry))
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(dadn(table="t.yaml")))
    with pytest.raises(SpecError) as err:
        accelsim.load_arch(tmp_path / "a.yaml")
    assert needle in str(err.value) and "t.yaml" in str(err.value)


def test_bundled_example_reprices_edram_and_the_run_says_so(run_cli):
    code, out, err = run_cli("run", "arch_configs/dadn_cacti_edram.yaml", "tests/data/tiny.yaml")
    assert code == 0, err
    assert "prices   2 overridden by arch_configs/dadn_cacti_edram.yaml" in out
    assert "part weights: read 3154.8 pJ/access" in out
