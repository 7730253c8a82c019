"""QA (installed-wheel pass): a sweep's name cannot send its default store out of the folder."""
import pytest

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
TINY = ROOT / "tests/data/tiny.yaml"


@pytest.mark.parametrize("name", ["../escaped", "sub/dir", "..", "a\\\\b"])
def test_a_sweep_name_with_a_path_separator_is_refused(tmp_path, monkeypatch, run_cli, name):
    # 'name: ../escaped' wrote the default store ../escaped.sweep, outside the current folder
    work = tmp_path / "work"
    work.mkdir()
    (work / "s.yaml").write_text(f"name: \"{name}\"\narch: stripes\nworkload: {TINY}\n"
                                 "axes: {datapath.params.tiles: [1, 2]}\n")
    monkeypatch.chdir(work)
    code, _, err = run_cli("sweep", "s.yaml", "-j", "1")
    assert code == 2 and err.startswith("error: s.yaml: name: ") and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]
    assert sorted(p.name for p in work.iterdir()) == ["s.yaml"]


def _filed(tmp_path):
    """tiny with fc's weights read from a file."""
    import numpy as np
    np.save(tmp_path / "w.npy", np.random.default_rng(0).integers(-50, 50, size=(30, 400)).astype(np.int8))
    path = tmp_path / "filed.yaml"
    path.write_text(f"name: filed\nbase: {TINY}\noverrides: {{fc: {{wgt: {{file: w.npy}}}}}}\n")
    return path


def test_a_value_model_set_on_an_operand_read_from_a_file_is_refused(tmp_path, run_cli):
    # set: {wgt: {density: 0.3}} left fc's file-backed weights as they were, without a word
    import accelsim
    from accelsim.errors import SpecError
    filed = _filed(tmp_path)
    wl = tmp_path / "thin.yaml"
    wl.write_text(f"base: {filed}\nset: {{wgt: {{density: 0.3}}}}\n")
    with pytest.raises(SpecError, match=r"set\.wgt\.density: layer fc's wgt values come from a file"):
        accelsim.load_workload(wl)
    # a value model on the synthetic layers, or a file over a synthetic layer's model, is fine
    ok = tmp_path / "ok.yaml"
    ok.write_text(f"base: {filed}\noverrides: {{conv1: {{wgt: {{density: 0.3}}}}}}\n")
    assert accelsim.load_workload(ok).layers[0].wgt.density == 0.3
    assert accelsim.load_workload(filed).layers[3].wgt.file.name == "w.npy"
    # in a sweep the error names the axis
    sweep = tmp_path / "s.yaml"
    sweep.write_text(f"name: s\narch: scnn\nworkload: {filed}\naxes: {{workload.set.wgt.density: [0.3, 0.6]}}\n")
    code, _, err = run_cli("sweep", sweep, "-o", tmp_path / "store", "-j", "1")
    assert code == 2 and "axes.workload.set.wgt.density: filed.yaml: set.wgt.density" in err


def test_the_resume_command_quotes_paths_with_spaces(tmp_path):
    # 'run `accelsim sweep my sweep.yaml -o my store` again' pasted back as four arguments
    import argparse
    import shlex

    import accelsim
    from accelsim.sweep.cli import _saved
    sweep = tmp_path / "my sweep.yaml"
    sweep.write_text(f"name: s\narch: stripes\nworkload: {TINY}\naxes: {{datapath.params.tiles: [1, 2]}}\n")
    store = tmp_path / "my store"
    accelsim.run_sweep(sweep, store, workers=1)
    line = _saved(argparse.Namespace(sweep=str(sweep), output=str(store)))
    command = line.split("`")[1]
    assert shlex.split(command) == ["accelsim", "sweep", str(sweep), "-o", str(store)]
    assert line.startswith("2 of 2 points saved")


def test_a_long_lived_worker_does_not_serve_a_rewritten_tensor_file_from_its_cache(tmp_path):
    # A Dask worker keeps its trace and baseline caches across sweeps; they were keyed by the
    # file's path, so a sweep run after the file was rewritten got the old operands' cycles.
    import os

    import numpy as np

    from accelsim.spec.sweep import load_sweep_spec
    from accelsim.sweep.points import expand
    from accelsim.sweep.run import Worker, run_point
    acts = tmp_path / "a.npy"
    rng = np.random.default_rng(0)
    np.save(acts, rng.integers(0, 255, size=400).astype(np.uint8))
    wl = tmp_path / "w.yaml"
    wl.write_text(f"name: w\nbase: {TINY}\noverrides: {{fc: {{act: {{file: a.npy}}}}}}\n")
    sweep = tmp_path / "s.yaml"
    sweep.write_text(f"name: s\narch: pragmatic\nworkload: {wl}\nlayers: [fc]\nbaseline: {{set: "
                     "{datapath.params.registers: 0}}\naxes: {datapath.params.registers: [1, 2]}\n")
    worker = Worker()

    def fc(point):
        frame = run_point(point, worker).frame
        return int(frame["cycles"].iloc[0]), int(frame["baseline_cycles"].iloc[0])

    before = fc(expand(load_sweep_spec(sweep))[0])
    np.save(acts, np.ones(400, dtype=np.uint8))          # one essential bit each: fewer terms
    os.utime(acts, ns=(1, 1))                            # a distinct stamp whatever the clock
    point = expand(load_sweep_spec(sweep))[0]
    fresh = fc(point)
    alone = run_point(point, Worker()).frame
    assert fresh == (int(alone["cycles"].iloc[0]), int(alone["baseline_cycles"].iloc[0]))
    assert fresh != before
