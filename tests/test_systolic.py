"""Systolic baseline: SCALE-Sim's fold counts (golden figures from SCALE-Sim 3.0.0 runs), exact
integer outputs, accumulator wrap-around, action counts, parameter errors, the CLI."""
from __future__ import annotations

import csv

import numpy as np
import pytest

from accelsim.datapaths.systolic import folding
from accelsim.errors import SpecError
from accelsim.spec.arch import arch_from_dict
from accelsim.spec.workload import load_workload
from accelsim.workload.trace import build_trace

# SCALE-Sim 3.0.0 "Total Cycles" (CALC bandwidth, 0 stalls), measured on this box; SCALE-Sim
# reports the index of the last cycle, one less than the count accelsim gives.
# (windows, reduction, filters, rows, cols, dataflow, SCALE-Sim cycles)
SCALESIM = [
    (80, 180, 40, 8, 4, "os", 18999),      # 12x10 IFMAP, 3x3, C=20, K=40, stride 1
    (80, 180, 40, 8, 4, "is", 26679),
    (80, 180, 40, 8, 4, "ws", 22539),
    (25, 28, 70, 8, 4, "os", 2735),        # 9x9 IFMAP, 2x2 / 2 (SCALE-Sim: 5x5 outputs), C=7
    (25, 28, 70, 8, 4, "is", 2463),
    (25, 28, 70, 8, 4, "ws", 3095),
    (12544, 147, 64, 32, 32, "ws", 126379),     # ResNet-50 conv1
    (49, 4608, 512, 32, 32, "ws", 329471),      # ResNet-50 layer4.0.conv2
    (1, 2048, 1000, 32, 32, "ws", 194559),      # ResNet-50 fc
]


@pytest.mark.parametrize("windows, reduction, filters, rows, cols, dataflow, cycles", SCALESIM)
def test_folding_matches_scalesim(windows, reduction, filters, rows, cols, dataflow, cycles):
    f = folding(windows, reduction, filters, rows, cols, dataflow)
    assert f.folds * f.fold_cycles == cycles + 1


def test_crosscheck_table_still_holds(root):
    """Every SCALE-Sim figure in benchmarks/scalesim_crosscheck.csv, recomputed now (2 %)."""
    with (root / "benchmarks" / "scalesim_crosscheck.csv").open() as f:
        rows = [r for r in csv.DictReader(f) if not r["layer"].startswith("total")]
    assert {r["dataflow"] for r in rows} >= {"ws"} and len(rows) >= 24
    for r in rows:
        if not r.get("scalesim_cycles"):
            continue
        red = int(r["C"]) * int(r["R"]) * int(r["S"])
        f = folding(int(r["out"]) ** 2, red, int(r["K"]), 32, 32, r["dataflow"])
        ref = int(r["scalesim_cycles"])
        assert abs(f.folds * f.fold_cycles - ref) <= 0.02 * ref, r["layer"]


def _arch(dataflow="ws", rows=4, cols=3, width=8, acc_bits=32, outputs=True):
    buffers = {"weights": {"size_kib": 64}, "activations": {"size_kib": 64}}
    if outputs:
        buffers["outputs"] = {"size_kib": 64}
    return arch_from_dict({
        "name": "sys", "clock": {"frequency_mhz": 1000},
        "technology": {"node_nm": 45},
        "memory": {"dram": {"type": "HBM2"}, "buffers": buffers, "weights_resident": "none",
                   "activations_on_chip": False},
        "datapath": {"kind": "systolic", "params": {"rows": rows, "cols": cols,
                                                    "dataflow": dataflow, "width": width,
                                                    "acc_bits": acc_bits}},
    }, "sys.yaml")


@pytest.fixture
def tiny(root):
    return load_workload(root / "tests" / "data" / "tiny.yaml")


@pytest.mark.parametrize("dataflow", ["ws", "os", "is"])
def test_outputs_are_the_exact_gemm(tiny, dataflow):
    arch = _arch(dataflow, rows=5, cols=3)
    dp = arch.build()
    for i, layer in enumerate(tiny.layers):
        trace = build_trace(layer, tiny, i)
        assert np.array_equal(dp.outputs(trace), trace.reference_output()), layer.name


