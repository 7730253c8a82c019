"""Stripes' serial arithmetic (bit planes of the activations, shift-and-add) gives the exact
integer layer result: Stripes.outputs == trace.reference_output() (im2col matmul in int64)."""
import numpy as np
import pytest
import yaml

from accelsim.spec.arch import load_arch
from accelsim.spec.workload import load_workload
from accelsim.workload.trace import build_trace

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]

LAYERS = [
    {"name": "conv", "kind": "conv", "in_channels": 5, "in_size": 9, "out_channels": 7, "kernel": 3, "padding": 1},
    {"name": "strided", "kind": "conv", "in_channels": 6, "in_size": 11, "out_channels": 4, "kernel": 3,
     "stride": 2, "padding": 1},
    {"name": "grouped", "kind": "conv", "in_channels": 8, "in_size": 7, "out_channels": 6, "kernel": [3, 1],
     "padding": 0, "groups": 2},
    {"name": "depthwise", "kind": "conv", "in_channels": 4, "in_size": 6, "out_channels": 4, "kernel": 3,
     "padding": 1, "groups": 4},
    {"name": "fc", "kind": "fc", "in_features": 70, "out_features": 9},
    {"name": "fc_batch", "kind": "fc", "in_features": 33, "out_features": 5, "batch": 3},
]


def traces(tmp_path, act_bits, wgt_bits, act, wgt=None):
    doc = {"name": "f", "seed": 3,
           "defaults": {"act_bits": act_bits, "wgt_bits": wgt_bits, "act": act,
                        "wgt": wgt or {"dist": "normal"}},
           "layers": LAYERS}
    path = tmp_path / "w.yaml"
    path.write_text(yaml.safe_dump(doc))
    w = load_workload(path)
    return [build_trace(l, w, i) for i, l in enumerate(w.layers)]


@pytest.fixture(scope="module")
def stripes():
    return load_arch(ROOT / "arch_configs/stripes.yaml").build()


@pytest.mark.parametrize("act_bits,wgt_bits", [(1, 16), (3, 5), (8, 8), (9, 11), (16, 16)])
@pytest.mark.parametrize("act", [{"dist": "normal"}, {"dist": "relu_normal", "density": 0.5}])
def test_outputs_equal_exact_matmul(tmp_path, stripes, act_bits, wgt_bits, act):
    if act_bits == 1 and act["dist"] == "normal":
        act = {"dist": "relu_normal"}   # a synthetic 1-bit signed code could only be 0
    for t in traces(tmp_path, act_bits, wgt_bits, act):
        out = stripes.outputs(t)
        ref = t.reference_output()
        assert out.dtype == np.int64 and out.shape == ref.shape
        np.testing.assert_array_equal(out, ref, err_msg=f"{t.layer.name} at {act_bits}x{wgt_bits}")


def test_outputs_at_the_two_complement_extremes(tmp_path, stripes):
    """Codes from a file may take the most negative value -2^(p-1), whose top plane alone is set."""
    p = 6
    rng = np.random.default_rng(0)
    acts = rng.integers(-(1 << (p - 1)), 1 << (p - 1), size=(1, 5, 6, 6))
    acts.flat[::3] = -(1 << (p - 1))
    wgts = rng.integers(-(1 << 15), 1 << 15, size=(4, 5, 3, 3))
    wgts.flat[::2] = -(1 << 15)
    np.save(tmp_path / "a.npy", acts)
    np.save(tmp_path / "w.npy", wgts)
    doc = {"name": "x", "layers": [{"name": "c", "kind": "conv", "in_channels": 5, "in_size": 6,
                                    "out_channels": 4, "kernel": 3, "padding": 0, "act_bits": p, "wgt_bits": 16,
                                    "act": {"file": "a.npy"}, "wgt": {"file": "w.npy"}}]}
    (tmp_path / "x.yaml").write_text(yaml.safe_dump(doc))
    w = load_workload(tmp_path / "x.yaml")
    t = build_trace(w.layers[0], w, 0)
    assert t.act.codes.min() == -(1 << (p - 1))
    np.testing.assert_array_equal(stripes.outputs(t), t.reference_output())


def test_outputs_use_the_layer_precision(tmp_path, stripes):
    """Fed fewer planes than the values need, the serial result is wrong: the planes are real."""
    import dataclasses
    t = traces(tmp_path, 8, 8, {"dist": "relu_normal"})[0]
    short = dataclasses.replace(t, layer=dataclasses.replace(t.layer, act_bits=6))
    assert not np.array_equal(stripes.outputs(short), t.reference_output())
