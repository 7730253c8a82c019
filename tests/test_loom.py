"""Loom: the load-stream kernel against its numpy twin, exact serial arithmetic, invariants against
the equal-peak bit-parallel baseline, and its configuration errors."""
import dataclasses

import numpy as np
import pytest
import yaml

from accelsim.datapaths.loom import LoomParams
from accelsim.engine.simulate import simulate
from accelsim.errors import SpecError
from accelsim.numerics.kernels import load_stream, load_stream_numpy
from accelsim.spec.arch import load_arch
from accelsim.spec.workload import load_workload
from accelsim.validation.registry import targets
from accelsim.workload.trace import build_trace
import support
from support import cycles

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
NETS = ("alexnet", "nin", "googlenet", "vgg_s", "vgg_m", "vgg19")


def arch(name="loom", **params):
    return support.arch(name, **params)


def traces(tmp_path, layers, **defaults):
    doc = {"name": "t", "seed": 5, "defaults": {"act_bits": 8, "wgt_bits": 8, "wgt": {"dist": "normal"},
                                                **defaults}, "layers": layers}
    path = tmp_path / "w.yaml"
    path.write_text(yaml.safe_dump(doc))
    w = load_workload(path)
    return [build_trace(l, w, i) for i, l in enumerate(w.layers)]


def conv(name="c", c=16, size=8, k=128, kernel=3, **kw):
    return {"name": name, "kind": "conv", "in_channels": c, "in_size": size, "out_channels": k,
            "kernel": kernel, "padding": kw.pop("padding", 1), **kw}


def fc(name="f", c=256, k=256, **kw):
    return {"name": name, "kind": "fc", "in_features": c, "out_features": k, **kw}


# -- kernel -------------------------------------------------------------------------------------
def test_load_stream_kernel_matches_numpy_twin():
    rng = np.random.default_rng(11)
    for _ in range(400):
        n, cols = int(rng.integers(0, 80)), int(rng.integers(1, 17))
        load = rng.integers(0, 20, n).astype(np.int64)
        proc = rng.integers(0, 60, n).astype(np.int64)
        assert load_stream(load, proc, cols) == load_stream_numpy(load, proc, cols), (n, cols)


def test_load_stream_bounds():
    # one column: loads hide behind processing except the first
    assert load_stream(np.ones(10, np.int64), np.full(10, 16, np.int64), 1) == 1 + 10 * 16
    # bus-bound: loads back to back, the last chunk's processing is the tail
    assert load_stream(np.full(32, 9, np.int64), np.full(32, 2, np.int64), 4) == 32 * 9 + 2
    # processing-bound with enough columns: every column busy, the bus only adds the fill
    assert load_stream(np.ones(64, np.int64), np.full(64, 40, np.int64), 16) == 15 + 1 + 4 * 40   # last load ends at 16; 4 rounds of 40


# -- function -----------------------------------------------------------------------------------
FUNC_LAYERS = [
    conv("conv", c=5, size=7, k=6), conv("strided", c=6, size=9, k=5, stride=2),
    conv("grouped", c=8, size=6, k=6, kernel=[3, 1], padding=0, groups=2),
    fc("fc", c=40, k=7), fc("fc_batch", c=20, k=3, batch=2),
]


