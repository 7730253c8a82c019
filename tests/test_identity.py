"""Results say which files they came from; a sweep never merges two files that share a name."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import accelsim
from accelsim.errors import SpecError
from accelsim.spec.sweep import load_sweep_spec
from accelsim.sweep.points import expand
from accelsim.sweep.run import run_sweep

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "tiny.yaml"


def copy_arch(folder: Path, stem: str, lanes: int) -> Path:
    """dstripes.yaml under another file name, same ``name:``, one parameter changed."""
    data = yaml.safe_load((ROOT / "arch_configs" / "dstripes.yaml").read_text())
    data["datapath"]["params"]["lanes"] = lanes
    path = folder / f"{stem}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_result_carries_its_files():
    r = accelsim.simulate(accelsim.load_arch(ROOT / "arch_configs/dstripes.yaml"),
                          accelsim.load_workload(TINY))
    df = r.per_layer()
    assert set(df["arch_file"]) == {str(ROOT / "arch_configs/dstripes.yaml")}
    assert set(df["workload_file"]) == {str(TINY)}
    assert r.totals().iloc[0]["arch_file"].endswith("dstripes.yaml")


def test_sweep_labels_same_named_archs_by_file_stem(tmp_path):
    a, b = copy_arch(tmp_path, "narrow", 8), copy_arch(tmp_path, "wide", 16)
    sweep = tmp_path / "s.yaml"
    sweep.write_text(yaml.safe_dump({"name": "same", "workload": str(TINY), "axes": {"arch": [a.name, b.name]}}))
    points = expand(load_sweep_spec(sweep))
    assert [p.design for p in points] == ["narrow", "wide"]
    run_sweep(sweep, tmp_path / "out", workers=1)
    df = accelsim.load_sweep(tmp_path / "out")
    assert set(df["arch"]) == {"narrow", "wide"}          # two bars, not one geometric mean
    assert set(df["arch_file"]) == {str(a), str(b)}


def test_sweep_refuses_files_it_cannot_tell_apart(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    a, b = copy_arch(tmp_path / "x", "arch", 8), copy_arch(tmp_path / "y", "arch", 16)
    sweep = tmp_path / "s.yaml"
    sweep.write_text(yaml.safe_dump({"workload": str(TINY), "axes": {"arch": ["x/arch.yaml", "y/arch.yaml"]}}))
    with pytest.raises(SpecError) as err:
        expand(load_sweep_spec(sweep))
    assert str(a) in str(err.value) and str(b) in str(err.value) and "\n" not in str(err.value)


def test_distinct_names_keep_their_names(tmp_path):
    sweep = tmp_path / "s.yaml"
    sweep.write_text(yaml.safe_dump({"workload": str(TINY), "axes": {"arch": [
        str(ROOT / "arch_configs/dstripes.yaml"), str(ROOT / "arch_configs/dadn.yaml")]}}))
    assert [p.design for p in expand(load_sweep_spec(sweep))] == ["dstripes", "dadn"]
