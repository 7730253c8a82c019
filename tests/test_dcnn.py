"""DCNN and DCNN-opt: the dense cycle count, zero gating counted from the real operands, compressed
DRAM traffic that never exceeds the dense one, DCNN-opt never above DCNN in energy, error paths."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from accelsim.engine.simulate import simulate
from accelsim.errors import SpecError
from accelsim.spec.arch import arch_from_dict, load_arch
from accelsim.spec.reader import load_yaml
from accelsim.spec.workload import load_workload
from accelsim.workload.trace import build_trace

ROOT = Path(__file__).resolve().parent.parent


def workload(tmp_path, spec: str, act: float = 0.5, wgt: float = 0.4):
    path = tmp_path / "w.yaml"
    path.write_text(f"name: t\nseed: 2\ndefaults: {{act_bits: 16, wgt_bits: 16, "
                    f"act: {{dist: relu_normal, density: {act}}}, wgt: {{density: {wgt}}}}}\n"
                    f"layers:\n  - {{name: l, {spec[1:]}\n")
    return load_workload(path)


def arch(name="dcnn", **params):
    data = load_yaml(ROOT / f"arch_configs/{name}.yaml")
    data["datapath"]["params"].update(params)
    return arch_from_dict(data, f"{name}.yaml")


def test_conv_cycles_are_the_dense_loop_nest(tmp_path):
    """16 x 16 outputs on 8 x 8 PEs: 2 x 2 positions each; 64 filters fit one group (4 x 64 <=
    1024 partial sums); 3 x 3 kernel, ceil(10 / 4) channel bricks, 64 / 4 filter vectors."""
    wl = workload(tmp_path, "{kind: conv, in_channels: 10, in_size: 16, out_channels: 64, kernel: 3, padding: 1}")
    work = arch().build().run(build_trace(wl.layers[0], wl, 0))
    compute = 4 * 9 * 3 * 16
    drain = 64 * 4 // 4                  # the group's partial sums through f = 4 banks, exposed
    assert work.compute_cycles.sum() == compute + drain
    assert work.ideal_cycles == -(-(16 * 16 * 64 * 90) // 1024)


@pytest.mark.parametrize("resident", ["none", "all"])
def test_fc_cycles_split_filters_over_the_pes(tmp_path, resident):
    wl = workload(tmp_path, "{kind: fc, in_features: 1000, out_features: 600, batch: 2}")
    data = load_yaml(ROOT / "arch_configs/dcnn.yaml")
    data["memory"]["weights_resident"] = resident
    work = arch_from_dict(data, "dcnn.yaml").build().run(build_trace(wl.layers[0], wl, 0))
    assert work.compute_cycles.sum() == 2 * 250 * 3      # batch x ceil(1000 / 4) x ceil(600 / 256)
    assert work.bytes_in.sum() == (2 * 600 * 1000 * 2 if resident == "none" else 0)


def test_zero_gating_counts_the_nonzero_pairs(tmp_path):
    wl = workload(tmp_path, "{kind: conv, in_channels: 6, in_size: [11, 9], out_channels: 8, kernel: 3, stride: 2, padding: 1, groups: 2}")
    trace = build_trace(wl.layers[0], wl, 0)
    cols = (trace.windows != 0).reshape(trace.shape.groups, trace.shape.windows, -1).astype(np.int64)
    rows = (trace.filters != 0).reshape(trace.shape.groups, trace.shape.k_per_group, -1).astype(np.int64)
    pairs = int(np.matmul(cols, rows.transpose(0, 2, 1)).sum())
    assert arch("dcnn_opt").build().run(trace).actions["mult.op"] == pairs
    assert arch("dcnn").build().run(trace).actions["mult.op"] == trace.shape.macs


@pytest.mark.parametrize("density", [0.1, 0.5, 1.0])
def test_dcnn_opt_never_uses_more_energy_or_traffic(density):
    wl = load_workload(ROOT / "tests/data/tiny.yaml")
    from accelsim.report.density import with_density
    wl = with_density(wl, density)
    dense = simulate(load_arch(ROOT / "arch_configs/dcnn.yaml"), wl)
    opt = simulate(load_arch(ROOT / "arch_configs/dcnn_opt.yaml"), wl)
    for d, o in zip(dense.layers, opt.layers):
        assert o.joules <= d.joules and o.dram_bytes <= d.dram_bytes and o.compute_cycles == d.compute_cycles
    if density == 1.0:
        assert [l.dram_bytes for l in opt.layers] == [l.dram_bytes for l in dense.layers]
    else:
        assert opt.joules < dense.joules and sum(l.dram_bytes for l in opt.layers) < sum(l.dram_bytes for l in dense.layers)


def test_spilled_layers_stream_in_bands(tmp_path):
    """An input larger than the IARAMs goes through DRAM once (plus band halos), outputs once."""
    wl = workload(tmp_path, "{kind: conv, in_channels: 64, in_size: 80, out_channels: 64, kernel: 3, padding: 1}")
    work = arch().build().run(build_trace(wl.layers[0], wl, 0))
    act_bytes = out_bytes = 64 * 80 * 80 * 2          # 800 KiB each, IARAMs and OARAMs 640 KiB
    assert work.extra["dcnn_bands"] > 1
    assert act_bytes <= work.bytes_in.sum() - 64 * 64 * 9 * 2 <= 1.2 * act_bytes
    assert work.bytes_out.sum() == out_bytes


def test_breakdown_components():
    result = simulate(load_arch(ROOT / "arch_configs/dcnn.yaml"), load_workload(ROOT / "tests/data/tiny.yaml"))
    assert set(result.energy_by_component()) == {"mult", "tree", "accum", "activations", "outputs",
                                                 "weights", "dram", "leakage", "reg", "clock", "wire"}


@pytest.mark.parametrize("params, key", [
    ({"acc_entries": 1022}, "datapath.params.acc_entries"),
    ({"zero_gating": "yes"}, "datapath.params.zero_gating"),
])
def test_bad_parameters_are_spec_errors(params, key):
    with pytest.raises(SpecError, match=key.replace(".", r"\.")):
        arch(**params)
