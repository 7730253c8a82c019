"""Tartan: Stripes on conv layers, weight-serial FC layers with cascaded columns."""

import numpy as np
import pytest
import yaml

from accelsim.datapaths.tartan import cascade_plan
from accelsim.engine.simulate import simulate
from accelsim.errors import SpecError
from accelsim.numerics.kernels import load_stream
from accelsim.spec.arch import load_arch
from accelsim.spec.workload import load_workload
from accelsim.workload.trace import build_trace
import support
from support import cycles

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


def arch(name="tartan", **params):
    return support.arch(name, **params)


def traces(tmp_path, layers, **defaults):
    doc = {"name": "t", "seed": 9, "defaults": {"act_bits": 8, "wgt_bits": 8, **defaults}, "layers": layers}
    path = tmp_path / "w.yaml"
    path.write_text(yaml.safe_dump(doc))
    w = load_workload(path)
    return [build_trace(l, w, i) for i, l in enumerate(w.layers)]


def fc(c=1024, k=4096, **kw):
    return {"name": "f", "kind": "fc", "in_features": c, "out_features": k, **kw}


def test_conv_layers_run_as_stripes():
    w = load_workload(ROOT / "tests/data/tiny.yaml")
    tartan, stripes = arch(), arch("stripes")
    for i, layer in enumerate(w.layers):
        if layer.kind.value != "fc":
            t = build_trace(layer, w, i)
            assert cycles(tartan, t) == cycles(stripes, t), layer.name


@pytest.mark.parametrize("k", [4096, 1000, 200])
def test_fc_at_16_bits_does_the_baselines_work(tmp_path, k):
    t = traces(tmp_path, [fc(k=k)], wgt_bits=16)[0]
    dadn, tartan = cycles(arch("dadn"), t), cycles(arch(), t)
    assert abs(tartan - dadn) <= 0.05 * dadn + 16, (k, dadn, tartan)


@pytest.mark.parametrize("k", [4096, 1000])
def test_fc_time_proportional_to_weight_precision(tmp_path, k):
    full = cycles(arch(), traces(tmp_path, [fc(k=k)], wgt_bits=16)[0])
    for pw in (4, 7, 10, 13):
        t = traces(tmp_path, [fc(k=k)], wgt_bits=pw)[0]
        assert abs(cycles(arch(), t) / full - pw / 16) < 0.03, pw
        assert cycles(arch(), t) <= cycles(arch("stripes"), t)      # Stripes' FC runs at 1x
    # Below the cascade width (4 for 1000 outputs) the activation bus, one brick per cycle, binds.
    t = traces(tmp_path, [fc(k=k)], wgt_bits=2)[0]
    assert cycles(arch(), t) >= (1024 // 16 if k == 1000 else 2 * 1024 // 16)


def test_cascade_only_when_outputs_are_scarce():
    rows, cols = 256, 16
    assert cascade_plan(4096, 64, 9, rows, cols)[0] == 1
    c, passes, per_pass = cascade_plan(1000, 256, 9, rows, cols)
    assert c == 4 and passes == 1
    no_cascade = -(-1000 // (rows * cols)) * load_stream(np.ones(256, np.int64), np.full(256, 9, np.int64), 1)
    assert passes * per_pass < no_cascade / 3


def test_two_bit_variant(tmp_path):
    t1, t2 = arch(), arch("tartan_2b")
    conv = {"name": "c", "kind": "conv", "in_channels": 32, "in_size": 8, "out_channels": 256,
            "kernel": 3, "padding": 1}
    for p in (4, 5, 8, 9):
        c = traces(tmp_path, [conv], act_bits=p)[0]
        assert cycles(t2, c) * p == cycles(t1, c) * (p + p % 2)
        f = traces(tmp_path, [fc(k=4096)], wgt_bits=p)[0]
        assert abs(cycles(t2, f) * p - cycles(t1, f) * (p + p % 2)) <= 2 * p


@pytest.mark.parametrize("kind", ["conv", "fc"])
def test_cycles_monotone_in_precision(tmp_path, kind):
    layer = ({"name": "c", "kind": "conv", "in_channels": 20, "in_size": 6, "out_channels": 40,
              "kernel": 3, "padding": 1} if kind == "conv"
             else {**fc(c=300, k=500), "wgt": {"dist": "half_normal"}})   # 1-bit codes: unsigned
    key = "act_bits" if kind == "conv" else "wgt_bits"
    for name in ("tartan", "tartan_2b"):
        seq = [cycles(arch(name), traces(tmp_path, [layer], **{key: p})[0]) for p in (1, 2, 5, 8, 12, 16)]
        assert seq == sorted(seq) and seq[-1] > seq[0], (name, seq)


def test_simulation_prices_every_action():
    w = load_workload(ROOT / "tests/data/tiny.yaml")
    for name in ("tartan", "tartan_2b"):
        r = simulate(arch(name), w)
        assert r.energy_by_component()["sip"] > 0 and r.area["actreg"] > 0
        assert r.area["sip"] > simulate(arch("stripes"), w).area["sip"]   # swap and cascade muxes


def test_bad_bits_is_a_spec_error(tmp_path):
    doc = yaml.safe_load((ROOT / "arch_configs/tartan.yaml").read_text())
    doc["datapath"]["params"]["bits"] = 4
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(doc))
    with pytest.raises(SpecError, match=r"datapath\.params\.bits.*one of 1, 2"):
        load_arch(tmp_path / "bad.yaml")
