"""Huge layers on the shape-level designs: refused at once with the one-line error when the
engine would need more than MAX_ENGINE_TILES tiles (a 1e9 x 1e9 FC layer used to hang in a
per-pass loop), and the closed forms that keep such layers cheap give the same integers as
the per-brick arrays they replace."""
import dataclasses
import subprocess
import sys

import numpy as np
import pytest

from accelsim.datapaths import grid
from accelsim.datapaths.base import (MAX_ENGINE_TILES, UniformCycles, staggered_cycles, tile_work,
                                     uniform_staggered)
from accelsim.numerics import kernels
from accelsim.spec.workload import load_workload
from accelsim.workload.trace import shape_trace
from support import ROOT, arch

LIMIT_S = 120      # a refusal takes about a second; the old loops took hours


def _huge(tmp_path, layer: str):
    path = tmp_path / "huge.yaml"
    path.write_text("name: huge\nseed: 1\ndefaults: {act_bits: 8, wgt_bits: 8}\nlayers:\n"
                    "  - {name: first, kind: fc, in_features: 64, out_features: 64}\n"
                    f"  - {{name: big, {layer}}}\n")
    return path


@pytest.mark.parametrize("layer", ["kind: fc, in_features: 1000000000, out_features: 1000000000",
                                   "kind: matmul, m: 1, k: 1000000000, n: 1000000000"])
@pytest.mark.parametrize("design", ["stripes", "dadn", "tartan", "systolic_32x32_ws",
                                    "systolic_32x32_os"])
def test_cli_refuses_a_huge_layer_at_once_in_one_line(tmp_path, design, layer):
    work = _huge(tmp_path, layer)
    try:
        done = subprocess.run([sys.executable, "-m", "accelsim.cli", "run", "-q",
                               str(ROOT / "arch_configs" / f"{design}.yaml"), str(work)],
                              capture_output=True, text=True, cwd=ROOT, timeout=LIMIT_S)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"still running after {LIMIT_S} s") from None
    errors = [line for line in done.stderr.splitlines() if not line.startswith("warning:")]
    assert done.returncode == 2, done.stderr
    assert len(errors) == 1 and "Traceback" not in done.stderr, done.stderr
    assert errors[0].startswith(f"error: {work}: layers[1]: layer 'big' would take ")
    assert f"more than the {MAX_ENGINE_TILES:,}" in errors[0]


def test_a_layer_under_the_tile_limit_is_simulated():
    """The limit is far above any bundled layer: a 16k-pass FC layer still runs."""
    import accelsim
    w = load_workload(ROOT / "tests/data/tiny.yaml")
    fc = w.layers[3]
    big = dataclasses.replace(fc, shape=dataclasses.replace(fc.shape, c=16, k=256 * 16384))
    w = dataclasses.replace(w, layers=(big,))
    r = accelsim.simulate(arch("stripes"), w)
    assert r.layers[0].compute_cycles > 0


def _layers():
    """Conv (grouped, strided, depthwise), FC and matmul layers: the tiny test network, and
    AlexNet's first conv and first FC layers."""
    tiny = load_workload(ROOT / "tests/data/tiny.yaml")
    alex = load_workload(ROOT / "workloads/alexnet.yaml")
    return [(tiny, i) for i in range(len(tiny.layers))] + [(alex, 0), (alex, 5)]


@pytest.mark.parametrize("name,params", [("stripes", {}), ("stripes", {"fc_overlap": True}),
                                         ("stripes", {"windows": 4, "lanes": 8}),
                                         ("tartan", {}), ("tartan", {"bits": 2})])
def test_uniform_stripes_equals_its_per_brick_arrays(name, params):
    dp = arch(name, **params).build()
    for w, i in _layers():
        trace = shape_trace(w.layers[i], w, i)
        if name == "tartan" and w.layers[i].kind.value == "fc":
            continue                                 # Tartan's FC layers have their own plan
        per_group = grid.ceil_div(trace.shape.k_per_group, dp.p.tiles * dp.p.filters)
        bits = dp.uniform_bits(trace)
        cyc, *counts = dp._uniform(trace, per_group, bits)
        ref, *ref_counts = dp._measured(trace, per_group)
        if isinstance(cyc, UniformCycles):
            cyc = np.full((cyc.passes, cyc.steps), cyc.cycles, dtype=np.int64)
        assert np.array_equal(cyc, ref), (name, params, w.layers[i].name)
        assert counts == ref_counts, (name, params, w.layers[i].name)


