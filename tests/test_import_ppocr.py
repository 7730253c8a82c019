"""ONNX import of real exported models (PP-OCR from the rapidocr-onnxruntime wheel) and the
import fixes they need: constant folding, skipped unresolvable nodes, shape-only imports with
external data, unnamed dimensions sized one by one, the workload named after its file."""
from __future__ import annotations

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from accelsim.errors import SpecError
from accelsim.workload import zoo
from accelsim.workload.importers import save
from accelsim.workload.importers.onnx_import import read_onnx

needs_models = pytest.mark.skipif(not zoo.available(), reason="rapidocr-onnxruntime is not "
                                  "installed (pip install 'accelsim[models]')")


@needs_models
def test_ppocr_cls_imports_with_unnamed_dims_sized_apart(tmp_path):
    path = zoo.model_path("ppocr_cls")
    with pytest.raises(SpecError, match=r"--dim x\.2=N --dim x\.3=N"):
        read_onnx(path)
    imp = read_onnx(path, dims={"x.2": 48, "x.3": 192})
    # Reshape targets come from Shape -> Slice -> Concat: only constant folding resolves them
    assert any("folded" in w for w in imp.warnings)
    first = imp.doc["layers"][0]
    assert first["kind"] == "conv" and first["in_size"] == [48, 192] and first["in_channels"] == 3
    assert imp.doc["layers"][-1]["kind"] == "matmul" and imp.doc["layers"][-1]["n"] == 2
    wl = save(imp, tmp_path / "cls.yaml")
    assert len(wl.layers) == 54 and all(l.wgt.file is not None for l in wl.layers)


@needs_models
def test_ppocr_rec_imports_its_attention_matmuls():
    imp = read_onnx(zoo.model_path("ppocr_rec"), dims={"x.2": 48, "p2o.DynamicDimension.1": 320})
    kinds = [l["kind"] for l in imp.doc["layers"]]
    assert kinds.count("conv") == 38 and kinds.count("matmul") == 13
    # Q K^T and P V: two activations, no weights, one product per head
    pair = [l for l in imp.doc["layers"] if l["kind"] == "matmul" and "count" in l]
    assert pair and all(imp.sources[l["name"]].wgt is not None for l in pair)


def _gemm_net(tmp_path, external: bool):
    """x (1, 8) -> Gemm W1 -> y1, and x reshaped by a runtime shape input -> MatMul W2."""
    rng = np.random.default_rng(0)
    w1 = numpy_helper.from_array(rng.standard_normal((8, 4)).astype(np.float32), "w1")
    w2 = numpy_helper.from_array(rng.standard_normal((8, 3)).astype(np.float32), "w2")
    nodes = [helper.make_node("Gemm", ["x", "w1"], ["y1"], name="fc1"),
             helper.make_node("Reshape", ["x", "s"], ["xr"], name="dyn_reshape"),
             helper.make_node("MatMul", ["xr", "w2"], ["y2"], name="mm")]
    graph = helper.make_graph(
        nodes, "net", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 8]),
                       helper.make_tensor_value_info("s", TensorProto.INT64, [2])],
        [helper.make_tensor_value_info("y1", TensorProto.FLOAT, None),
         helper.make_tensor_value_info("y2", TensorProto.FLOAT, None)], [w1, w2])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    path = tmp_path / "net.onnx"
    if external:
        onnx.save(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                  location="net.data", size_threshold=0)
    else:
        onnx.save(model, str(path))
    return path


def test_unresolvable_node_is_skipped_with_a_warning(tmp_path):
    imp = read_onnx(_gemm_net(tmp_path, external=False))
    assert [l["name"] for l in imp.doc["layers"]] == ["fc1"]
    assert any("1 layer node(s) skipped" in w and "mm (MatMul)" in w for w in imp.warnings)


def test_no_weights_reads_a_shape_only_model_without_its_data(tmp_path):
    path = _gemm_net(tmp_path, external=True)
    (tmp_path / "net.data").unlink()
    imp = read_onnx(path, weights=False)
    fc = imp.doc["layers"][0]
    assert (fc["kind"], fc["in_features"], fc["out_features"]) == ("fc", 8, 4)
    assert not imp.tensors
    with pytest.raises(SpecError, match="net.onnx"):
        read_onnx(path)


def test_cli_names_the_workload_after_its_file(tmp_path, run_cli):
    path = _gemm_net(tmp_path, external=False)
    code, out, err = run_cli("import", "onnx", str(path), "-o", str(tmp_path / "my_net.yaml"))
    assert code == 0 and "skipped" in err
    from accelsim.spec.workload import load_workload
    assert load_workload(tmp_path / "my_net.yaml").name == "my_net"
