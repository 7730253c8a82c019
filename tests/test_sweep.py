"""Sweeps: spec and expansion, dotted-path edits, errors, the store, resuming, the local pool and
a real Dask LocalCluster, reuse counts, progress output and the CLI."""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import accelsim
from accelsim.errors import SpecError
from accelsim.spec.sweep import load_sweep_spec
from accelsim.sweep.cli import ProgressLine
from accelsim.sweep.points import expand
from accelsim.sweep.run import Progress, run_sweep

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "tiny.yaml"


def write_sweep(folder: Path, body: dict, name: str = "s.yaml") -> Path:
    data = {"name": "t", "arch": str(ROOT / "arch_configs" / "dstripes.yaml"), "workload": str(TINY)}
    data.update(body)
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


GRID = {"baseline": str(ROOT / "arch_configs" / "dadn.yaml"),
        "axes": {"datapath.params.group_size": [16, 64], "datapath.params.registers": [0, 2],
                 "memory.dram.type": ["DDR4", "HBM2"]}}


def tidy(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(["point", "layer"]).reset_index(drop=True)


# -- spec and expansion ------------------------------------------------------------------------
def test_grid_expands_every_combination_with_values_applied(tmp_path):
    spec = load_sweep_spec(write_sweep(tmp_path, GRID))
    points = expand(spec)
    assert len(points) == 8
    seen = {(p.arch.datapath.params.group_size, p.arch.datapath.params.registers,
             p.arch.memory.dram.type) for p in points}
    assert seen == {(g, r, d) for g in (16, 64) for r in (0, 2) for d in ("DDR4", "HBM2")}
    for p in points:
        assert dict(p.values)["memory.dram.type"] == p.arch.memory.dram.type
        assert p.baseline.datapath.kind == "bitparallel"
        # untouched keys keep the base file's values
        assert p.arch.datapath.params.lanes == 16 and p.arch.clock.frequency_hz == 980e6
    assert len({p.id for p in points}) == 8
    assert points[0].design == "group_size=16, registers=0, type=DDR4"


def test_ids_are_stable_and_follow_content(tmp_path):
    a = [p.id for p in expand(load_sweep_spec(write_sweep(tmp_path, GRID)))]
    b = [p.id for p in expand(load_sweep_spec(write_sweep(tmp_path, GRID, "copy.yaml")))]
    assert a == b
    changed = dict(GRID, axes=dict(GRID["axes"], **{"memory.dram.type": ["DDR4", "HBM3"]}))
    c = [p.id for p in expand(load_sweep_spec(write_sweep(tmp_path, changed)))]
    assert a[0] == c[0] and a[1] != c[1]


def test_zip_mode_and_zip_groups(tmp_path):
    zipped = {"mode": "zip", "axes": {"datapath.params.registers": [0, 1, 2],
                                      "memory.dram.type": ["DDR3", "DDR4", "HBM2"]}}
    pts = expand(load_sweep_spec(write_sweep(tmp_path, zipped)))
    assert [(p.arch.datapath.params.registers, p.arch.memory.dram.type) for p in pts] == \
        [(0, "DDR3"), (1, "DDR4"), (2, "HBM2")]
    grouped = {"axes": {"datapath.params.registers": [0, 1], "memory.dram.type": ["DDR4", "HBM2"],
                        "memory.dram.bandwidth_gb_s": [25.6, 256]},
               "zip": [["memory.dram.type", "memory.dram.bandwidth_gb_s"]]}
    pts = expand(load_sweep_spec(write_sweep(tmp_path, grouped)))
    assert len(pts) == 4
    assert {(p.arch.memory.dram.type, p.arch.memory.dram.bandwidth) for p in pts} == \
        {("DDR4", 25.6e9), ("HBM2", 256e9)}
    assert "bandwidth" not in pts[0].design        # a zip partner adds nothing to the label


def test_file_axes_set_layers_and_own_baseline(tmp_path):
    arch = ROOT / "arch_configs"
    body = {"layers": ["conv2"], "set": {"memory.weights_resident": "fit"},
            "baseline": {"set": {"datapath.params.width": 16, "memory.weights_resident": "all"}},
            "axes": {"arch": [str(arch / "stripes.yaml"), str(arch / "dstripes.yaml")],
                     "workload": [str(TINY), str(ROOT / "workloads" / "alexnet.yaml")],
                     "datapath.params.tiles": [4, 8]},
            "zip": [["arch", "workload"]]}
    pts = expand(load_sweep_spec(write_sweep(tmp_path, body)))
    assert len(pts) == 4
    assert {(p.arch.name, p.workload.name) for p in pts} == {("stripes", "tiny"), ("dstripes", "alexnet")}
    for p in pts:
        assert [l.name for l in p.workload.layers] == ["conv2"]
        assert p.arch.memory.weights_resident == "fit"
        assert p.baseline.memory.weights_resident == "all"      # the baseline's settings win
        assert p.baseline.datapath == p.arch.datapath            # each point's own arch
        assert dict(p.values)["workload"] == p.workload.name


def test_arch_axis_runs_and_labels_designs_by_arch(tmp_path):
    archs = [str(ROOT / "arch_configs" / f"{n}.yaml") for n in ("stripes", "dstripes")]
    path = write_sweep(tmp_path, {"axes": {"arch": archs}, "baseline": archs[0]})
    run_sweep(path, tmp_path / "store", workers=1)
    df = accelsim.load_sweep(tmp_path / "store")
    assert sorted(df["arch"].unique()) == ["dstripes", "stripes"]
    assert (df["design"] == df["arch"]).all()
    assert (df.loc[df["arch"] == "stripes", "speedup"] == 1.0).all()


def test_dotted_paths_index_lists():
    from accelsim.spec.sweep import _locate
    data = {"datapath": {"params": {"widths": [4, 8, 16]}}}
    node, index = _locate(data, "datapath.params.widths.2", "s.yaml", "axes.x", Path("a.yaml"))
    assert node is data["datapath"]["params"]["widths"] and index == 2
    with pytest.raises(SpecError, match="is a list of 3; expected an index, got '3'"):
        _locate(data, "datapath.params.widths.3", "s.yaml", "axes.x", Path("a.yaml"))


# -- errors: one line naming the sweep file and the axis key -----------------------------------
BAD = [
    ({"axes": {"memory.dramm.type": ["DDR4"]}}, "axes.memory.dramm.type", "did you mean 'dram'"),
    ({"axes": {"datapath.params.group_sise": [16]}}, "axes.datapath.params.group_sise",
     "did you mean 'group_size'"),
    ({"axes": {"datapath.params.group_size": [16, 0]}}, "axes.datapath.params.group_size",
     "expected an integer"),
    ({"axes": {"datapath.params.group_size": [24]}}, "axes.datapath.params.group_size",
     "lanes (16) x a divisor of windows"),
    ({"axes": {"memory.dram.type": ["DDR9"]}}, "axes.memory.dram.type", "one of"),
    ({"axes": {"memory.dram.type.speed": [1]}}, "axes.memory.dram.type.speed", "is a value"),
    ({"set": {"clock.frequency_mhz": -5}, "axes": {"name": ["a"]}}, "set.clock.frequency_mhz",
     "expected a number"),
    ({"baseline": {"set": {"datapath.params.registrs": 0}}, "axes": {"name": ["a"]}},
     "baseline.set.datapath.params.registrs", "did you mean 'registers'"),
    ({"mode": "zip", "axes": {"name": ["a", "b"], "description": ["x"]}}, "axes", "equal length"),
    ({"zip": [["name", "clock"]], "axes": {"name": ["a"]}}, "zip[0]", "keys of axes"),
    ({"axes": {}}, "axes", "at least one axis"),
    ({"axes": {"name": []}}, "axes.name", "a non-empty list"),
    ({"axes": {"name": [{"a": 1}]}}, "axes.name[0]", "a scalar or a list of scalars"),
    ({"axes": {"workload": ["nope.yaml"]}}, "axes.workload[0]", "an existing workload file"),
    ({"axes": {"name": ["a", "a"]}}, "axes", "are the same"),
    ({"layers": ["conv9"], "axes": {"name": ["a"]}}, "layers", "no layer named 'conv9'"),
    ({"baseline": 3, "axes": {"name": ["a"]}}, "baseline", "an arch file name"),
    ({"baseline": "missing.yaml", "axes": {"name": ["a"]}}, "baseline", "file not found"),
    ({"axes": {"name": ["a"]}, "grid": True}, "grid", "unknown key"),
]


@pytest.mark.parametrize("body,key,text", BAD, ids=[b[1] for b in BAD])
def test_bad_sweeps_raise_one_line_spec_errors(tmp_path, body, key, text):
    path = write_sweep(tmp_path, body)
    with pytest.raises(SpecError) as info:
        expand(load_sweep_spec(path))
    err = info.value
    assert err.file == str(path) and err.key == key
    assert text in str(err) and "\n" not in str(err)


def test_cli_reports_bad_sweep_on_one_line(tmp_path, run_cli):
    path = write_sweep(tmp_path, {"axes": {"memory.dram.typo": ["DDR4"]}})
    code, out, err = run_cli("sweep", path, "-o", tmp_path / "out")
    assert code == 2 and out == ""
    assert err.strip().splitlines() == [f"error: {path}: axes.memory.dram.typo: unknown key (did you mean 'type'?)"]
    code, _, err = run_cli("sweep", path, "--workers", "0")
    assert code == 2 and "--workers" in err


# -- running, the store, resuming --------------------------------------------------------------
@pytest.fixture(scope="module")
def grid_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("grid")
    path = write_sweep(folder, GRID)
    events = []
    report = run_sweep(path, folder / "store", workers=1, progress=events.append)
    return path, folder / "store", report, events


def test_store_holds_one_file_per_point_and_an_index(grid_run):
    path, store, report, events = grid_run
    assert report.points == report.computed == 8 and report.skipped == 0
    assert len(list((store / "points").glob("*.parquet"))) == 8
    assert (store / "sweep.json").is_file()
    assert [e.done for e in events] == list(range(1, 9)) and all(e.total == 8 for e in events)


def test_load_sweep_is_tidy_and_matches_direct_simulation(grid_run):
    path, store, report, _ = grid_run
    df = accelsim.load_sweep(store)
    tiny = accelsim.load_workload(TINY)
    assert len(df) == 8 * len(tiny.layers)
    assert df.attrs["axes"] == list(GRID["axes"])
    for key in GRID["axes"]:
        assert key in df.columns
    assert df.groupby("point")["layer"].apply(list).map(len).eq(len(tiny.layers)).all()
    # one point against a direct simulation of the same arch: same figures, same speedups
    point = expand(load_sweep_spec(path))[5]
    direct = accelsim.simulate(point.arch, tiny)
    base = accelsim.simulate(accelsim.load_arch(ROOT / "arch_configs" / "dadn.yaml"), tiny)
    rows = df[df["point"] == point.id].set_index("layer")
    ref = direct.per_layer().set_index("layer")
    assert (rows["cycles"] == ref["cycles"]).all()
    np.testing.assert_allclose(rows["energy_J"], ref["energy_J"], rtol=1e-12)
    cmp = direct.compare(base).set_index("layer")
    np.testing.assert_allclose(rows["speedup"], cmp.loc[rows.index, "speedup"], rtol=1e-12)
    total = rows["baseline_seconds"].sum() / rows["seconds"].sum()
    assert total == pytest.approx(cmp.loc["total", "speedup"], rel=1e-12)
    assert rows["area_m2"].iloc[0] == pytest.approx(direct.area_m2)
    assert (rows["datapath.params.group_size"].iloc[0], rows["memory.dram.type"].iloc[0]) == (64, "HBM2")


def test_rerun_recomputes_nothing_and_keeps_files(grid_run):
    path, store, _, _ = grid_run
    stamps = {f.name: f.stat().st_mtime_ns for f in (store / "points").glob("*.parquet")}
    report = run_sweep(path, store, workers=1)
    assert report.computed == 0 and report.skipped == 8
    assert stamps == {f.name: f.stat().st_mtime_ns for f in (store / "points").glob("*.parquet")}


def test_local_pool_and_dask_cluster_give_the_in_process_results(grid_run, tmp_path):
    from distributed import LocalCluster
    path, store, _, _ = grid_run
    want = tidy(accelsim.load_sweep(store))
    pool = run_sweep(path, tmp_path / "pool", workers=2)
    assert pool.computed == 8 and pool.workers == "2 local processes"
    pd.testing.assert_frame_equal(tidy(accelsim.load_sweep(tmp_path / "pool")), want)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster:
        report = run_sweep(path, tmp_path / "dask", scheduler=cluster.scheduler_address)
        assert report.computed == 8 and report.workers.startswith("dask ")
    pd.testing.assert_frame_equal(tidy(accelsim.load_sweep(tmp_path / "dask")), want)


def test_identical_layers_and_cached_baselines_are_reused(tmp_path):
    wl = yaml.safe_load(TINY.read_text())
    first = dict(wl["layers"][1])
    wl["layers"].append(dict(first, name="conv2_again"))      # same shape, precisions, operands
    (tmp_path / "w.yaml").write_text(yaml.safe_dump(wl))
    path = write_sweep(tmp_path, {"workload": "w.yaml", "baseline": str(ROOT / "arch_configs" / "dadn.yaml"),
                                  "axes": {"datapath.params.registers": [0, 1, 2]}})
    report = run_sweep(path, tmp_path / "store", workers=1)
    n = len(wl["layers"])
    # point 1: design n-1 + baseline n-1 simulated; points 2, 3: design n-1, baseline cached
    assert report.layers_simulated == 2 * (n - 1) + 2 * (n - 1)
    assert report.layers_reused == 2 + 2 * (1 + n)
    assert report.baselines_cached == 2
    df = accelsim.load_sweep(tmp_path / "store")
    assert df.loc[df["reused"], "layer"].unique().tolist() == ["conv2_again"]
    again = df[df["layer"] == "conv2_again"].set_index("point")["cycles"]
    orig = df[df["layer"] == "conv2"].set_index("point")["cycles"]
    assert (again == orig).all()


def test_store_refuses_a_foreign_folder(tmp_path):
    (tmp_path / "stuff").mkdir()
    (tmp_path / "stuff" / "notes.txt").write_text("mine")
    path = write_sweep(tmp_path, {"axes": {"name": ["a"]}})
    with pytest.raises(SpecError, match="not a sweep results folder"):
        run_sweep(path, tmp_path / "stuff", workers=1)
    with pytest.raises(SpecError, match="not a sweep results folder"):
        accelsim.load_sweep(tmp_path / "stuff")


def test_cli_sweep_prints_progress_lines_and_summary(tmp_path, run_cli):
    path = write_sweep(tmp_path, {"axes": {"datapath.params.registers": [0, 1]}})
    code, out, err = run_cli("sweep", path, "-o", tmp_path / "store", "--workers", "1")
    assert code == 0
    assert "sweep: 2/2 points" in err                     # not a terminal: plain lines
    assert "\r" not in err
    assert "2 points, 2 computed, 0 already in the store" in out
    code, out, _ = run_cli("sweep", path, "-o", tmp_path / "store")
    assert "0 computed, 2 already in the store" in out


def test_progress_bar_on_a_terminal_and_lines_elsewhere():
    class Tty(io.StringIO):
        def isatty(self):
            return True
    tty, plain = Tty(), io.StringIO()
    bar, lines = ProgressLine(tty), ProgressLine(plain)
    for done in (1, 2, 3, 4):
        ev = Progress(done, 4, 0, done * 2.0, "registers=1", "tiny")
        bar(ev)
        lines(ev)
    bar.close()
    text = tty.getvalue()
    assert text.count("\r") == 4 and text.endswith("\n")
    assert "[" + "#" * 28 + "]" in text and "4/4 points" in text and "30/min" in text
    assert "ETA 0:00:00" in text
    out = plain.getvalue().splitlines()
    assert out[0].startswith("sweep: 1/4 points") and "ETA 0:00:06" in out[0]
    assert out[-1].startswith("sweep: 4/4 points")       # throttled, but the last line is kept
    assert "\r" not in plain.getvalue()


def test_workload_keys_as_axes(tmp_path, run_cli):
    """``workload.set.<layer key>`` sweeps a setting of every layer (precision, density, ...)."""
    root = Path(__file__).resolve().parents[1]
    path = tmp_path / "w.yaml"
    path.write_text(yaml.safe_dump({
        "name": "prec", "arch": str(root / "arch_configs/dstripes.yaml"),
        "workload": str(root / "tests/data/tiny.yaml"), "layers": ["conv2", "fc"],
        "set": {"workload.set.wgt_bits": 8},
        "axes": {"workload.set.act_bits": [4, 8], "workload.set.act.density": [0.3, 0.9]}}))
    points = expand(load_sweep_spec(path))
    assert len(points) == 4
    for p in points:
        values = dict(p.values)
        assert all(l.act_bits == values["workload.set.act_bits"] and l.wgt_bits == 8
                   and l.act.density == values["workload.set.act.density"] for l in p.workload.layers)
    run_sweep(path, tmp_path / "store", workers=1)
    df = accelsim.load_sweep(tmp_path / "store")
    by = df.groupby(["workload.set.act_bits", "workload.set.act.density"])["cycles"].sum()
    assert by[(8, 0.9)] > by[(4, 0.9)] and by[(8, 0.9)] >= by[(8, 0.3)]
    path.write_text(path.read_text().replace("- 8\n", "- 40\n", 1))
    code, _, err = run_cli("sweep", path, "-o", tmp_path / "bad", "-q")
    assert code == 2 and "axes.workload.set.act_bits" in err and "got 40" in err