def test_accumulator_wraps(tiny):
    dp = _arch("ws", width=8, acc_bits=12).build()
    trace = build_trace(tiny.layers[3], tiny, 3)              # fc, 400 inputs of 8 bits
    exact = trace.reference_output()
    got = dp.outputs(trace)
    assert np.abs(exact).max() >= 2 ** 11                     # the test does overflow
    assert not np.array_equal(got, exact)
    assert np.array_equal(got, ((exact + 2 ** 11) % 2 ** 12) - 2 ** 11)


@pytest.mark.parametrize("dataflow", ["ws", "os", "is"])
def test_run_counts(tiny, dataflow):
    arch = _arch(dataflow, rows=5, cols=3)
    dp = arch.build()
    for i, layer in enumerate(tiny.layers):
        trace = build_trace(layer, tiny, i)
        s = trace.shape
        f = dp.fold(s)
        work = dp.run(trace)
        assert int(work.compute_cycles.sum()) == s.groups * f.folds * f.fold_cycles
        assert work.actions["pe.mult.op"] == s.macs
        assert work.ideal_cycles <= work.compute_cycles.sum()
        assert 0 < work.extra["scalesim_mapping_efficiency"] <= 1
        assert 0 < work.extra["scalesim_compute_util"] <= 1
        assert work.extra["folds"] == s.groups * f.folds
        # each weight enters a weight-stationary array once; an input-stationary one holds inputs
        if dataflow == "ws":
            assert work.actions["weights.read_bits"] == s.k * s.reduction * layer.wgt_bits
        if dataflow == "is":
            assert work.actions["activations.read_bits"] == \
                s.groups * s.windows * s.reduction * layer.act_bits
        if dataflow == "os":
            assert "outputs.read_bits" not in work.actions       # no partial sums leave the PEs
        assert int(work.bytes_in.sum()) > 0 and int(work.bytes_out.sum()) > 0


def test_depthwise_runs_one_gemm_per_channel(tiny):
    dp = _arch("ws", rows=32, cols=32).build()
    dw = build_trace(tiny.layers[2], tiny, 2)                  # 40 channels, 3x3
    assert dw.shape.groups == 40
    f = dp.fold(dw.shape)
    assert (f.sr, f.sc, f.t, f.folds) == (9, 1, 100, 1)
    assert int(dp.run(dw).compute_cycles.sum()) == 40 * (2 * 32 + 32 + 100 - 2)


def test_without_output_buffer_partial_sums_go_to_activations(tiny):
    dp = _arch("ws", rows=5, cols=3, outputs=False).build()
    work = dp.run(build_trace(tiny.layers[0], tiny, 0))       # 27-deep reduction: 6 row folds
    assert work.actions["activations.read_bits"] > 0 and "outputs.read_bits" not in work.actions


@pytest.mark.parametrize("params, needle", [
    ({"width": 16, "acc_bits": 8}, "acc_bits: expected at least width (16)"),
    ({"dataflow": "rs"}, "dataflow: expected one of os, ws, is"),
    ({"rows": 0}, "rows"),
])
def test_bad_params(params, needle):
    with pytest.raises(SpecError, match=needle.replace("(", r"\(").replace(")", r"\)")):
        arch_from_dict({"name": "s", "clock": {"frequency_mhz": 1000},
                        "technology": {"node_nm": 45},
                        "memory": {"dram": {"type": "HBM2"},
                                   "buffers": {"weights": {"size_kib": 1},
                                               "activations": {"size_kib": 1}}},
                        "datapath": {"kind": "systolic", "params": params}}, "s.yaml")


def test_cli_runs_bundled_configs(root, run_cli):
    for df in ("ws", "os", "is"):
        code, out, err = run_cli("run", root / "arch_configs" / f"systolic_32x32_{df}.yaml",
                                 root / "tests" / "data" / "tiny.yaml")
        assert code == 0, err
        assert "conv1" in out


def test_cli_precision_wider_than_the_array(tmp_path, root, run_cli):
    (tmp_path / "w.yaml").write_text(
        "name: w\nlayers:\n  - {name: f, kind: fc, in_features: 8, out_features: 4, "
        "act_bits: 24}\n")
    code, _, err = run_cli("run", root / "arch_configs" / "systolic_32x32_ws.yaml",
                           tmp_path / "w.yaml")
    assert code == 2 and err.count("\n") == 1 and "act_bits" in err
