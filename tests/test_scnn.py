"""SCNN: the cycle kernel against its numpy twin, SCNN's own arithmetic against the exact int64
convolution, the compressed-sparse encoding, the invariants, the workloads and the error paths."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from accelsim.datapaths import scnn_planar as planar
from accelsim.datapaths.scnn_sparse import best_of, encode, placeholders
from accelsim.errors import SpecError
from accelsim.numerics.sparse_kernels import scnn_cycles, scnn_cycles_numpy
from accelsim.report.density import crossover, density_figure, density_sweep, with_density
from accelsim.spec.arch import arch_from_dict, load_arch
from accelsim.spec.reader import load_yaml
from accelsim.spec.workload import load_workload
from accelsim.workload.tensors import Operand
from accelsim.workload.trace import LayerTrace, build_trace

ROOT = Path(__file__).resolve().parent.parent
LAYERS = {
    "conv_s1": "{kind: conv, in_channels: 6, in_size: 13, out_channels: 10, kernel: 3, padding: 1}",
    "conv_s2": "{kind: conv, in_channels: 5, in_size: [15, 12], out_channels: 9, kernel: 3, stride: 2, padding: 1}",
    "conv_5x5_s2": "{kind: conv, in_channels: 3, in_size: 19, out_channels: 7, kernel: 5, stride: 2, padding: 2}",
    "grouped": "{kind: conv, in_channels: 8, in_size: 10, out_channels: 12, kernel: 3, padding: 1, groups: 2}",
    "fc": "{kind: fc, in_features: 300, out_features: 24}",
    "batch": "{kind: conv, in_channels: 4, in_size: 9, out_channels: 6, kernel: 3, stride: 2, padding: 1, batch: 2}",
    "fc_batch": "{kind: fc, in_features: 100, out_features: 8, batch: 3}",
    "matmul": "{kind: matmul, m: 20, k: 16, n: 12, count: 2}",
}


def trace_of(tmp_path, spec: str, act: float = 0.5, wgt: float = 0.4, seed: int = 3):
    path = tmp_path / f"w{seed}.yaml"
    path.write_text(f"name: t\nseed: {seed}\ndefaults: {{act_bits: 16, wgt_bits: 16, "
                    f"act: {{dist: relu_normal, density: {act}}}, wgt: {{density: {wgt}}}}}\n"
                    f"layers:\n  - {{name: l, {spec[1:]}\n")
    wl = load_workload(path)
    return build_trace(wl.layers[0], wl, 0)


def arch(**changes):
    """The bundled SCNN arch with datapath params (or memory buffer sizes, key 'iaram_kib') changed."""
    data = load_yaml(ROOT / "arch_configs/scnn.yaml")
    if "iaram_kib" in changes:
        data["memory"]["buffers"]["activations"]["size_kib"] = changes.pop("iaram_kib")
    data["datapath"]["params"].update(changes)
    return arch_from_dict(data, "scnn.yaml")


def kernel_inputs(dp, trace):
    """The first pass's kernel arguments, built by the datapath's own preparation."""
    plane, act = planar.operands(trace, dp.p.fc_side)
    tilings, kc, _, _ = dp.plan(plane, act[:, 0])
    w_ptr, w_cols, _, _ = dp.weights(plane, planar.weight_nonzeros(trace, dp.p.fc_side, 0), kc)
    t = tilings[0]
    a_ptr, a_cols, _, _ = dp.activations(plane, act[0, 0], t)
    geom = dp.geom(plane, t, kc)
    return (a_ptr, a_cols[0], a_cols[1], w_ptr, dp.offsets(w_cols[0], geom), w_cols[1], w_cols[2],
            t.ry0, t.rx0, geom, dp.bank_of(geom, kc))


@pytest.mark.parametrize("name", ["conv_s1", "conv_s2", "conv_5x5_s2", "fc"])
@pytest.mark.parametrize("banks", [32, 5])
def test_cycle_kernel_matches_numpy_twin(tmp_path, name, banks):
    dp = arch(banks=banks, pe_rows=3, pe_cols=2).build()
    args = kernel_inputs(dp, trace_of(tmp_path, LAYERS[name]))
    for fast, slow in zip(scnn_cycles(*args), scnn_cycles_numpy(*args)):
        np.testing.assert_array_equal(fast, slow)


def test_cycle_kernel_twin_on_random_csr():
    rng = np.random.default_rng(11)
    C, P, PH, G, RH, RW, OH, OW, F, I, A, FB = 3, 4, 2, 2, 5, 6, 5, 6, 3, 2, 7, 3
    a_ptr = np.concatenate([[0], np.cumsum(rng.integers(0, 6, C * P * PH))]).astype(np.int64)
    w_ptr = np.concatenate([[0], np.cumsum(rng.integers(0, 7, C * PH * G))]).astype(np.int64)
    na, nw = int(a_ptr[-1]), int(w_ptr[-1])
    args = (a_ptr, rng.integers(0, 7, na), rng.integers(0, 8, na), w_ptr,
            rng.integers(0, 2 * RH * RW * FB, nw), rng.integers(0, 3, nw), rng.integers(0, 3, nw),
            rng.integers(-1, 1, P), rng.integers(-1, 1, P),
            np.array([C, P, PH, G, RH, RW, 0, OH, OW, F, I, A, FB], dtype=np.int64),
            rng.integers(0, A, 4 * RH * RW * FB))
    for fast, slow in zip(scnn_cycles(*args), scnn_cycles_numpy(*args)):
        np.testing.assert_array_equal(fast, slow)


@pytest.mark.parametrize("tiling", planar.TILINGS)
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_scattered_products_accumulate_to_the_exact_result(tmp_path, name, tiling):
    trace = trace_of(tmp_path, LAYERS[name], act=0.45, wgt=0.35)
    dp = arch(plane_tiling=tiling).build()
    np.testing.assert_array_equal(dp.outputs(trace), trace.reference_output())


@pytest.mark.parametrize("tiling", planar.TILINGS)
@pytest.mark.parametrize("name", ["conv_s1", "conv_s2"])
def test_exact_with_bands_small_accumulators_and_long_zero_runs(tmp_path, name, tiling):
    """Tiny IARAMs force bands that exchange partial sums; 2-bit indices force placeholders."""
    trace = trace_of(tmp_path, LAYERS[name], act=0.15, wgt=0.1)
    dp = arch(iaram_kib=0.5, bank_entries=4, banks=8, index_bits=2, pe_rows=2, pe_cols=3,
              plane_tiling=tiling).build()
    work = dp.run(trace)
    assert work.extra["scnn_bands"] > 1 and work.extra["scnn_placeholders"] > 0
    np.testing.assert_array_equal(dp.outputs(trace), trace.reference_output())


def test_placeholders_follow_the_run_length_rule():
    # runs before each non-zero: 3, 16, 40 zeros with 4-bit indices (a placeholder per 16)
    s, p = placeholders(np.zeros(3, np.int64), np.array([3, 20, 61]), 4)
    assert p.tolist() == [19, 36, 52]
    enc = encode(np.array([1, 0, 1]), np.array([40, 5, 2]), 3)        # streams sorted, 8-runs
    assert enc.stream.tolist() == [0, 1, 1, 1, 1, 1, 1]
    assert enc.per_stream(2).tolist() == [1, 6] and enc.placeholders == 4
    assert best_of(np.array([100, 10]), np.array([4, 4]), 16).tolist() == [64, 10]


def test_at_density_one_scnn_does_at_least_the_dense_work(tmp_path):
    """Dense work = every product of a real input with a weight (zero padding is never stored)."""
    for name in ("conv_s1", "conv_s2", "grouped", "fc"):
        trace = trace_of(tmp_path, LAYERS[name], act=1.0, wgt=1.0)
        dense = planar.nonzero_pairs(trace)
        work = arch().build().run(trace)
        assert work.actions["mult.op"] >= dense
        assert work.compute_cycles.sum() >= -(-dense // 1024)


def _thinned(trace, rng):
    """The trace with half of each operand's non-zeros set to zero."""
    def half(op):
        codes = op.codes.copy()
        nz = np.flatnonzero(codes)
        codes.flat[rng.choice(nz, nz.size // 2, replace=False)] = 0
        return Operand(codes, op.signed, op.mse, op.sqnr_db)
    return LayerTrace(trace.layer, half(trace.act), half(trace.wgt))


@pytest.mark.parametrize("name", ["conv_s1", "conv_s2", "grouped", "fc"])
def test_halving_density_never_increases_multiplies(tmp_path, name):
    rng = np.random.default_rng(5)
    dp = arch().build()
    trace = trace_of(tmp_path, LAYERS[name], act=0.8, wgt=0.8)
    before = dp.run(trace)
    for _ in range(3):
        trace = _thinned(trace, rng)
        after = dp.run(trace)
        assert after.actions["mult.op"] <= before.actions["mult.op"]
        before = after


def test_one_bank_serialises_every_valid_product(tmp_path):
    """With a single bank each block costs its valid products; a 1x1 conv has no invalid ones."""
    trace = trace_of(tmp_path, "{kind: conv, in_channels: 4, in_size: 9, out_channels: 6, kernel: 1}")
    dp = arch(banks=1, bank_entries=1024, pe_rows=1, pe_cols=1).build()
    work = dp.run(trace)
    assert work.actions["mult.op"] == work.actions["crossbar.switch.op"] == planar.nonzero_pairs(trace)
    drain = 6 * 81                      # all 6 filters in one group, region 9 x 9, one bank
    assert work.compute_cycles.sum() == work.actions["mult.op"] + drain


def test_actions_name_the_breakdown_components(tmp_path):
    from accelsim.engine.simulate import simulate
    wl = load_workload(ROOT / "tests/data/tiny.yaml")
    result = simulate(load_arch(ROOT / "arch_configs/scnn.yaml"), wl)
    frame = {"reg", "clock", "wire"}                 # registers, clock tree, buses (cost frame)
    assert set(result.energy_by_component()) == {"mult", "crossbar", "accum", "activations", "outputs",
                                                 "weights", "dram", "leakage"} | frame
    assert set(result.area) == {"mult", "crossbar", "accum", "activations", "outputs", "weights",
                                "dram"} | frame


def test_scnn_workloads_have_the_published_densities_and_16_bits():
    vgg = load_workload(ROOT / "workloads/vgg16_scnn.yaml")
    layer = {l.name: l for l in vgg.layers}
    assert (layer["conv4_3"].act.density, layer["conv4_3"].wgt.density) == (0.45, 0.34)
    assert all(l.act_bits == l.wgt_bits == 16 for l in vgg.layers)
    goog = {l.name: l for l in load_workload(ROOT / "workloads/googlenet_scnn.yaml").layers}
    assert (goog["inception_5a/5x5"].act.density, goog["inception_5a/5x5"].wgt.density) == (0.46, 0.36)
    alex = load_workload(ROOT / "workloads/alexnet_scnn.yaml")
    assert [l.wgt.density for l in alex.layers] == [0.84, 0.38, 0.35, 0.37, 0.37, 0.09, 0.09, 0.25]
    assert all(l.act_bits == 16 for l in alex.layers)


def test_synthetic_operands_honour_density_exactly(tmp_path):
    trace = trace_of(tmp_path, LAYERS["conv_s1"], act=0.33, wgt=0.21)
    assert np.count_nonzero(trace.act.codes) == round(0.33 * trace.act.codes.size)
    assert np.count_nonzero(trace.wgt.codes) == round(0.21 * trace.wgt.codes.size)


@pytest.mark.parametrize("change, key", [
    ({"bank_entries": 1, "banks": 1}, "datapath.params.bank_entries"),
    ({"acc_bits": 8}, "datapath.params.acc_bits"),
])
def test_bad_parameters_are_one_line_spec_errors(tmp_path, change, key):
    trace = trace_of(tmp_path, LAYERS["conv_s1"])
    with pytest.raises(SpecError) as err:
        arch(**change).build().run(trace)
    assert key in str(err.value) and "\n" not in str(err.value)


def test_missing_output_buffer_is_a_spec_error():
    data = load_yaml(ROOT / "arch_configs/scnn.yaml")
    del data["memory"]["buffers"]["outputs"]
    with pytest.raises(SpecError, match="memory.buffers.outputs"):
        arch_from_dict(data, "scnn.yaml").build()


def test_density_sweep_finds_where_scnn_stops_winning(tmp_path):
    trace = trace_of(tmp_path, "{kind: conv, in_channels: 32, in_size: 16, out_channels: 32, kernel: 3, padding: 1}")
    wl = load_workload(tmp_path / "w3.yaml")
    archs = {n: load_arch(ROOT / f"arch_configs/{n}.yaml") for n in ("dcnn", "scnn")}
    df = density_sweep(archs, wl, [0.1, 0.4, 1.0], baseline="dcnn")
    assert len(df) == 6 and (df[df.arch == "dcnn"].speedup == 1.0).all()
    scnn = df[df.arch == "scnn"].sort_values("density")
    assert scnn.cycles.is_monotonic_increasing and scnn.speedup.is_monotonic_decreasing
    assert scnn.speedup.iloc[0] > 1.0 and scnn.energy_efficiency.iloc[0] > 1.0
    x = crossover(df, "scnn", "energy_efficiency")
    assert 0.1 < x < 1.0 and scnn.energy_efficiency.iloc[-1] < 1.0
    known = pd.DataFrame({"arch": "a", "density": [0.4, 0.5, 0.6], "speedup": [2.0, 1.2, 0.8]})
    assert crossover(known, "a") == pytest.approx(0.55)
    assert np.isnan(crossover(known.assign(speedup=2.0), "a"))
    assert density_figure(df, "dcnn").axes[0].get_ylabel() == "latency relative to dcnn"
    assert with_density(wl, 0.3).layers[0].wgt.density == 0.3
    assert trace.layer.act.density == 0.5


def test_validation_targets_are_registered():
    from accelsim.validation.registry import targets
    scnn = [t for t in targets() if t.design == "SCNN"]
    assert sorted(t.published for t in scnn) == [2.3, 2.7]


@pytest.mark.parametrize("queue", [1, 3, 10_000])
def test_bank_queue_kernel_matches_numpy_twin_and_only_speeds_up(tmp_path, queue):
    dp = arch(banks=8, pe_rows=3, pe_cols=2, bank_map="xor").build()
    for name in ("conv_s1", "conv_s2"):
        args = kernel_inputs(dp, trace_of(tmp_path, LAYERS[name]))
        fast = scnn_cycles(*args, queue)
        for a, b in zip(fast, scnn_cycles_numpy(*args, queue)):
            np.testing.assert_array_equal(a, b)
        busiest = scnn_cycles(*args)[1]
        assert np.all(fast[1] <= busiest) and fast[1].sum() < busiest.sum()
        deeper = scnn_cycles(*args, queue + 1)[1]
        assert np.all(deeper <= fast[1])


def test_deep_queue_reaches_the_bank_throughput_bound():
    # One PE, one channel: 4 blocks of 2 products, all into bank 0 of 4. Busiest-bank: 2 cycles a
    # block; deep queue: the bank retires 8 products in 8 cycles, the array issues in 4.
    geom = np.array([1, 1, 1, 1, 1, 8, 0, 1, 8, 2, 1, 4, 1], dtype=np.int64)
    a_ptr = np.array([0, 2]); a_y = np.zeros(2, np.int64); a_x = np.array([3, 7])
    w_ptr = np.array([0, 4]); w_off = np.zeros(4, np.int64); w_y = np.zeros(4, np.int64)
    w_x = np.arange(4)
    bank = np.zeros(8, np.int64)
    args = (a_ptr, a_y, a_x, w_ptr, w_off, w_y, w_x, np.zeros(1, np.int64), np.zeros(1, np.int64),
            geom, bank)
    assert int(scnn_cycles(*args)[0].sum()) == 8           # 4 blocks x busiest bank 2
    assert int(scnn_cycles(*args, 100)[0].sum()) == 8      # bank-bound, not issue-bound
    bank = np.arange(8) % 4                                # spread over the banks
    spread = args[:-1] + (bank,)
    assert int(scnn_cycles(*spread)[0].sum()) == 4 and int(scnn_cycles(*spread, 100)[0].sum()) == 4


def test_xor_bank_map_is_dnnsims_hash():
    dp = arch(bank_map="xor").build()
    geom = np.array([1, 64, 1, 1, 4, 4, 0, 4, 4, 4, 4, 32, 4], dtype=np.int64)
    bank = dp.bank_of(geom, 8)
    for k, y, x in [(0, 0, 0), (5, 1, 2), (7, 3, 3), (6, 2, 1)]:
        addr = dp.offsets(np.array([k]), geom)[0] + (y * 4 + x) * 4
        want = ((((k & 4) << 2) ^ ((y & 2) << 3) ^ ((x & 2) << 3)) + ((y & 1) << 3)
                + ((x & 1) << 2) + (k & 3)) % 32
        assert bank[addr] == want
    assert np.array_equal(arch().build().bank_of(geom, 8), np.arange(bank.size) % 32)


def test_plane_tilings_by_hand():
    """AlexNet conv2's plane (27x27, 5x5 kernel, padding 2) on 8x8 PEs. ``even``: 27 columns in
    tiles of 3-4. ``grid`` (DNNsim): the padded 31 columns rounded up to 32, tiles of 4 padded
    columns, so the first PE holds 2 real columns and the last one 1; outputs in tiles of 4."""
    plane = planar.Plane(c=1, h=27, w=27, k=8, r=5, s=5, ph=2, pw=2)
    band = planar.input_bands(plane, 1)[0]
    even = planar.tiling(plane, band, 8, 8, (0, plane.oh))
    grid = planar.tiling(plane, band, 8, 8, (0, plane.oh), "grid")
    assert even.x0[:8].tolist() == [0, 3, 6, 10, 13, 16, 20, 23]
    assert grid.x0[:8].tolist() == [0, 2, 6, 10, 14, 18, 22, 26]
    assert grid.x1[:8].tolist() == [2, 6, 10, 14, 18, 22, 26, 27]
    assert grid.y0[::8].tolist() == grid.x0[:8].tolist()
    assert grid.owned.reshape(8, 8)[0].tolist() == [16] * 6 + [12, 0]       # 27 = 6 x 4 + 3
    # a PE's region reaches 2 outputs left and right of its inputs: the second PE's inputs 2..5
    # reach outputs 0..7, clipped to the plane
    assert (grid.rx0[1], grid.rw[1]) == (0, 8)
    assert grid.pe_of(np.array([0, 2, 26]), np.array([1, 6, 26])).tolist() == [0, 8 + 2, 63]


def _dnnsim_dense_blocks(size: int, r: int, k: int, kc: int, stride: int, side: int, f: int, i: int):
    """Block cycles per input channel of DNNsim's SCNN (isakedo/DNNsim core/src/SCNN.cpp,
    computeSCNNTile) on a dense layer with padding 0 and no bank conflict: per group of ``kc``
    filters, the slowest PE's sum over stride phases of ceil(activations / I) x ceil(weights / F),
    its inputs cut into equal tiles of ceil(size / side)."""
    tw = -(-size // side)
    acts = [[sum(1 for x in range(p * tw, min(p * tw + tw, size)) if x % stride == ph)
             for ph in range(stride)] for p in range(side)]
    taps = [sum(1 for t in range(r) if t % stride == ph) for ph in range(stride)]
    total = 0
    for k0 in range(0, k, kc):
        kn = min(kc, k - k0)
        total += max(sum(-(-ax[sx] * ay[sy] // i) * -(-taps[sx] * taps[sy] * kn // f)
                         for sx in range(stride) for sy in range(stride))
                     for ax in acts for ay in acts)
    return total


def test_stride_4_blocks_equal_a_replay_of_dnnsims_loop(tmp_path):
    """AlexNet conv1's case in small (stride 4, padding 0, unfolded): with DNNsim's grid tiling the
    per-channel block cycles are DNNsim's, phase by phase, and every valid product is counted once
    (benchmarks/results/dnnsim_crosscheck.md: conv1 differs from DNNsim only by its halo term and
    accelsim's input bands)."""
    size, side, out = 39, 4, (39 - 7) // 4 + 1
    spec = (f"{{kind: conv, in_channels: 3, in_size: {size}, out_channels: 8, kernel: 7, "
            "stride: 4, padding: 0}")
    t = trace_of(tmp_path, spec, act=1.0, wgt=1.0)
    dp = arch(bank_map="xor", plane_tiling="grid", pe_rows=side, pe_cols=side).build()
    plane, act = planar.operands(t, dp.p.fc_side)
    tilings, kc, _, _ = dp.plan(plane, act[:, 0])
    assert len(tilings) == 1                               # one band, as DNNsim (no RAM limit)
    smax, _, stats = scnn_cycles(*kernel_inputs(dp, t))
    assert stats[3] == 0                                   # no bank stall: blocks alone
    assert stats[1] == 8 * 3 * 7 * 7 * out * out           # valid products: the layer's MACs
    assert int(smax.sum()) == 3 * _dnnsim_dense_blocks(size, 7, 8, kc, 4, side, 4, 4)


def test_dnnsim_is_a_reference_for_scnn_only_at_stride_1():
    """The cross-check's rule (benchmarks/dnnsim_crosscheck.py reference_gap): DNNsim's SCNN halo
    is counted in input positions, and its stride phases pair wrongly unless padding is a
    multiple of the stride; other designs are unaffected."""
    import importlib.util
    from accelsim.spec.workload import Shape
    spec = importlib.util.spec_from_file_location("dnnsim_crosscheck",
                                                  ROOT / "benchmarks" / "dnnsim_crosscheck.py")
    harness = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(harness)

    def gap(design, stride, pad):
        return harness.reference_gap(design, Shape(1, 3, 27, 27, 8, 3, 3, stride, stride, pad, pad))

    assert gap("scnn", 1, 2) == "" and gap("scnn", 1, 1) == ""
    assert gap("scnn", 4, 0) == "halo counted in input positions (stride 4)"     # AlexNet conv1
    assert "phases" in gap("scnn", 2, 3) and "halo" in gap("scnn", 2, 3)
    assert gap("dadn", 4, 0) == ""
