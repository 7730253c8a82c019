"""Import speed: a ResNet-50 ONNX model (torchvision names, shapes and float32 weights, built with
onnx.helper by tests/test_import_onnx.py) and a BERT-base-sized encoder layer, through the same
path as ``accelsim import onnx`` (read, shape inference, weights, YAML + .npz written and loaded
back); SCALE-Sim export and import of ResNet-50.

    python benchmarks/bench_import.py
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import onnx

ROOT = Path(__file__).resolve().parents[1]


def timed(fn, repeat: int = 3) -> tuple[float, object]:
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> int:
    sys.path.insert(0, str(ROOT / "tests"))
    from test_import_onnx import encoder_block, resnet50
    from accelsim.spec.workload import load_workload
    from accelsim.workload.importers import save
    from accelsim.workload.importers.onnx_import import read_onnx
    from accelsim.workload.importers.scalesim import export_topology, read_topology

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for label, model, path in (("ResNet-50", resnet50(), tmp / "resnet50.onnx"),
                                   ("BERT-base layer (seq 128)",
                                    encoder_block(seq=128, hidden=768, heads=12, ffn=3072),
                                    tmp / "bert_layer.onnx")):
            onnx.save(model, str(path))
            mb = path.stat().st_size / 2**20
            secs, wl = timed(lambda: save(read_onnx(path), tmp / (path.stem + ".yaml")))
            print(f"import onnx {label:28s} {mb:6.1f} MB  {len(wl.layers):3d} layers  "
                  f"{wl.macs:>14,} MACs  {secs:6.2f} s (best of 3)")
        ref = load_workload(ROOT / "workloads" / "resnet50.yaml")
        secs, (text, _) = timed(lambda: export_topology(ref))
        print(f"export scalesim ResNet-50 ({text.count(chr(10)) - 1} rows)  {secs * 1e3:8.2f} ms")
        csv = tmp / "resnet50.csv"
        csv.write_text(text)
        secs, imp = timed(lambda: save(read_topology(csv), tmp / "from_csv.yaml"))
        print(f"import scalesim ResNet-50 -> workload  {secs * 1e3:8.2f} ms "
              f"({imp.macs:,} MACs)")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
