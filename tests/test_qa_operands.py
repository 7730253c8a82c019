"""QA: real operand files are read in the layer's layout, or refused in one line."""
import numpy as np
import pytest

LAYER = "{name: c1, kind: conv, in_channels: 16, in_size: 8, out_channels: 16, kernel: 3, padding: 1"


def _workload(tmp_path, layer: str):
    w = tmp_path / "w.yaml"
    w.write_text(f"name: w\nseed: 1\ndefaults: {{act_bits: 8, wgt_bits: 8}}\nlayers:\n  - {layer}\n")
    return w


@pytest.mark.parametrize("name, array, layer, expected", [
    # the same values in another order: an NHWC image, a natural (m, k) matrix
    ("nhwc.npy", np.random.default_rng(0).random((1, 8, 8, 16)), LAYER + ", act: {file: nhwc.npy}}",
     "expected an array of shape (1, 16, 8, 8) for this layer, or a flat one in that order, "
     "got 'nhwc.npy of shape (1, 8, 8, 16)'"),
    ("mk.npy", np.random.default_rng(0).random((12, 40)),
     "{name: m, kind: matmul, m: 12, k: 40, n: 20, act: {file: mk.npy}}",
     "expected an array of shape (1, 40, 12, 1) for this layer, or a flat one in that order, "
     "got 'mk.npy of shape (12, 40)'"),
    ("nan.npy", np.full((1, 16, 8, 8), np.nan, np.float32), LAYER + ", act: {file: nan.npy}}",
     "expected finite integer or float values, got '1,024 NaN or infinite float32 values'"),
])
def test_operand_in_another_layout_is_refused(run_cli, root, tmp_path, name, array, layer, expected):
    np.save(tmp_path / name, array)
    w = _workload(tmp_path, layer)
    code, _, err = run_cli("run", root / "arch_configs/pragmatic.yaml", w, "-q")
    assert code == 2 and err == f"error: {w}: layers[0].act.file: {expected}\n"


@pytest.mark.parametrize("shape", [(1, 16, 8, 8), (16, 8, 8), (16 * 64,)])
def test_operand_in_the_layers_layout_flat_or_without_unit_axes_is_read(run_cli, root, tmp_path, shape):
    np.save(tmp_path / "a.npy", np.random.default_rng(0).random(shape).astype(np.float32))
    w = _workload(tmp_path, LAYER + ", act: {file: a.npy}}")
    code, _, err = run_cli("run", root / "arch_configs/pragmatic.yaml", w, "-q")
    assert code == 0, err


def test_a_key_without_a_file_is_refused(run_cli, root, tmp_path):
    # the values were drawn synthetic without a word
    w = _workload(tmp_path, LAYER + ", act: {key: conv1}}")
    code, _, err = run_cli("run", root / "arch_configs/pragmatic.yaml", w, "-q")
    assert code == 2 and err == f"error: {w}: layers[0].act.key: only used with file: (an .npz to take it from)\n"
