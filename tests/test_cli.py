"""The CLI as a user runs it: every bundled architecture and workload, outputs, list."""
import json

import pandas as pd
import pytest

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
ARCHS = sorted(p.name for p in (ROOT / "arch_configs").glob("*.yaml"))
WORKLOADS = sorted(p.name for p in (ROOT / "workloads").glob("*.yaml"))


def test_run_prints_layers_totals_and_comparison(run_cli):
    code, out, err = run_cli("run", "arch_configs/stripes.yaml", "tests/data/tiny.yaml",
                             "--baseline", "arch_configs/dadn.yaml")
    assert code == 0, err
    for needle in ("conv1", "conv2", "dw", "fc", "mm", "compute cyc", "stall cyc", "speedup",
                   "energy eff", "cycles", "energy", "area", "leakage", "vs dadn: speedup"):
        assert needle in out, needle


@pytest.mark.parametrize("suffix", [".csv", ".json", ".parquet"])
def test_output_formats(run_cli, tmp_path, suffix):
    path = tmp_path / f"out{suffix}"
    code, _, err = run_cli("run", "arch_configs/dstripes.yaml", "tests/data/tiny.yaml",
                           "--baseline", "arch_configs/dadn.yaml", "-o", path, "-q")
    assert code == 0, err
    df = {".csv": pd.read_csv, ".json": pd.read_json, ".parquet": pd.read_parquet}[suffix](path)
    assert list(df["layer"]) == ["conv1", "conv2", "dw", "fc", "mm", "total"]
    total = df[df["layer"] == "total"].iloc[0]
    assert total["cycles"] == df[df["layer"] != "total"]["cycles"].sum()
    assert total["speedup"] > 1 and "energy_leakage_J" in df and "area_mm2" in df


def test_layers_selects_by_name(run_cli, tmp_path):
    path = tmp_path / "o.csv"
    code, _, _ = run_cli("run", "arch_configs/dadn.yaml", "tests/data/tiny.yaml", "--layers", "fc,conv1",
                         "-o", path, "-q")
    assert code == 0
    assert list(pd.read_csv(path)["layer"]) == ["conv1", "fc", "total"]


def test_list_shows_kinds_archs_workloads(run_cli):
    code, out, _ = run_cli("list")
    assert code == 0
    for needle in ["bitparallel", "stripes", "dstripes", "dadn.yaml", "alexnet.yaml", "resnet50.yaml"]:
        assert needle in out


@pytest.mark.parametrize("arch", ARCHS)
def test_every_bundled_arch_runs(run_cli, arch):
    code, out, err = run_cli("run", f"arch_configs/{arch}", "tests/data/tiny.yaml")
    assert code == 0, err
    assert "cycles" in out


@pytest.mark.parametrize("workload", WORKLOADS)
def test_every_bundled_workload_runs(run_cli, workload, tmp_path):
    from accelsim.spec.workload import load_workload
    w = load_workload(ROOT / "workloads" / workload)
    small = min(w.layers, key=lambda l: l.macs)          # one layer keeps the suite fast
    path = tmp_path / "o.json"
    code, _, err = run_cli("run", "arch_configs/dadn.yaml", f"workloads/{workload}",
                           "--layers", small.name, "-o", path, "-q")
    assert code == 0, err
    assert json.loads(path.read_text())[0]["macs"] == small.macs


def test_output_into_a_closed_pipe_is_not_a_traceback(root):
    import subprocess
    import sys
    proc = subprocess.run(f"{sys.executable} -m accelsim.cli list | head -1", shell=True, cwd=root,
                          capture_output=True, text=True)
    assert proc.stdout.startswith("datapath kinds") and "Traceback" not in proc.stderr
