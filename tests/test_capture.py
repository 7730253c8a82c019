"""accelsim capture on a real trained network (PP-OCR's direction classifier from the
rapidocr-onnxruntime wheel) with the built-in photographs; precision profiling; pruning; bad input."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from onnx import TensorProto, helper, numpy_helper

from accelsim.spec.workload import load_workload
from accelsim.workload import capture, images, zoo
from accelsim.workload.trace import build_trace

needs_models = pytest.mark.skipif(
    not zoo.available() or not __import__("importlib").util.find_spec("skimage"),
    reason="rapidocr-onnxruntime / scikit-image not installed (pip install 'accelsim[models]')")

CLS_PP = images.Preprocess(resize=(48, 192), crop=None, mean=zoo.PPOCR_MEAN, std=zoo.PPOCR_STD)


@pytest.fixture(scope="module")
def cls_capture():
    x = images.batch(images.default_images()[:1], CLS_PP)
    return capture.capture(zoo.model_path("ppocr_cls"), x, name="cls")


@needs_models
def test_cli_capture_with_default_images_runs_on_value_level_designs(tmp_path, run_cli, root):
    out = tmp_path / "cls.yaml"
    code, text, err = run_cli("capture", "ppocr_cls", "-n", "2", "-o", out)
    assert code == 0, err
    assert "54 layers" in text and "2 images" in text
    wl = load_workload(out)
    assert wl.name == "cls" and "astronaut.png" in wl.notes
    assert all(l.act.file is not None and l.wgt.file is not None for l in wl.layers)
    # the first conv's input is the preprocessed photograph itself
    x = images.batch(images.default_images()[:2], CLS_PP)
    first = build_trace(wl.layers[0], wl, 0)
    with np.load(out.with_suffix(".npz")) as z:
        np.testing.assert_array_equal(z[f"{wl.layers[0].name}.act"], x)
    assert first.act.signed and first.act.codes.shape == (2, 3, 48, 192)
    # every value-level design runs on a depthwise conv, a pointwise conv and the final matmul
    layers = ",".join([wl.layers[2].name, wl.layers[5].name, wl.layers[-1].name])
    for arch in ("dstripes", "pragmatic", "laconic_128", "tactical_p", "scnn", "fgmp"):
        code, _, err = run_cli("run", root / "arch_configs" / f"{arch}.yaml", out,
                               "--layers", layers, "-q")
        assert code == 0, (arch, err)


@needs_models
def test_capture_reproduces_the_model_output(cls_capture):
    """The last layer's captured input and weights, with the layer's bias and the softmax the
    graph applies after it, give the model's output: the captured tensors are the real ones."""
    last = list(cls_capture.imported.sources)[-1]
    src = cls_capture.imported.sources[last]
    node = cls_capture.model.graph.node[src.node]
    bias = next(numpy_helper.to_array(t) for t in cls_capture.model.graph.initializer
                if t.name == node.input[2])
    a = cls_capture.acts[last].reshape(1, -1).astype(np.float64)
    w = cls_capture.imported.tensors[last].reshape(2, -1)          # (n, k)
    logits = a @ w.T + bias
    probs = np.exp(logits - logits.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    np.testing.assert_allclose(probs, cls_capture.outputs[0], atol=1e-5)


@needs_models
def test_profile_criterion_holds_and_one_bit_less_fails(cls_capture):
    from accelsim.workload.profile import Criterion, FakeQuantNet, profile
    crit = Criterion("sqnr", 20.0)
    prof = profile(cls_capture, crit, max_bits=6)
    net = FakeQuantNet(cls_capture, "cls")
    bits = {(l, r): prof.bits[l][0 if r == "act" else 1] for l, r, _, _ in net.operands}
    ref = cls_capture.outputs
    assert crit.holds(crit.score(ref, net.run(bits)))
    assert np.mean([b for pair in prof.bits.values() for b in pair]) < 6
    failures = [k for k, b in bits.items() if b > 1 and
                not crit.holds(crit.score(ref, net.run({**bits, k: b - 1})))]
    assert failures, "no operand fails one bit lower"


@needs_models
def test_profiled_codes_fit_their_precisions(cls_capture, tmp_path):
    from accelsim.workload.profile import Criterion, Profile, quantized_operands
    names = list(cls_capture.imported.sources)
    prof = Profile({n: (4 + i % 3, 3 + i % 4) for i, n in enumerate(names)},
                   Criterion("sqnr", 0.0), 0.0, 0)
    q = quantized_operands(cls_capture, prof)
    wl = capture.save_capture(cls_capture, tmp_path / "q.yaml", notes="t", quantized=q)
    for i, layer in enumerate(wl.layers):
        assert (layer.act_bits, layer.wgt_bits) == prof.bits[layer.name]
        t = build_trace(layer, wl, i)        # from_file checks integer codes fit the bits
        w = q[layer.name][4]
        np.testing.assert_array_equal(t.wgt.codes, w)
        step = q[layer.name][5]
        float_w = cls_capture.imported.tensors[layer.name]
        # the power-of-two step covers the maximum: rounding, never clipping
        assert np.abs(w * step - float_w).max() <= step / 2 + 1e-6
    with np.load(tmp_path / "q.npz") as z:
        assert float(z[f"{names[0]}.act.scale"]) == q[names[0]][3]


@needs_models
def test_prune_keeps_the_largest_weights_at_the_target_density(cls_capture):
    from accelsim.workload.prune import prune
    cap = capture.capture(zoo.model_path("ppocr_cls"), cls_capture.inputs,
                          prune={"*": 0.5, "Conv@1": 0.25})
    for name, w in cap.imported.tensors.items():
        want = 0.25 if name == "Conv@1" else 0.5
        dense = cls_capture.imported.tensors[name]
        kept = w != 0
        assert kept.sum() <= round(want * w.size)
        np.testing.assert_array_equal(w[kept], dense[kept])
        if (~kept).any() and kept.any():
            assert np.abs(dense[~kept]).max() <= np.abs(dense[kept]).min()
        assert cap.densities[name] == pytest.approx(kept.sum() / w.size)
    # later layers see the pruned network's activations
    last = list(cap.acts)[-1]
    assert not np.allclose(cap.acts[last], cls_capture.acts[last])
    np.testing.assert_array_equal(prune(np.array([[0.1, -3.0], [2.0, -0.5]]), 0.5),
                                  [[0, -3.0], [2.0, 0]])


def _fixed_net(tmp_path) -> Path:
    w = numpy_helper.from_array(np.ones((4, 3, 3, 3), np.float32), "w")
    g = helper.make_graph([helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1])], "n",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [w])
    path = tmp_path / "fixed.onnx"
    path.write_bytes(helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)])
                     .SerializeToString())
    return path


