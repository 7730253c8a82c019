"""Every bad input ends in one line, ``error: file: key: ...``, exit status 2, and no result."""
import textwrap

import pytest

DADN = "arch_configs/dadn.yaml"
TINY = "tests/data/tiny.yaml"

GOOD_ARCH = textwrap.dedent("""\
    name: t
    clock: {frequency_mhz: 1000}
    technology: {node_nm: 45, vdd: 0.9}
    memory:
      dram: {type: DDR4}
      buffers:
        weights: {size_kib: 1024}
        activations: {size_kib: 512}
    datapath:
      kind: bitparallel
      params: {tiles: 4, filters: 4, lanes: 16, width: 16}
    """)

GOOD_LAYER = "{name: c, kind: conv, in_channels: 4, in_size: 8, out_channels: 8, kernel: 3, padding: 1}"


def _workload(layer: str) -> str:
    return f"name: w\nseed: 1\nlayers:\n  - {layer}\n"


def _check(code, out, err, *needles):
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ")
    assert "Traceback" not in err
    for n in needles:
        assert n in lines[0], (n, lines[0])


@pytest.mark.parametrize("text, needles", [
    (GOOD_ARCH.replace("name: t", "name: [t"), ["line ", "YAML syntax error"]),
    (GOOD_ARCH.replace("frequency_mhz", "frequncy_mhz"), ["clock.frequncy_mhz", "unknown key", "did you mean 'frequency_mhz'"]),
    (GOOD_ARCH.replace("frequency_mhz: 1000", "frequency_mhz: fast"), ["clock.frequency_mhz", "expected a number", "'fast'"]),
    (GOOD_ARCH.replace("tiles: 4", "tiles: 0"), ["datapath.params.tiles", "expected an integer in 1..1024", "got 0"]),
    (GOOD_ARCH.replace("lanes: 16", "lanes: 2.5"), ["datapath.params.lanes", "expected an integer"]),
    (GOOD_ARCH.replace("kind: bitparallel", "kind: bitparalel"), ["datapath.kind", "unknown datapath kind", "did you mean 'bitparallel'"]),
    (GOOD_ARCH.replace("type: DDR4", "type: DDR9"), ["memory.dram.type", "expected one of"]),
    (GOOD_ARCH.replace("node_nm: 45", "node_nm: 44"), ["technology.node_nm", "expected one of"]),
    (GOOD_ARCH.replace("    activations: {size_kib: 512}\n", ""), ["memory.buffers", "'weights' and 'activations'"]),
    (GOOD_ARCH.replace("{tiles: 4,", "{tilez: 4,"), ["datapath.params.tilez", "did you mean 'tiles'"]),
    (GOOD_ARCH.replace("clock: {frequency_mhz: 1000}\n", ""), ["clock", "missing required key"]),
])
def test_bad_arch(tmp_path, run_cli, text, needles):
    path = tmp_path / "arch.yaml"
    path.write_text(text)
    _check(*run_cli("run", path, TINY), str(path), *needles)


@pytest.mark.parametrize("layer, needles", [
    (GOOD_LAYER.replace("kind: conv", "kind: convolution"), ["layers[0].kind", "expected one of conv, fc, matmul", "'convolution'"]),
    (GOOD_LAYER.replace("in_size: 8", "in_size: 2").replace("padding: 1", "padding: 0"), ["layers[0].kernel", "output size"]),
    (GOOD_LAYER.replace("kernel: 3", "kernel: 3, stride: 0"), ["layers[0].stride", "expected an integer >= 1", "got 0"]),
    (GOOD_LAYER.replace("kind: conv", "kind: conv, act_bits: 0"), ["layers[0].act_bits", "got 0"]),
    (GOOD_LAYER.replace(", padding: 1", ""), ["layers[0].padding", "missing required key"]),
    (GOOD_LAYER.replace("out_channels: 8", "out_channels: 8, groups: 3"), ["layers[0].groups", "divisor"]),
    (GOOD_LAYER.replace("in_channels: 4", "in_chanels: 4"), ["layers[0].in_chanels", "did you mean 'in_channels'"]),
    (GOOD_LAYER.replace("kind: conv", "kind: conv, in_features: 3"), ["layers[0].in_features", "not a key of a conv layer"]),
    ("{name: f, kind: fc, in_features: 10, out_features: 0}", ["layers[0].out_features", "got 0"]),
    (GOOD_LAYER.replace("kind: conv", "kind: conv, act: {dist: gaussian}"), ["layers[0].act.dist", "expected one of"]),
    (GOOD_LAYER.replace("kind: conv", "kind: conv, act: {density: 0}"), ["layers[0].act.density", "got 0"]),
    (GOOD_LAYER.replace("kind: conv", "kind: conv, wgt: {file: missing.npy}"), ["layers[0].wgt.file", "not found"]),
])
def test_bad_workload(tmp_path, run_cli, layer, needles):
    path = tmp_path / "w.yaml"
    path.write_text(_workload(layer))
    _check(*run_cli("run", DADN, path), str(path), *needles)


