"""QA: what a new user meets on the command line, outside the checkout."""
from pathlib import Path

import numpy as np
import pytest

import accelsim.sweep.run
from accelsim import bundled
from accelsim.errors import SpecError


def test_sweep_takes_a_bundled_sweep_by_name(run_cli, monkeypatch, tmp_path):
    # `accelsim list` shows the bundled sweeps; from any folder their names must work, as for run
    seen = []

    def fake_run_sweep(spec, store, **kwargs):
        seen.append(spec)
        raise SpecError("stop", "", message="stopped by the test")

    monkeypatch.setattr(accelsim.sweep.run, "run_sweep", fake_run_sweep)
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("sweep", "dstripes_space", "-o", tmp_path / "s", "-q")
    assert code == 2 and "stopped by the test" in err
    assert seen == [bundled.folder("sweep") / "dstripes_space.yaml"]


def test_sweep_names_a_wrong_bundled_name_in_one_line(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run_cli("sweep", "stripes")
    assert code == 2 and err.strip() == "error: SWEEP: 'stripes' is a bundled arch, not a sweep"
    code, _, err = run_cli("sweep", "dstripes_spce")
    assert code == 2 and len(err.strip().splitlines()) == 1 and "did you mean 'dstripes_space'" in err


def test_sweep_without_pyarrow_stops_before_any_point(run_cli, monkeypatch, tmp_path, root):
    # the base install has no pyarrow: the sweep used to simulate its first points, then fail
    sweep = tmp_path / "s.yaml"
    sweep.write_text(f"name: s\narch: {root / 'arch_configs/dadn.yaml'}\n"
                     f"workload: {root / 'tests/data/tiny.yaml'}\naxes: {{clock.frequency_mhz: [500, 1000]}}\n")
    ran = []
    monkeypatch.setattr(accelsim.sweep.run, "simulate", lambda *a, **k: ran.append(a))
    monkeypatch.setitem(__import__("sys").modules, "pyarrow", None)
    code, _, err = run_cli("sweep", sweep, "-o", tmp_path / "out", "-j", "1", "-q")
    assert code == 1 and err.strip() == "error: this needs pyarrow, from the 'parquet' extra: pip install 'accelsim[parquet]'"
    assert ran == [] and not (tmp_path / "out").exists()


def test_sweep_file_names_bundled_archs_and_workloads(tmp_path):
    # a sweep written outside the checkout names the bundled files as the command line does
    from accelsim.spec.sweep import load_sweep_spec
    sweep = tmp_path / "s.yaml"
    sweep.write_text("name: s\nworkload: alexnet\nbaseline: dadn\n"
                     "axes: {arch: [stripes, dstripes], datapath.params.tiles: [8, 16]}\n")
    spec = load_sweep_spec(sweep)
    archs = bundled.folder("arch")
    assert spec.workload == bundled.folder("workload") / "alexnet.yaml" and spec.baseline == archs / "dadn.yaml"
    assert spec.axes[0].values == (archs / "stripes.yaml", archs / "dstripes.yaml")
    sweep.write_text("name: s\nworkload: alexnet\narch: stripez\naxes: {datapath.params.tiles: [8]}\n")
    with pytest.raises(SpecError) as err:
        load_sweep_spec(sweep)
    assert str(err.value) == f"{sweep}: arch: file not found: stripez"


def test_workload_derives_from_a_bundled_network_by_name(tmp_path):
    import accelsim
    w = tmp_path / "w.yaml"
    w.write_text("name: w\nbase: alexnet\nset: {act_bits: 4}\n")
    layers = accelsim.load_workload(w).layers
    assert len(layers) == 8 and {l.act_bits for l in layers} == {4}


def test_a_missing_base_names_the_deriving_file_and_key(run_cli, tmp_path, root):
    w = tmp_path / "w.yaml"
    w.write_text("name: w\nbase: nothere.yaml\n")
    code, _, err = run_cli("run", root / "arch_configs/dadn.yaml", w, "-q")
    assert code == 2 and err == f"error: {w}: base: file not found: nothere.yaml\n"


def test_sweep_error_names_which_arch_of_an_arch_axis_rejects_a_key(run_cli, tmp_path):
    sweep = tmp_path / "s.yaml"
    sweep.write_text("name: s\nworkload: alexnet\naxes: {arch: [stripes, pragmatic], "
                     "datapath.params.registers: [0, 1]}\n")
    code, _, err = run_cli("sweep", sweep, "-o", tmp_path / "out", "-q")
    assert code == 2 and err == (f"error: {sweep}: axes.datapath.params.registers: unknown key "
                                 "(did you mean 'filters'?) (in stripes.yaml)\n")


def test_stats_and_export_take_bundled_workload_names(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("stats", "alexnet", "--layers", "conv2")
    assert code == 0, err
    assert out.splitlines()[1].split()[:2] == ["conv2", "act"]
    code, _, err = run_cli("export", "scalesim", "alexnet", "-o", tmp_path / "a.csv")
    assert code == 0, err
    assert (tmp_path / "a.csv").read_text().splitlines()[1].startswith("conv1, 227, 227, 11, 11, 3, 96, 4")


def test_run_output_that_is_a_directory_is_refused_before_simulating(run_cli, tmp_path, monkeypatch):
    import accelsim.engine.simulate
    monkeypatch.setattr(accelsim.engine.simulate, "simulate", lambda *a, **k: 1 / 0)
    (tmp_path / "out.csv").mkdir()
    code, _, err = run_cli("run", "stripes", "alexnet", "-q", "-o", tmp_path / "out.csv")
    assert code == 2 and err == f"error: {tmp_path / 'out.csv'}: cannot write: is a directory\n"


def test_summary_counts_one_layer_in_the_singular(run_cli):
    code, out, err = run_cli("run", "stripes", "alexnet", "--layers", "fc8")
    assert code == 0, err
    assert "on alexnet: 1 layer, 4,096,000 MACs" in out


def test_every_row_of_a_run_output_names_the_design(run_cli, tmp_path):
    import json
    out = tmp_path / "r.json"
    code, _, err = run_cli("run", "stripes", "alexnet", "--layers", "conv2,fc8", "-q", "-o", out)
    assert code == 0, err
    rows = json.loads(out.read_text())
    assert [r["layer"] for r in rows] == ["conv2", "fc8", "total"]
    assert {(r["datapath"], r["node_nm"], r["frequency_hz"]) for r in rows} == {("stripes", 65, 980e6)}


def test_list_tells_apart_the_kinds_one_module_defines(run_cli):
    code, out, _ = run_cli("list")
    lines = {l.split()[0]: l for l in out.splitlines() if l.startswith("  ") and len(l.split()) > 1}
    assert code == 0 and "Dynamic Stripes" in lines["dstripes"] and "Dynamic" not in lines["stripes"]


def test_python_loaders_take_bundled_names_from_any_folder(tmp_path, monkeypatch):
    # the README's Python example, run outside the checkout (as after pip install)
    import accelsim
    monkeypatch.chdir(tmp_path)
    assert accelsim.load_arch("stripes").name == "stripes"
    assert [l.name for l in accelsim.load_workload("alexnet").layers][:2] == ["conv1", "conv2"]
    with pytest.raises(SpecError) as err:
        accelsim.load_arch("alexnet")
    assert str(err.value) == "ARCH: 'alexnet' is a bundled workload, not an arch"
    with pytest.raises(SpecError) as err:
        accelsim.load_arch("stripez")
    assert str(err.value).startswith("ARCH: expected an arch YAML file or a bundled arch name (did you mean")


def test_a_missing_cost_table_names_the_arch_file_and_key(run_cli, tmp_path, root):
    arch = tmp_path / "a.yaml"
    arch.write_text((root / "arch_configs/dadn.yaml").read_text() + "costs: {table: nothere.yaml}\n")
    code, _, err = run_cli("run", arch, root / "tests/data/tiny.yaml", "-q")
    assert code == 2 and err == f"error: {arch}: costs.table: file not found: nothere.yaml\n"


def test_plot_of_a_sweep_with_no_finished_point_says_so(run_cli, tmp_path, root):
    from accelsim.spec.sweep import load_sweep_spec
    from accelsim.sweep.points import expand
    from accelsim.sweep.store import Store
    sweep = tmp_path / "s.yaml"
    sweep.write_text(f"name: s\narch: dadn\nworkload: {root / 'tests/data/tiny.yaml'}\n"
                     "axes: {clock.frequency_mhz: [500, 1000]}\n")
    spec = load_sweep_spec(sweep)
    Store.create(tmp_path / "s.sweep", spec, expand(spec)).close()    # as Ctrl-C leaves it
    code, _, err = run_cli("plot", tmp_path / "s.sweep", "--kind", "pareto", "-o", tmp_path / "p.png")
    assert code == 2
    assert err == f"error: {tmp_path / 's.sweep'}: no finished point yet (0 of 2); run the sweep to compute them\n"


def test_validate_table_columns_line_up_with_long_names(run_cli, monkeypatch):
    # Loom's metric (53 characters) and 'DaDN @ DaDianNao node' overflowed fixed columns and
    # pushed their figures right of the header's
    import accelsim.validation.registry as registry
    from types import SimpleNamespace as NS

    def target(design, metric):
        measured = NS(value=2.0, details={"alexnet": 1.5})
        return NS(design=design, metric=metric, published=2.0, tolerance=0.1, scope="",
                  measure=lambda runner: measured, check=lambda m: True)

    monkeypatch.setattr(registry, "targets", lambda: [
        target("Loom", "speedup vs equal-peak bit-parallel (geomean, 6 CNNs)"),
        target("DaDN @ DaDianNao node", "power (W)")])
    code, out, _ = run_cli("validate", "-q")
    lines = out.splitlines()
    assert code == 0 and lines[-1] == "2 of 2 targets within tolerance"
    ends = {len(l) - len("  pass") for l in lines[1:-1] if l.endswith("pass")}
    assert len(ends) == 1 and lines[0].index("result") - 2 == ends.pop()
    assert len({l.rindex("1.500") for l in lines if l.endswith("1.500")}) == 1


def test_an_ascii_terminal_gets_escapes_not_a_traceback(tmp_path):
    import os
    import subprocess
    import sys
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    run = lambda *a: subprocess.run([sys.executable, "-m", "accelsim.cli", *a], env=env,
                                    capture_output=True, text=True, encoding="ascii", errors="replace",
                                    timeout=120)
    p = run("list")
    assert p.returncode == 0 and "Traceback" not in p.stderr and "stripes" in p.stdout
    missing = tmp_path / "r\u00e9sum\u00e9.yaml"
    p = run("run", "stripes", str(missing))
    assert p.returncode == 2 and p.stderr.count("\n") == 1 and "r\\xe9sum\\xe9.yaml: file not found" in p.stderr


@pytest.mark.parametrize("flag, value", [("--threshold", "30"), ("--criterion", "sqnr"), ("--max-bits", "8")])
def test_capture_profile_settings_without_profile_are_refused(run_cli, tmp_path, flag, value):
    # they were dropped without a word: the capture ran unprofiled
    code, _, err = run_cli("capture", "ppocr_cls", flag, value, "-o", tmp_path / "x.yaml")
    assert code == 2 and err == f"error: {flag}: only used with --profile\n"
    assert not (tmp_path / "x.yaml").exists()


def test_sample_seed_without_sample_is_refused(run_cli):
    code, _, err = run_cli("run", "stripes", "alexnet", "--sample-seed", "3", "-q")
    assert code == 2 and err == "error: --sample-seed: only used with --sample\n"


def test_plot_axes_are_refused_outside_pareto(run_cli, tmp_path):
    code, _, err = run_cli("plot", tmp_path / "none.csv", "--kind", "speedup", "--x", "dram_bytes",
                           "-o", tmp_path / "f.png")
    assert code == 2 and err == "error: --x: only used with --kind pareto\n"


def test_a_point_refused_while_running_is_named_by_the_sweep_and_its_values(run_cli, tmp_path, root):
    # the error named only alexnet.yaml's layers[0].act_bits, whose value (9) is not the one at fault
    sweep = tmp_path / "s.yaml"
    sweep.write_text(f"name: s\narch: stripes\nworkload: {root / 'tests/data/tiny.yaml'}\nlayers: [fc]\n"
                     "axes: {workload.set.act_bits: [20]}\n")
    code, _, err = run_cli("sweep", sweep, "-o", tmp_path / "out", "-j", "1", "-q")
    assert code == 2 and err == (f"error: {sweep}: point workload.set.act_bits=20: tiny.yaml: layers[0].act_bits: "
                                 "expected an integer in 1..16 (the width of stripes's stripes datapath in stripes.yaml), got 20\n")


def test_progress_names_the_design_and_the_baseline(run_cli, monkeypatch):
    # both passes printed the same 'layer 1/1 ...' lines
    import sys
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    code, _, err = run_cli("run", "stripes", "alexnet", "--baseline", "dadn", "--layers", "fc8")
    assert code == 0
    assert "stripes: layer 1/1 fc8" in err and "dadn: layer 1/1 fc8" in err


def test_stats_output_must_be_a_csv(run_cli, tmp_path):
    # it wrote CSV into whatever name it was given
    code, _, err = run_cli("stats", "alexnet", "-o", tmp_path / "s.txt")
    assert code == 2 and err == f"error: --output: expected a .csv file name, got '{tmp_path / 's.txt'}'\n"
    assert not (tmp_path / "s.txt").exists()


def test_export_output_must_be_a_csv(run_cli, tmp_path):
    code, _, err = run_cli("export", "scalesim", "alexnet", "-o", tmp_path / "t.yaml")
    assert code == 2 and err == f"error: --output: expected a .csv file name, got '{tmp_path / 't.yaml'}'\n"


def test_capture_without_models_extra_is_the_missing_extra_line(run_cli, monkeypatch):
    # a bundled model without rapidocr-onnxruntime used to be a SpecError (exit 2), unlike every
    # other missing extra (exit 1, one line naming the extra)
    import importlib.util
    from accelsim.workload import zoo
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda n, *a: None if n == zoo.PACKAGE else real(n, *a))
    code, _, err = run_cli("capture", "ppocr_cls", "-q")
    assert code == 1 and err.strip() == ("error: this needs rapidocr_onnxruntime, from the 'models' "
                                         "extra: pip install 'accelsim[models]'")


def test_json_output_is_strict_json(run_cli, tmp_path):
    # an exact format's SQNR is infinite: it was written as the bare word Infinity, which strict
    # parsers (JavaScript's JSON.parse, jq) reject; it is null now, as pandas writes it
    import json
    import pandas as pd
    tiny = Path(__file__).parent / "data/tiny.yaml"
    for out in (tmp_path / "r.json", tmp_path / "r.csv"):
        code, _, err = run_cli("run", "vmac_fp32", tiny, "-q", "-o", out)
        assert code == 0, err
    df = pd.read_csv(tmp_path / "r.csv")
    infinite = {c for c in df.select_dtypes("number") if np.isinf(df[c]).any()}
    assert infinite                                  # the case the test is about

    def refuse(word):
        raise ValueError(f"not strict JSON: {word}")
    rows = json.loads((tmp_path / "r.json").read_text(), parse_constant=refuse)
    for c in infinite:
        assert [r[c] for r in rows] == [None if not np.isfinite(v) else v for v in df[c]], c


def test_a_width_error_names_the_architecture_file(run_cli, tmp_path):
    # a baseline copied from stripes.yaml keeps its name: the error blamed 'stripes', not the file
    w8 = tmp_path / "w8.yaml"
    w8.write_text(bundled.resolve("arch", "stripes").read_text().replace("width: 16", "width: 8"))
    assert "width: 8" in w8.read_text()
    code, _, err = run_cli("run", "stripes", "alexnet", "--layers", "conv2", "--baseline", w8, "-q")
    assert code == 2 and "datapath in w8.yaml)" in err and err.count("\n") == 1
