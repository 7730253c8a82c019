"""SCALE-Sim topology import / export: round trips, padding semantics, depthwise, errors."""
from __future__ import annotations

import pytest

from accelsim.errors import SpecError
from accelsim.spec.workload import LayerKind, load_workload
from accelsim.workload.importers import save
from accelsim.workload.importers.scalesim import export_topology, read_topology

CONV_CSV = """\
Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,
conv1, 229, 229, 7, 7, 3, 64, 2,
res2a, 58, 58, 3, 3, 64, 64, 1,
proj, 55, 55, 1, 1, 256, 512, 2,
block_DP, 30, 30, 3, 3, 32, 1, 1,
wide, 20, 12, 5, 3, 16, 24, 1,
fc, 1, 1, 1, 1, 2048, 1000, 1,
"""

GEMM_CSV = """\
Layer, M, N, K,
qkv, 128, 2304, 768,
ffn1, 128, 3072, 768,
lm_head, 1, 32000, 4096,
"""


def _scalesim_macs(h, w, r, s, c, k, stride):
    """SCALE-Sim's own count (topology_utils): ceil((H - R + stride) / stride) outputs."""
    oh, ow = -(-(h - r + stride) // stride), -(-(w - s + stride) // stride)
    return oh * ow * r * s * c * k


@pytest.mark.parametrize("text", [CONV_CSV, GEMM_CSV])
def test_round_trip_is_identical(tmp_path, text):
    src = tmp_path / "topo.csv"
    src.write_text(text)
    imported = read_topology(src)
    assert imported.warnings == ()
    workload = save(imported, tmp_path / "topo.yaml")
    out, warnings = export_topology(workload)
    assert out == text and warnings == ()


def test_conv_import_semantics(tmp_path):
    src = tmp_path / "topo.csv"
    src.write_text(CONV_CSV)
    w = save(read_topology(src), tmp_path / "topo.yaml")
    by = {l.name: l for l in w.layers}
    # pre-padded: no padding, outputs as the sizes say (58 - 3 + 1 = 56)
    assert (by["res2a"].shape.pad_h, by["res2a"].shape.out_h) == (0, 56)
    assert by["conv1"].shape.out_h == 112 and by["proj"].shape.out_h == 28
    # 'DP' in the name is SCALE-Sim's depthwise: one layer per channel, Num Filter each
    dp = by["block_DP"].shape
    assert (dp.groups, dp.c, dp.k, dp.c_per_group) == (32, 32, 32, 1)
    assert by["wide"].shape.out_h == 16 and by["wide"].shape.out_w == 10
    rows = [line.split(",")[:-1] for line in CONV_CSV.splitlines()[1:]]
    for row in rows:       # a DP layer: C one-channel layers of Num Filter filters, same count
        assert by[row[0].strip()].macs == _scalesim_macs(*(int(x) for x in row[1:]))
    assert w.macs == sum(_scalesim_macs(*(int(x) for x in row[1:])) for row in rows)


def test_partial_windows_are_counted_as_scalesim_does(tmp_path):
    src = tmp_path / "p.csv"
    src.write_text("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, "
                   "Num Filter, Strides,\nconv1, 230, 224, 7, 7, 3, 64, 2,\n")
    imported = read_topology(src)
    w = save(imported, tmp_path / "p.yaml")
    s = w.layers[0].shape
    # SCALE-Sim: ceil((230 - 7 + 2) / 2) = 113 rows, ceil((224 - 7 + 2) / 2) = 110 columns
    assert (s.out_h, s.out_w) == (113, 110)
    assert w.macs == _scalesim_macs(230, 224, 7, 7, 3, 64, 2)
    assert any("partial last windows" in x and "230x224->231x225" in x for x in imported.warnings)


def test_same_padding_option(tmp_path):
    src = tmp_path / "s.csv"
    src.write_text("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, "
                   "Num Filter, Strides,\nconv1, 224, 224, 7, 7, 3, 64, 2,\n"
                   "res2a, 56, 56, 3, 3, 64, 64, 1,\n")
    w = save(read_topology(src, padding="same"), tmp_path / "s.yaml")
    assert [(l.shape.pad_h, l.shape.out_h) for l in w.layers] == [(3, 112), (1, 56)]
    text, _ = export_topology(w)
    assert "conv1, 229, 229, 7, 7, 3, 64, 2," in text and "res2a, 58, 58," in text


def test_gemm_import(tmp_path):
    src = tmp_path / "g.csv"
    src.write_text(GEMM_CSV)
    w = save(read_topology(src), tmp_path / "g.yaml")
    qkv = w.layers[0]
    assert qkv.kind is LayerKind.MATMUL
    assert (qkv.shape.windows, qkv.shape.reduction, qkv.shape.k) == (128, 768, 2304)
    assert w.macs == 128 * 2304 * 768 + 128 * 3072 * 768 + 32000 * 4096


def test_export_resnet50_folds_padding(root):
    w = load_workload(root / "workloads" / "resnet50.yaml")
    text, warnings = export_topology(w)
    lines = text.splitlines()
    assert lines[0].startswith("Layer name, IFMAP Height") and len(lines) == 55
    assert "conv1, 229, 229, 7, 7, 3, 64, 2," in lines
    assert "layer1.0.conv2, 58, 58, 3, 3, 64, 64, 1," in lines
    assert "layer2.0.conv2, 57, 57, 3, 3, 128, 128, 2," in lines       # rows read: 27*2+3
    assert "layer2.0.downsample.0, 55, 55, 1, 1, 256, 512, 2," in lines
    assert "fc, 1, 1, 1, 1, 2048, 1000, 1," in lines
    assert warnings == ()


def test_export_then_import_keeps_shapes_and_macs(tmp_path, root):
    w = load_workload(root / "workloads" / "resnet50.yaml")
    csv = tmp_path / "r.csv"
    csv.write_text(export_topology(w)[0])
    back = save(read_topology(csv), tmp_path / "r.yaml")
    assert back.macs == w.macs
    assert [(l.shape.out_h, l.shape.out_w, l.shape.k) for l in back.layers] == \
        [(l.shape.out_h, l.shape.out_w, l.shape.k) for l in w.layers]


def test_gemm_export_splits_groups_and_products(root):
    w = load_workload(root / "tests" / "data" / "tiny.yaml")
    text, warnings = export_topology(w, form="gemm")
    rows = [r.split(", ") for r in text.splitlines()[1:]]
    assert sum(int(m) * int(n) * int(k.rstrip(",")) for _, m, n, k in rows) == w.macs
    names = [r[0] for r in rows]
    assert "conv2.g1" in names and "dw.g39" in names and "mm.g1" in names
    assert any("one row per group" in x for x in warnings)
    conv, _ = export_topology(w, form="conv")              # depthwise uses the DP naming rule
    assert "dw_DP, 12, 12, 3, 3, 40, 1, 1," in conv.splitlines()


def test_conv_form_refuses_batched_conv(tmp_path):
    (tmp_path / "b.yaml").write_text(
        "name: b\nlayers:\n  - {name: c, kind: conv, in_channels: 4, in_size: 8, out_channels: 4,"
        " kernel: 3, padding: 1, batch: 2}\n")
    w = load_workload(tmp_path / "b.yaml")
    with pytest.raises(SpecError, match="batch 2"):
        export_topology(w, form="conv")
    text, _ = export_topology(w)                            # auto picks the GEMM form
    assert text.splitlines()[1] == "c, 128, 4, 36,"


def test_sparsity_column_and_missing_trailing_comma(tmp_path):
    src = tmp_path / "s.csv"
    src.write_text("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, "
                   "Num Filter, Strides, Sparsity,\na, 8, 8, 3, 3, 4, 4, 1, 2:4,\n"
                   "b, 8, 8, 1, 1, 4, 4, 1\n")
    imported = read_topology(src)
    assert imported.doc["layers"][0]["wgt"] == {"density": 0.5}
    assert any("trailing comma" in x and "3" in x for x in imported.warnings)
    assert any("N:M weight sparsity" in x for x in imported.warnings)


# -- CLI ----------------------------------------------------------------------------------------
def test_cli_import_and_export(tmp_path, run_cli):
    src = tmp_path / "t.csv"
    src.write_text(CONV_CSV)
    code, out, err = run_cli("import", "scalesim", src, "-o", tmp_path / "t.yaml")
    assert code == 0 and "6 layers" in out, err
    code, out, err = run_cli("export", "scalesim", tmp_path / "t.yaml", "-o", tmp_path / "u.csv")
    assert code == 0, err
    assert (tmp_path / "u.csv").read_text() == CONV_CSV


HEADER = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, " \
         "Num Filter, Strides,\n"


@pytest.mark.parametrize("content, needle", [
    (None, "file not found"),
    ("", "empty file"),
    ("a, b,\nx, 1,\n", "expected a SCALE-Sim conv header"),
    (HEADER + "c1, 56, 56, 3, 3, 64,\n", "line 2: expected 8 fields (conv form"),
    (HEADER + "c1, 56, 5x6, 3, 3, 64, 64, 1,\n", "line 2, IFMAP Width: expected a positive integer"),
    (HEADER + "c1, 56, 56, 3, 3, 64, 0, 1,\n", "Num Filter: expected a positive integer"),
    (HEADER + "c1, 2, 2, 3, 3, 64, 64, 1,\n", "IFMAP of at least the 3x3 filter"),
    (HEADER + "c1, 8, 8, 1, 1, 4, 4, 1,\nc1, 8, 8, 1, 1, 4, 4, 1,\n", "unique layer name"),
    (HEADER + "c1, 8, 8, 1, 1, 4, 4, 1, 5:4,\n", "Sparsity: expected N:M"),
    (HEADER, "no layer rows"),
])
def test_cli_bad_csv_is_one_line(tmp_path, run_cli, content, needle):
    src = tmp_path / "bad.csv"
    if content is not None:
        src.write_text(content)
    code, out, err = run_cli("import", "scalesim", src, "-o", tmp_path / "o.yaml")
    assert code == 2
    assert err.count("\n") == 1 and err.startswith(f"error: {src}") and needle in err, err


def test_cli_export_bad_workload(tmp_path, run_cli):
    code, _, err = run_cli("export", "scalesim", tmp_path / "none.yaml")
    assert code == 2 and err.count("\n") == 1 and "file not found" in err