def test_precision_above_datapath_width(tmp_path, run_cli):
    path = tmp_path / "w.yaml"
    path.write_text(_workload(GOOD_LAYER.replace("kind: conv", "kind: conv, act_bits: 20")))
    _check(*run_cli("run", DADN, path), "layers[0].act_bits", "1..16", "got 20")


def test_missing_files(run_cli, tmp_path):
    _check(*run_cli("run", tmp_path / "none.yaml", TINY), "none.yaml", "file not found")
    _check(*run_cli("run", DADN, tmp_path / "none.yaml"), "none.yaml", "file not found")
    _check(*run_cli("run", DADN, TINY, "--baseline", tmp_path / "b.yaml"), "b.yaml", "file not found")


def test_empty_and_non_mapping(tmp_path, run_cli):
    path = tmp_path / "w.yaml"
    path.write_text("- just\n- a list\n")
    _check(*run_cli("run", DADN, path), "expected a mapping")
    path.write_text("name: w\nlayers: []\n")
    _check(*run_cli("run", DADN, path), "layers", "at least one layer")


def test_bad_cli_options(run_cli, tmp_path):
    _check(*run_cli("run", DADN, TINY, "--layers", "conv9"), "no layer named 'conv9'", "did you mean")
    _check(*run_cli("run", DADN, TINY, "-o", tmp_path / "out.xlsx"), "--output", ".csv, .json or .parquet")


def test_real_tensor_errors(tmp_path, run_cli):
    import numpy as np
    np.save(tmp_path / "w.npy", np.zeros((3, 3)))
    np.save(tmp_path / "big.npy", np.full((8, 4, 3, 3), 1000, dtype=np.int32))
    np.savez(tmp_path / "two.npz", a=np.zeros(288), b=np.zeros(288))
    path = tmp_path / "wl.yaml"
    for spec, needles in [("{file: w.npy}", ["layers[0].wgt.file", "an array of 288 values"]),
                          ("{file: big.npy}", ["layers[0].wgt.file", "integer values in 0..255"]),
                          ("{file: two.npz}", ["layers[0].wgt.key", "one of the arrays"]),
                          ("{file: two.npz, key: c}", ["layers[0].wgt.key", "'c'"])]:
        path.write_text(_workload(GOOD_LAYER.replace("kind: conv", f"kind: conv, wgt_bits: 8, wgt: {spec}")))
        _check(*run_cli("run", DADN, path), *needles)


def test_derived_workload_errors(tmp_path, run_cli, root):
    path = tmp_path / "d.yaml"
    path.write_text(f"name: d\nbase: {root}/workloads/alexnet.yaml\noverrides:\n  conv9: {{act_bits: 8}}\n")
    _check(*run_cli("run", DADN, path), "overrides.conv9", "no layer of that name")
    path.write_text("name: d\nset: {act_bits: 8}\nlayers: []\n")
    _check(*run_cli("run", DADN, path), "set", "only allowed together with 'base'")


def test_spec_error_survives_pickling():
    import pickle
    from accelsim.errors import SpecError
    err = pickle.loads(pickle.dumps(SpecError("a.yaml", "datapath.kind", "one of x", "y")))
    assert str(err) == "a.yaml: datapath.kind: expected one of x, got 'y'" and err.key == "datapath.kind"