@pytest.mark.parametrize("case, needle", [
    ("not_onnx", "not a readable ONNX model"),
    ("bad_image", "not a decodable image"),
    ("empty_folder", "no .jpg, .jpeg or .png image"),
    ("wrong_size", "the model wants height 8"),
    ("bad_prune", "--prune: expected [LAYER=]DENSITY"),
])
def test_capture_bad_input_is_one_line(tmp_path, run_cli, case, needle):
    model = _fixed_net(tmp_path)
    img = tmp_path / "img"
    img.mkdir()
    from PIL import Image
    Image.new("RGB", (10, 10), (120, 30, 200)).save(img / "ok.png")
    args = [model, "--images", img, "-o", tmp_path / "o.yaml"]
    if case == "not_onnx":
        (tmp_path / "bad.onnx").write_text("hello")
        args[0] = tmp_path / "bad.onnx"
    elif case == "bad_image":
        (img / "broken.jpg").write_bytes(b"\xff\xd8 not a jpeg")
    elif case == "empty_folder":
        (tmp_path / "empty").mkdir()
        args[2] = tmp_path / "empty"
    elif case == "bad_prune":
        args += ["--prune", "conv=2"]
    # wrong_size: ImageNet's 224 x 224 crop for an 8 x 8 input
    code, out, err = run_cli("capture", *args)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: ") and needle in err, err


def test_capture_fixed_net_with_matching_preprocessing(tmp_path, run_cli):
    model = _fixed_net(tmp_path)
    from PIL import Image
    Image.new("RGB", (16, 12), (255, 0, 0)).save(tmp_path / "red.png")
    code, out, err = run_cli("capture", model, "--images", tmp_path / "red.png", "--resize", "8x8",
                             "--crop", "none", "--mean", "0,0,0", "--std", "1,1,1", "--bgr",
                             "-o", tmp_path / "red.yaml")
    assert code == 0, err
    with np.load(tmp_path / "red.npz") as z:
        a = z[[k for k in z.keys() if k.endswith(".act")][0]]
    # BGR order: red lands in the last channel
    np.testing.assert_allclose(a[0, :, 4, 4], [0.0, 0.0, 1.0])
