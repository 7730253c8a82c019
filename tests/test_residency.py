"""weights_resident: all is checked against the weight buffer; all_unchecked says it on purpose."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import accelsim
from accelsim.engine.residency import weight_bytes
from accelsim.errors import SpecError

ROOT = Path(__file__).resolve().parents[1]


def arch_with(tmp_path, residency: str, size_kib: float = 32768) -> Path:
    data = yaml.safe_load((ROOT / "arch_configs/dadn.yaml").read_text())
    data["memory"]["weights_resident"] = residency
    data["memory"]["buffers"]["weights"]["size_kib"] = size_kib
    path = tmp_path / f"dadn_{residency}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def llama():
    return accelsim.load_workload(ROOT / "workloads/llama2_7b_decode.yaml")


def test_all_larger_than_buffer_is_an_error(tmp_path):
    arch = accelsim.load_arch(arch_with(tmp_path, "all"))
    with pytest.raises(SpecError) as err:
        accelsim.simulate(arch, llama())
    msg = str(err.value)
    assert "memory.weights_resident" in msg and "32.0 MiB" in msg and "\n" not in msg
    assert f"{weight_bytes(llama()) / 2**20:,.1f} MiB" in msg


def test_cli_says_it_in_one_line(tmp_path, run_cli):
    code, out, err = run_cli("run", arch_with(tmp_path, "all"), ROOT / "workloads/llama2_7b_decode.yaml")
    assert code == 2 and err.count("\n") == 1 and "all_unchecked" in err and "Traceback" not in err


def test_all_that_fits_is_accepted(tmp_path):
    wl = accelsim.load_workload(ROOT / "tests/data/tiny.yaml")
    r = accelsim.simulate(accelsim.load_arch(arch_with(tmp_path, "all")), wl)
    assert r.notes == () and r.cycles > 0


def test_all_unchecked_runs_and_notes_both_sizes(tmp_path, run_cli):
    wl = accelsim.load_workload(ROOT / "workloads/alexnet.yaml")
    r = accelsim.simulate(accelsim.load_arch(arch_with(tmp_path, "all_unchecked", 2048)), wl.select(["conv1"]))
    assert r.notes == ()                        # conv1 alone fits 2 MiB
    code, out, err = run_cli("run", arch_with(tmp_path, "all_unchecked", 2048),
                             ROOT / "workloads/alexnet.yaml", "-q", "--layers", "fc6")
    assert code == 0 and err.startswith("warning: ") and "2.0 MiB" in err and "72.0 MiB" in err


@pytest.mark.parametrize("name", ["dadn", "stripes", "loom", "tartan", "laconic_1k",
                                  "tactical_p", "dstripes"])
def test_bundled_dadn_family_configs_state_it(name):
    arch = accelsim.load_arch(ROOT / f"arch_configs/{name}.yaml")
    assert arch.memory.weights_resident == "all" and not arch.memory.residency_checked
