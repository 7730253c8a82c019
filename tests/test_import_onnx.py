"""ONNX import: shapes, MAC counts, weight layouts (checked functionally), names, warnings, errors.

The models are built here with onnx.helper (no torch): a small conv net, a ResNet-50 with
torchvision's module names and shapes, and a transformer encoder block with MatMul attention.
"""
from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from accelsim.errors import SpecError
from accelsim.spec.workload import load_workload
from accelsim.workload.importers import save
from accelsim.workload.importers.onnx_import import read_onnx
from accelsim.workload.trace import build_trace


# -- model builders ------------------------------------------------------------------------------
class Net:
    """A tiny graph builder: nodes, initializers and torch-style scoped node names."""

    def __init__(self, rng=None, dtype=np.float32, fused=False):
        self.nodes, self.inits = [], []
        self.rng = rng or np.random.default_rng(0)
        self.dtype = dtype
        self.fused = fused      # torch's eval export: BN folded into a biased Conv, 'onnx::' names
        self.n = 0

    def init(self, name, array):
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def weight(self, name, shape):
        return self.init(name, (self.rng.standard_normal(shape) * 0.1).astype(self.dtype))

    def node(self, op, inputs, scope, **attrs):
        self.n += 1
        out = f"t{self.n}"
        name = "/" + "/".join(scope + [op]) if scope is not None else f"{op}_{self.n}"
        self.nodes.append(helper.make_node(op, inputs, [out], name=name, **attrs))
        return out

    def conv(self, x, module, scope, c, k, kernel, stride=1, pad=0, groups=1, bn=True):
        shape = (k, c // groups, kernel, kernel)
        if self.fused:
            w = self.weight(f"onnx::Conv_{len(self.inits) + 100}", shape)
            ins = [x, w, self.init(f"onnx::Conv_{len(self.inits) + 100}", np.zeros(k, np.float32))]
        else:
            ins = [x, self.weight(f"{module}.weight", shape)]
        y = self.node("Conv", ins, scope, kernel_shape=[kernel, kernel], strides=[stride] * 2,
                      pads=[pad] * 4, group=groups)
        if bn and not self.fused:
            stem = module.replace("conv", "bn") if "conv" in module else module[:-1] + "1"
            params = [self.init(f"{stem}.{p}", v) for p, v in (
                ("weight", self.rng.uniform(0.5, 1.5, k)), ("bias", np.zeros(k)),
                ("running_mean", np.zeros(k)), ("running_var", self.rng.uniform(0.5, 2.0, k)))]
            y = self.node("BatchNormalization", [y] + [p for p in params],
                          scope[:-1] + [stem.split(".")[-1]], epsilon=1e-5)
        return y

    def model(self, x_name, x_shape, out, out_shape=None, opset=17):
        graph = helper.make_graph(
            self.nodes, "net",
            [helper.make_tensor_value_info(x_name, TensorProto.FLOAT, x_shape)],
            [helper.make_tensor_value_info(out, TensorProto.FLOAT, out_shape)],
            initializer=self.inits)
        return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


def resnet50(weights_dtype=np.float32, fused=False) -> onnx.ModelProto:
    """ResNet-50 v1.5 as torchvision builds it, with its module and parameter names; ``fused``:
    as ``torch.onnx.export`` writes it in eval mode (BN folded, weights named 'onnx::Conv_N',
    modules only in the node scopes '/layer1/layer1.0/conv1/Conv')."""
    net = Net(dtype=weights_dtype, fused=fused)
    x = net.conv("input", "conv1", ["conv1"], 3, 64, 7, stride=2, pad=3)
    x = net.node("Relu", [x], ["relu"])
    x = net.node("MaxPool", [x], ["maxpool"], kernel_shape=[3, 3], strides=[2, 2], pads=[1] * 4)
    c = 64
    for stage, (width, blocks, stride) in enumerate(((64, 3, 1), (128, 4, 2), (256, 6, 2),
                                                     (512, 3, 2)), 1):
        for b in range(blocks):
            s = stride if b == 0 else 1
            pre, scope = f"layer{stage}.{b}", [f"layer{stage}", f"layer{stage}.{b}"]
            y = net.node("Relu", [net.conv(x, f"{pre}.conv1", scope + ["conv1"], c, width, 1)],
                         scope + ["relu"])
            y = net.node("Relu", [net.conv(y, f"{pre}.conv2", scope + ["conv2"], width, width,
                                           3, stride=s, pad=1)], scope + ["relu_1"])
            y = net.conv(y, f"{pre}.conv3", scope + ["conv3"], width, width * 4, 1)
            short = x
            if b == 0:
                short = net.conv(x, f"{pre}.downsample.0", scope + ["downsample", "downsample.0"],
                                 c, width * 4, 1, stride=s)
            x = net.node("Relu", [net.node("Add", [y, short], scope)], scope + ["relu_2"])
            c = width * 4
    x = net.node("GlobalAveragePool", [x], ["avgpool"])
    x = net.node("Flatten", [x], [], axis=1)
    x = net.node("Gemm", [x, net.weight("fc.weight", (1000, 2048)), net.init("fc.bias",
                 np.zeros(1000, np.float32))], ["fc"], transB=1)
    return net.model("input", ["batch", 3, 224, 224], x, ["batch", 1000])


def encoder_block(seq=16, hidden=64, heads=4, ffn=256) -> onnx.ModelProto:
    """A BERT-style encoder layer: Q/K/V projections, MatMul attention, FFN (HF module names)."""
    net = Net()
    d = hidden // heads
    pre = "encoder.layer.0"
    scope = ["encoder", "layer.0"]

    def linear(x, name, k, n):
        y = net.node("MatMul", [x, net.weight(f"{pre}.{name}.weight_t", (k, n))],
                     scope + name.split("."))
        return net.node("Add", [y, net.init(f"{pre}.{name}.bias", np.zeros(n, np.float32))],
                        scope + name.split("."))

    def heads_view(x, perm):
        shape = net.init(f"shape{net.n}", np.array([1, seq, heads, d], np.int64))
        return net.node("Transpose", [net.node("Reshape", [x, shape], scope)], scope, perm=perm)

    q = heads_view(linear("x", "attention.self.query", hidden, hidden), [0, 2, 1, 3])
    k = heads_view(linear("x", "attention.self.key", hidden, hidden), [0, 2, 3, 1])
    v = heads_view(linear("x", "attention.self.value", hidden, hidden), [0, 2, 1, 3])
    att = net.node("MatMul", [q, k], scope + ["attention", "self"])
    att = net.node("Div", [att, net.init("scale", np.array(np.sqrt(d), np.float32))], scope)
    att = net.node("Softmax", [att], scope, axis=-1)
    ctx = net.node("MatMul", [att, v], scope + ["attention", "self", "MatMul_1"])
    ctx = net.node("Transpose", [ctx], scope, perm=[0, 2, 1, 3])
    ctx = net.node("Reshape", [ctx, net.init("shape_out", np.array([1, seq, hidden], np.int64))],
                   scope)
    y = net.node("Add", [linear(ctx, "attention.output.dense", hidden, hidden), "x"], scope)
    h = net.node("Relu", [linear(y, "intermediate.dense", hidden, ffn)], scope)
    out = net.node("Add", [linear(h, "output.dense", ffn, hidden), y], scope)
    return net.model("x", [1, seq, hidden], out, [1, seq, hidden])


def small_net() -> onnx.ModelProto:
    """conv+BN+ReLU, depthwise conv, pointwise conv, global pool, Gemm (transB=0), batch 2."""
    net = Net()
    x = net.node("Relu", [net.conv("x", "conv1", ["conv1"], 3, 8, 3, stride=2, pad=1)], ["relu"])
    x = net.node("Relu", [net.conv(x, "dw", ["dw"], 8, 8, 3, pad=1, groups=8, bn=False)], ["r2"])
    x = net.conv(x, "pw", ["pw"], 8, 16, 1, bn=False)
    x = net.node("Flatten", [net.node("GlobalAveragePool", [x], ["pool"])], ["flat"])
    x = net.node("Gemm", [x, net.weight("head.weight", (16, 10))], ["head"])
    return net.model("x", [2, 3, 16, 16], x, [2, 10])


def write(tmp_path, model, name="m.onnx"):
    path = tmp_path / name
    onnx.save(model, str(path))
    return path


# -- shapes and MACs -----------------------------------------------------------------------------
def test_small_model_layers_and_macs(tmp_path):
    imp = read_onnx(write(tmp_path, small_net()), act_bits=8, wgt_bits=8)
    layers = imp.doc["layers"]
    strip = [{k: v for k, v in l.items() if k not in ("act", "wgt")} for l in layers]
    assert strip == [
        {"name": "conv1", "kind": "conv", "in_channels": 3, "in_size": 16, "out_channels": 8,
         "kernel": 3, "stride": 2, "padding": 1, "batch": 2},
        {"name": "dw", "kind": "conv", "in_channels": 8, "in_size": 8, "out_channels": 8,
         "kernel": 3, "padding": 1, "groups": 8, "batch": 2},
        {"name": "pw", "kind": "conv", "in_channels": 8, "in_size": 8, "out_channels": 16,
         "kernel": 1, "batch": 2},
        {"name": "head", "kind": "fc", "in_features": 16, "out_features": 10, "batch": 2},
    ]
    w = save(imp, tmp_path / "small.yaml")
    expected = 2 * (8 * 8 * 8 * 27 + 8 * 8 * 8 * 9 + 8 * 8 * 16 * 8) + 2 * 16 * 10
    assert w.macs == expected
    # the image input is signed; the rest follow a ReLU (the defaults), and pw follows ReLU too
    assert layers[0]["act"]["dist"] == "normal" and "act" not in layers[1]
    # GlobalAveragePool/Flatten pass through: the head input traces back to pw's conv (signed)
    assert layers[3]["act"]["dist"] == "normal"
    assert imp.warnings[0].startswith("not imported as layers (no MACs counted): ")
    assert "Relu x2" in imp.warnings[0] and "BatchNormalization x1 (1 folded" in imp.warnings[0]


@pytest.mark.parametrize("fused", [False, True])
def test_resnet50_matches_the_bundled_workload(tmp_path, root, fused):
    imp = read_onnx(write(tmp_path, resnet50(np.float16, fused)), act_bits=16, wgt_bits=16)
    got = save(imp, tmp_path / "r50.yaml")
    ref = load_workload(root / "workloads" / "resnet50.yaml")
    assert [l.name for l in got.layers] == [l.name for l in ref.layers]
    assert [(l.kind, l.shape) for l in got.layers] == [(l.kind, l.shape) for l in ref.layers]
    assert got.macs == ref.macs == 4_089_184_256
    line = imp.warnings[0]
    ops = ["Relu x49", "Add x16", "MaxPool x1", "GlobalAveragePool x1", "Flatten x1"]
    if not fused:
        ops.append("BatchNormalization x53 (53 folded into conv weights)")
    for op in ops:
        assert op in line
    assert ("BatchNormalization" in line) is not fused


def test_transformer_block_attention_matmuls(tmp_path):
    imp = read_onnx(write(tmp_path, encoder_block(seq=16, hidden=64, heads=4, ffn=256)))
    got = {l["name"]: {k: v for k, v in l.items() if k in ("kind", "m", "k", "n", "count")}
           for l in imp.doc["layers"]}
    pre = "encoder.layer.0."
    assert len(got) == 8
    assert got[pre + "attention.self.query"] == {"kind": "matmul", "m": 16, "k": 64, "n": 64}
    assert got[pre + "attention.self"] == {"kind": "matmul", "m": 16, "k": 16, "n": 16, "count": 4}
    assert got[pre + "attention.self.MatMul_1"] == {"kind": "matmul", "m": 16, "k": 16, "n": 16,
                                                    "count": 4}
    assert got[pre + "intermediate.dense"] == {"kind": "matmul", "m": 16, "k": 64, "n": 256}
    assert got[pre + "output.dense"] == {"kind": "matmul", "m": 16, "k": 256, "n": 64}
    w = save(imp, tmp_path / "enc.yaml")
    assert w.macs == 4 * 16 * 64 * 64 + 2 * 4 * 16 * 16 * 16 + 2 * 16 * 64 * 256
    by = {l["name"]: l for l in imp.doc["layers"]}
    # P (softmax output) is unsigned and dense; K^T is a signed activation in the weight role
    assert by[pre + "attention.self.MatMul_1"]["act"]["dist"] == "half_normal"
    assert "wgt" not in by[pre + "attention.self"]
    assert by[pre + "output.dense"].get("act") is None            # after the FFN's ReLU
    assert "Softmax x1" in imp.warnings[0]


def test_bert_base_layer_matches_the_bundled_workload(tmp_path, root):
    """An encoder layer at BERT-base size gives the shapes of bert_base.yaml's first layer."""
    imp = read_onnx(write(tmp_path, encoder_block(seq=128, hidden=768, heads=12, ffn=3072)),
                    weights=False)
    got = save(imp, tmp_path / "bert.yaml")
    ref = load_workload(root / "workloads" / "bert_base.yaml")
    assert [(l.kind, l.shape) for l in got.layers] == [(l.kind, l.shape) for l in ref.layers[:8]]


def test_padding_variants_keep_output_size_and_macs(tmp_path):
    net = Net()
    a = net.node("Conv", ["x", net.weight("a.weight", (4, 3, 3, 3))], ["a"], strides=[2, 2],
                 auto_pad="SAME_UPPER")
    b = net.node("Conv", [a, net.weight("b.weight", (4, 4, 3, 3))], ["b"], pads=[0, 1, 1, 2])
    c = net.node("Conv", [b, net.weight("c.weight", (4, 4, 3, 3))], ["c"], dilations=[2, 2],
                 pads=[2, 2, 2, 2])
    model = onnx.shape_inference.infer_shapes(net.model("x", [1, 3, 15, 15], c))
    outs = {vi.name: [d.dim_value for d in vi.type.tensor_type.shape.dim]
            for vi in list(model.graph.value_info) + list(model.graph.output)}
    imp = read_onnx(write(tmp_path, model))
    w = save(imp, tmp_path / "pads.yaml")
    for layer, out in zip(w.layers, (a, b, c)):
        assert [layer.shape.out_h, layer.shape.out_w] == outs[out][2:]
    assert w.layers[2].macs == 4 * 4 * 9 * outs[c][2] * outs[c][3]
    assert any("asymmetric padding" in x for x in imp.warnings)
    assert any("dilated" in x for x in imp.warnings)


def test_mac_operators_left_out_are_flagged(tmp_path):
    net = Net()
    y = net.node("ConvTranspose", ["x", net.weight("up.weight", (3, 4, 2, 2))], ["up"],
                 strides=[2, 2])
    y = net.node("Conv", [y, net.weight("c.weight", (4, 4, 1, 1))], ["c"])
    imp = read_onnx(write(tmp_path, net.model("x", [1, 3, 8, 8], y)))
    assert "ConvTranspose x1 (carries MACs, not modelled)" in imp.warnings[0]
    assert "ConvTranspose" in imp.doc["notes"]


# -- weights: layouts checked by computing the layer ----------------------------------------------
def _integer_weights(net: Net, name: str, shape, rng) -> np.ndarray:
    """Float weights with integer values and max |w| = 127, so 8-bit max-abs quantization keeps
    them exactly: the codes accelsim computes with are the model's weights."""
    w = rng.integers(-127, 128, size=shape).astype(np.float32)
    w.flat[0] = 127
    net.init(name, w)
    return w


@pytest.mark.parametrize("form", ["gemm_transB", "gemm", "matmul", "matmul3d", "matmul_const",
                                  "conv_grouped"])
def test_weights_compute_the_layer(tmp_path, form):
    rng = np.random.default_rng(3)
    net = Net()
    if form.startswith("gemm"):
        trans = form == "gemm_transB"
        b = _integer_weights(net, "fc.weight", (7, 5) if trans else (5, 7), rng)
        y = net.node("Gemm", ["x", "fc.weight"], ["fc"], transB=int(trans))
        x_shape, act = [3, 5], rng.integers(-9, 10, (3, 5))
        expected = act @ (b.T if trans else b)
    elif form == "matmul_const":
        # weights as a Constant node (n, k), transposed in the graph: how some exporters store them
        b = rng.integers(-127, 128, size=(5, 7)).astype(np.float32)
        b.flat[0] = 127
        c = net.node("Constant", [], ["w"], value=numpy_helper.from_array(b.T.copy()))
        y = net.node("MatMul", ["x", net.node("Transpose", [c], ["t"], perm=[1, 0])], ["proj"])
        x_shape, act = [3, 5], rng.integers(-9, 10, (3, 5))
        expected = act @ b
    elif form.startswith("matmul"):
        b = _integer_weights(net, "proj.weight", (5, 7), rng)
        y = net.node("MatMul", ["x", "proj.weight"], ["proj"])
        x_shape = [2, 3, 5] if form == "matmul3d" else [3, 5]
        act = rng.integers(-9, 10, x_shape)
        expected = (act @ b).reshape(-1, 7)
    else:
        b = _integer_weights(net, "g.weight", (6, 2, 3, 3), rng)
        y = net.node("Conv", ["x", "g.weight"], ["g"], group=2, pads=[1] * 4)
        x_shape, act = [1, 4, 5, 5], rng.integers(-9, 10, (1, 4, 5, 5))
        expected = _conv_reference(act, b, groups=2, pad=1)
    imp = read_onnx(write(tmp_path, net.model("x", x_shape, y)), act_bits=8, wgt_bits=8)
    wl = save(imp, tmp_path / "w.yaml")
    assert (tmp_path / "w.npz").exists()
    from accelsim.workload.importers.captures import act_layout
    layer = wl.layers[0]
    trace = build_trace(layer, wl, 0)
    assert trace.wgt.sqnr_db == float("inf")            # quantization kept the integer weights
    from accelsim.workload.trace import LayerTrace
    from accelsim.workload.tensors import Operand
    codes = act_layout(layer, act.astype(np.int32))
    real = LayerTrace(layer, Operand(codes, True, 0.0, float("inf")), trace.wgt)
    out = real.reference_output()                       # (groups, windows, k_per_group)
    got = out.transpose(1, 0, 2).reshape(out.shape[1], -1)
    assert np.array_equal(got, expected.reshape(got.shape))


def _conv_reference(x, w, groups, pad):
    """Direct grouped convolution, stride 1 (independent of accelsim's im2col)."""
    n, c, h, wd = x.shape
    k, cg, r, s = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    oh, ow = h + 2 * pad - r + 1, wd + 2 * pad - s + 1
    out = np.zeros((n, k, oh, ow), np.int64)
    kg = k // groups
    for f in range(k):
        gi = f // kg
        for i in range(oh):
            for j in range(ow):
                out[:, f, i, j] = (xp[:, gi * cg:(gi + 1) * cg, i:i + r, j:j + s] * w[f]).sum((1, 2, 3))
    return out.transpose(0, 2, 3, 1).reshape(-1, k)      # windows (n, y, x) x filters


def test_batchnorm_is_folded_into_conv_weights(tmp_path):
    model = small_net()
    imp = read_onnx(write(tmp_path, model))
    raw = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    scale = raw["bn1.weight"] / np.sqrt(raw["bn1.running_var"] + 1e-5)
    assert np.allclose(imp.tensors["conv1"], raw["conv1.weight"] * scale[:, None, None, None],
                       rtol=1e-6)
    kept = read_onnx(write(tmp_path, model), fold_bn=False)
    assert np.array_equal(kept.tensors["conv1"], raw["conv1.weight"])


def test_layer_names_from_torch_scopes(tmp_path):
    """Fused exports name weights 'onnx::Conv_N': the module name comes from the node's scope."""
    net = Net()
    y = net.node("Conv", ["x", net.weight("onnx::Conv_12", (4, 3, 1, 1))],
                 ["layer1", "layer1.0", "conv1"])
    y = net.node("Conv", [y, net.weight("onnx::Conv_13", (4, 4, 1, 1))], None)   # 'Conv_2'
    y = net.node("Conv", [y, net.weight("onnx::Conv_14", (4, 4, 1, 1))], None)
    names = [l["name"] for l in read_onnx(write(tmp_path, net.model("x", [1, 3, 4, 4], y))
                                          ).doc["layers"]]
    assert names == ["layer1.0.conv1", "Conv_2", "Conv_3"]


def test_symbolic_dims(tmp_path):
    net = Net()
    y = net.node("MatMul", ["x", net.weight("p.weight", (8, 4))], ["p"])
    path = write(tmp_path, net.model("x", ["batch", "seq", 8], y))
    with pytest.raises(SpecError, match="seq"):
        read_onnx(path)
    imp = read_onnx(path, batch=2, dims={"seq": 5})
    assert imp.doc["layers"][0]["m"] == 10
    # a name the model's inputs do not have is refused, not ignored (a misspelt --dim)
    with pytest.raises(SpecError, match=r"--dim sq: names no symbolic input dimension \(the model's: x.0, batch, x.1, seq\)"):
        read_onnx(path, batch=2, dims={"seq": 5, "sq": 7})
    assert read_onnx(path, dims={"x.1": 3}).doc["layers"][0]["m"] == 3     # by input and axis


# -- errors through the CLI ---------------------------------------------------------------------
def test_cli_import_writes_yaml_and_weights(tmp_path, run_cli):
    path = write(tmp_path, small_net())
    code, out, err = run_cli("import", "onnx", path, "-o", tmp_path / "s.yaml")
    assert code == 0, err
    assert "4 layers" in out and (tmp_path / "s.npz").exists()
    assert err.startswith("warning: not imported as layers")
    w = load_workload(tmp_path / "s.yaml")
    assert w.layers[0].wgt.file.name == "s.npz" and w.layers[0].wgt.key == "conv1"


@pytest.mark.parametrize("case, needle", [
    ("missing", "file not found"),
    ("garbage", "not a readable ONNX model"),
    ("no_layers", "no Conv, Gemm or MatMul node"),
    ("symbolic", "--dim"),
    ("bad_dim", "--dim: expected NAME=N"),
    ("bad_bits", "--act-bits: expected an integer in 1..32"),
    ("bad_conv", "(Conv): expected weights K x C/group x R x S for C 3 in 1 group(s)"),
    ("bad_matmul", "ONNX shape inference failed: "),
])
def test_cli_bad_onnx_is_one_line(tmp_path, run_cli, case, needle):
    path = tmp_path / "bad.onnx"
    extra = []
    if case == "garbage":
        path.write_bytes(b"\x08\x07this is not a protobuf\xff\xfe")
    elif case == "no_layers":
        net = Net()
        y = net.node("Relu", ["x"], ["r"])
        onnx.save(net.model("x", [1, 4], y), str(path))
    elif case in ("symbolic", "bad_dim"):
        net = Net()
        y = net.node("MatMul", ["x", net.weight("p.weight", (8, 4))], ["p"])
        onnx.save(net.model("x", [1, "seq", 8], y), str(path))
        extra = ["--dim", "seq"] if case == "bad_dim" else []
    elif case == "bad_conv":       # shape inference lets the channel mismatch through
        net = Net()
        y = net.node("Conv", ["x", net.weight("c.weight", (4, 5, 3, 3))], ["c"])
        onnx.save(net.model("x", [1, 3, 8, 8], y), str(path))
    elif case == "bad_matmul":
        net = Net()
        y = net.node("MatMul", ["x", net.weight("p.weight", (7, 4))], ["p"])
        model = net.model("x", [1, 8], y)
        onnx.save(model, str(path))
    if case == "bad_bits":
        onnx.save(small_net(), str(path))
        extra = ["--act-bits", "40"]
    code, out, err = run_cli("import", "onnx", path, "-o", tmp_path / "o.yaml", *extra)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("error: ") and needle in err
    if case not in ("bad_dim", "bad_bits"):
        assert str(path) in err


# -- captured activations -----------------------------------------------------------------------
def test_save_captures_feeds_real_activations(tmp_path):
    from accelsim.workload.importers.captures import save_captures
    from accelsim.workload.tensors import quantize
    save(read_onnx(write(tmp_path, encoder_block(seq=8, hidden=16, heads=2, ffn=32))),
         tmp_path / "enc.yaml")
    rng = np.random.default_rng(5)
    name = "encoder.layer.0.intermediate.dense"
    acts = {name: rng.standard_normal((1, 8, 16)).astype(np.float32),
            "encoder.layer.0.output.dense": np.maximum(rng.standard_normal((1, 8, 32)), 0)}
    derived = save_captures(tmp_path / "enc.yaml", acts)
    assert derived.file.endswith("enc_acts.yaml") and (tmp_path / "enc_acts.npz").exists()
    i = [l.name for l in derived.layers].index(name)
    trace = build_trace(derived.layers[i], derived, i)
    want = quantize(acts[name].reshape(8, 16).T.reshape(1, 16, 8, 1).astype(np.float64), 8, True)
    assert np.array_equal(trace.act.codes, want.codes)
    j = [l.name for l in derived.layers].index("encoder.layer.0.output.dense")
    relu = build_trace(derived.layers[j], derived, j)
    assert not relu.act.signed and relu.act.codes.max() == 255     # post-ReLU: unsigned codes
    # the weights still come from the import's .npz
    assert derived.layers[i].wgt.file.name == "enc.npz"
    with pytest.raises(SpecError, match="did you mean 'encoder.layer.0.output.dense'"):
        save_captures(tmp_path / "enc.yaml", {"encoder.layer.0.output.dens": acts[name]})
    with pytest.raises(SpecError, match="128 values"):
        save_captures(tmp_path / "enc.yaml", {name: np.zeros((1, 8, 17))})