@pytest.mark.parametrize("bits", [1, 2, 4])
@pytest.mark.parametrize("act_bits,wgt_bits", [(2, 3), (7, 5), (11, 9), (16, 16)])
def test_outputs_equal_exact_matmul(tmp_path, bits, act_bits, wgt_bits):
    loom = arch("loom", bits=bits, windows=16 // bits, group_size=256 // bits).build()
    for act in ({"dist": "normal"}, {"dist": "relu_normal", "density": 0.5}):
        for t in traces(tmp_path, FUNC_LAYERS, act_bits=act_bits, wgt_bits=wgt_bits, act=act):
            np.testing.assert_array_equal(loom.outputs(t), t.reference_output(),
                                          err_msg=f"{t.layer.name} {act_bits}x{wgt_bits} {bits}b")


def test_outputs_need_every_weight_plane(tmp_path):
    t = traces(tmp_path, [conv(c=5, size=5, k=4)], act_bits=6, wgt_bits=9)[0]
    short = dataclasses.replace(t, layer=dataclasses.replace(t.layer, wgt_bits=7))
    assert not np.array_equal(arch().build().outputs(short), t.reference_output())


# -- invariants ---------------------------------------------------------------------------------
EVEN = [conv("a", c=32, size=8, k=128), conv("b", c=64, size=4, k=256, groups=2),
        conv("c", c=16, size=16, k=128, stride=2, padding=1)]


def test_at_16x16_static_loom_does_the_equal_peak_baselines_work(tmp_path):
    """Windows a multiple of 16 and filters of 128: no padding, so the cycles are equal."""
    loom, base = arch(dynamic=False), arch("loom_base")
    for t in traces(tmp_path, EVEN, act_bits=16, wgt_bits=16):
        assert t.shape.windows % 16 == 0
        assert cycles(loom, t) == cycles(base, t), t.layer.name


def test_fc_at_16_bits_runs_at_baseline_speed_and_scales_with_weight_precision(tmp_path):
    base, loom = arch("loom_base"), arch(dynamic=False)
    for k in (256, 1000):
        layer = fc(c=1024, k=k)
        t = traces(tmp_path, [layer], act_bits=16, wgt_bits=16)[0]
        b, l = cycles(base, t), cycles(loom, t)
        filled = b * (-(-k // 128) * 128) // k            # Loom fills 128 rows, the baseline 8
        assert filled <= l <= filled + 16 * 16 + 16, k     # one brick of fill and drain
        for pw in (4, 9, 12):
            lp = cycles(loom, traces(tmp_path, [layer], act_bits=16, wgt_bits=pw)[0])
            assert abs(lp / l - pw / 16) < 0.02, (k, pw)


@pytest.mark.parametrize("kind", ["conv", "fc"])
def test_cycles_monotone_in_both_precisions(tmp_path, kind):
    layer = conv(c=20, size=6, k=40) if kind == "conv" else fc(c=100, k=40)
    loom = arch(dynamic=False)
    grid = [[cycles(loom, traces(tmp_path, [layer], act_bits=a, wgt_bits=w)[0]) for w in (2, 5, 9, 16)]
            for a in (2, 5, 9, 16)]
    for row in grid:
        assert row == sorted(row)
    for col in zip(*grid):
        assert list(col) == sorted(col) or kind == "fc"     # FC time does not follow Pa (bus-bound)
    if kind == "conv":
        assert grid[3][3] > grid[0][0] * 20


def test_dynamic_precision_never_slower(tmp_path):
    layers = [conv("c1", c=24, size=8, k=64), conv("c2", c=3, size=9, k=16, act={"dist": "normal"}),
              fc("f", c=300, k=50)]
    gained = 0
    for t in traces(tmp_path, layers, act={"dist": "relu_normal", "density": 0.4}, act_bits=9, wgt_bits=11):
        static = cycles(arch(dynamic=False), t)
        assert cycles(arch(), t) <= static
        gained += cycles(arch(), t) < static
        assert cycles(arch(dynamic_weights=True), t) <= cycles(arch(), t)
        assert cycles(arch(group_size=16, registers=2), t) <= cycles(arch(group_size=16), t) <= static
    assert gained >= 2          # the conv layers, whose groups need fewer bits than the profile


def test_two_bit_variant_rounds_odd_precisions_up(tmp_path):
    lm1, lm2 = arch(dynamic=False), arch("loom_2b", dynamic=False)
    for pa in (4, 5, 8, 9):
        t = traces(tmp_path, [EVEN[0]], act_bits=pa, wgt_bits=10)[0]
        assert cycles(lm2, t) * pa == cycles(lm1, t) * (pa + pa % 2)


def test_simulation_prices_every_action(tmp_path):
    w = load_workload(ROOT / "tests/data/tiny.yaml")
    for name in ("loom", "loom_2b", "loom_4b"):
        r = simulate(arch(name, dynamic_weights=True), w)
        energy = r.energy_by_component()
        assert energy["sip"] > 0 and energy["wlatch"] > 0 and energy["actreg"] > 0
        assert r.area["sip"] > 0


# -- configuration --------------------------------------------------------------------------------
@pytest.mark.parametrize("key,value,expected", [
    ("bits", 3, "one of 1, 2, 4"), ("group_size", 24, "lanes (16) x a divisor of windows"),
    ("windows", 0, "an integer"),
])
def test_bad_parameters_are_spec_errors(tmp_path, key, value, expected):
    doc = yaml.safe_load((ROOT / "arch_configs/loom.yaml").read_text())
    doc["datapath"]["params"][key] = value
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(doc))
    with pytest.raises(SpecError) as err:
        load_arch(path)
    assert f"datapath.params.{key}" in str(err.value) and expected in str(err.value)


def test_params_defaults_are_the_paper_configuration():
    p = LoomParams()
    assert p.tiles * p.filters * p.windows == 2048 and p.bits == 1
    assert arch().datapath.params == dataclasses.replace(p)
    base = arch("loom_base").datapath.params
    assert base.tiles * base.filters * base.lanes == 128


def test_validation_targets_and_weight_profiles():
    loom = [t for t in targets() if t.design == "Loom"]
    assert sorted(t.published for t in loom) == [3.54, 4.38]
    for net in NETS:
        derived = load_workload(ROOT / f"workloads/{net}_loom.yaml")
        base = load_workload(ROOT / f"workloads/{net}.yaml")
        assert [l.shape for l in derived.layers] == [l.shape for l in base.layers]
        assert [l.act_bits for l in derived.layers] == [l.act_bits for l in base.layers]
        assert all(l.wgt_bits < 16 for l in derived.layers)


def test_two_complement_extremes_from_files(tmp_path):
    """Codes may take -2^(p-1): exact in the serial arithmetic, never slower than the profile."""
    pa, pw = 5, 7
    rng = np.random.default_rng(2)
    acts = rng.integers(-(1 << (pa - 1)), 1 << (pa - 1), size=(1, 16, 8, 8))
    acts.flat[::5] = -(1 << (pa - 1))
    wgts = rng.integers(-(1 << (pw - 1)), 1 << (pw - 1), size=(8, 16, 3, 3))
    wgts.flat[::4] = -(1 << (pw - 1))
    np.save(tmp_path / "a.npy", acts)
    np.save(tmp_path / "w.npy", wgts)
    t = traces(tmp_path, [conv(c=16, size=8, k=8, act_bits=pa, wgt_bits=pw,
                               act={"file": str(tmp_path / "a.npy")}, wgt={"file": str(tmp_path / "w.npy")})])[0]
    for bits in (1, 2, 4):
        loom = arch(bits=bits, windows=16 // bits, group_size=256 // bits, dynamic_weights=True)
        np.testing.assert_array_equal(loom.build().outputs(t), t.reference_output())
        assert cycles(loom, t) <= cycles(arch(bits=bits, windows=16 // bits, group_size=256 // bits,
                                              dynamic=False), t)