@pytest.mark.parametrize("design", ["dadn", "systolic_32x32_ws", "stripes"])
def test_tile_work_of_uniform_cycles_equals_the_stored_matrix(design):
    a = arch(design)
    for w, i in _layers():
        trace = shape_trace(w.layers[i], w, i)
        k = trace.shape.k                            # a pass holds at least one filter
        for passes, steps in ((1, 7), (3, 1000), (k, 5), (min(k, 300), 2), (5, 0)):
            u = tile_work(UniformCycles(9, passes, steps), trace, a, 16, {"x": 1})
            m = tile_work(np.full((passes, steps), 9), trace, a, 16, {"x": 1})
            for field in ("compute_cycles", "bytes_in", "bytes_out"):
                assert np.array_equal(getattr(u, field), getattr(m, field)), (field, passes, steps)
            assert u.dram_bits == m.dram_bits and u.actions == m.actions


def test_uniform_staggered_is_the_staggered_kernel():
    rng = np.random.default_rng(5)
    for _ in range(300):
        n, c, cols = int(rng.integers(0, 200)), int(rng.integers(1, 40)), int(rng.integers(1, 40))
        assert uniform_staggered(n, c, cols) == staggered_cycles(np.full(n, c), cols), (n, c, cols)


@pytest.mark.parametrize("overlap", [False, True])
def test_uniform_fc_passes_equal_the_chunk_arrays(overlap):
    for chunks, c, cols, passes in ((10, 16, 16, 4), (37, 9, 16, 5), (5, 3, 8, 7), (100, 40, 16, 3)):
        want = grid.fc_pass_cycles(np.full(chunks, c), cols, passes, overlap)
        got = grid.uniform_fc_pass_cycles(chunks, c, cols, passes, overlap)
        assert np.array_equal(got, want)


@pytest.mark.parametrize("seed", range(5))
def test_staggered_repeats_matches_twin(seed):
    """Overlapped FC passes (fc_overlap) in one run of the kernel, not one run per pass count."""
    rng = np.random.default_rng(seed)
    c = rng.integers(1, 20, int(rng.integers(0, 60)))
    cols, repeats = int(rng.integers(1, 20)), int(rng.integers(1, 12))
    got = kernels.staggered_repeats(c.astype(np.int64), cols, repeats)
    assert np.array_equal(got, kernels.staggered_repeats_numpy(c, cols, repeats))


def test_tartan_fc_load_stream_closed_form_is_the_kernel():
    """Tartan's FC cascade plans time a stream of one-cycle loads in closed form, not with
    arrays of the layer's bricks (a 1e10-input layer took 65 s and 10 GB)."""
    from accelsim.datapaths.tartan import uniform_load_stream
    for n in range(0, 70):
        for digits in range(1, 20):
            for cols in range(1, 18):
                want = kernels.load_stream(np.ones(n, np.int64), np.full(n, digits, np.int64), cols)
                assert uniform_load_stream(n, digits, cols) == want, (n, digits, cols)


def test_a_billion_image_batch_on_bitparallel_is_simulated_in_closed_form(tmp_path):
    """Every step of a bit-parallel layer takes the same cycles, so 64e9 windows need no array
    of them (it was a 477 GiB allocation, reported as out of memory): a conv's cycles are
    windows x bricks per filter pass."""
    import accelsim
    w = load_workload(ROOT / "tests/data/tiny.yaml")
    conv = w.layers[0]                                   # 3 -> 20 channels, 3x3, 20x20
    conv = dataclasses.replace(conv, shape=dataclasses.replace(conv.shape, n=10 ** 9))
    r = accelsim.simulate(arch("dadn"), dataclasses.replace(w, layers=(conv,)))
    assert r.layers[0].compute_cycles == 10 ** 9 * 20 * 20 * 9
