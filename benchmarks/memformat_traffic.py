"""Off-chip traffic of the bundled CNNs in each memory format, and Diffy's work reduction.

For every conv / fc layer of each network: the bytes of its weights, input activations and
outputs in 16-bit containers (and again with every operand re-quantized to 8 bits in 8-bit
containers), raw and in each format of accelsim.memformat, from the layers' real operand codes
(the workloads' seeded value models); outputs take the fraction their format reaches on the
layer's inputs (memformat.layer_fractions). Off-chip traffic counts each tensor once: weights
read, inputs read, outputs written (no re-fetch: the traffic floor a format changes). Diffy: the
serial cycles of a per-group-precision back end on deltas over raw activations (accelsim.diffy).

    .venv/bin/python benchmarks/memformat_traffic.py [network ...]

writes benchmarks/results/memformat_traffic.csv (per layer) and memformat_traffic.md (per network,
beside DPRed's published ~35% / ~33%: docs/references.md#dpred-traffic-headline).
"""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import pandas as pd

from accelsim import diffy, memformat
from accelsim.spec.workload import load_workload
from accelsim.workload.trace import build_trace

ROOT = Path(__file__).resolve().parents[1]
NETWORKS = ("alexnet", "nin", "googlenet", "vgg_m", "vgg_s", "resnet50", "vgg19")
FORMATS = ("dpred", "shapeshifter", "zrle")
PUBLISHED = {16: 0.35, 8: 0.33}


def layer_rows(name: str, container: int):
    work = load_workload(ROOT / f"workloads/{name}.yaml")
    if container == 8:
        work = dataclasses.replace(work, layers=tuple(
            dataclasses.replace(l, act_bits=min(l.act_bits, 8), wgt_bits=min(l.wgt_bits, 8))
            for l in work.layers))
    for i, layer in enumerate(work.layers):
        t = build_trace(layer, work, i)
        s = layer.shape
        raw = {"weights": t.wgt.codes.size * container / 8, "activations": t.act.codes.size * container / 8,
               "outputs": s.windows * s.k * container / 8}
        row = {"network": name, "container": container, "layer": layer.name, "kind": layer.kind.value,
               **{f"raw_{r}": v for r, v in raw.items()}}
        for fmt in FORMATS:
            frac = memformat.layer_fractions(memformat.Formats(fmt, fmt, fmt), t.act.codes, t.act.signed,
                                             container, t.wgt.codes, t.wgt.signed, container, container)
            for role, f in frac.items():
                row[f"{fmt}_{role}"] = f
        conv = layer.kind.value == "conv" and s.out_w > 1
        row["diffy_work"] = diffy.work_fraction(t.act.codes, t.act.signed, s.stride_w) if conv else 1.0
        yield row


def captured_rows(container: int, images: int = 4):
    """The same fractions on real operands: the PP-OCR networks bundled with rapidocr-onnxruntime
    captured on scikit-image's photographs (accelsim.workload.capture), each tensor quantized to
    ``container`` bits by its own max (unsigned when it has no negative value)."""
    from accelsim.workload import capture, images as imgs, tensors, zoo
    for name in ("ppocr_cls", "ppocr_rec"):
        m = zoo.MODELS[name]
        pp = imgs.Preprocess(resize=m.size, crop=None, mean=zoo.PPOCR_MEAN, std=zoo.PPOCR_STD)
        cap = capture.capture(zoo.model_path(name), imgs.batch(imgs.default_images()[:images], pp))
        for layer, spec in cap.layers.items():
            a, w = cap.acts.get(layer), cap.wgts.get(layer, cap.imported.tensors.get(layer))
            if a is None or w is None or a.ndim != 4 or w.ndim != 4:
                continue
            act = tensors.quantize(a, container, bool((a < 0).any()))
            wgt = tensors.quantize(w, container, True)
            s = spec.shape
            raw = {"weights": w.size * container / 8, "activations": a.size * container / 8,
                   "outputs": s.windows * s.k * container / 8}
            row = {"network": name + " (captured)", "container": container, "layer": layer,
                   "kind": spec.kind.value, **{f"raw_{r}": v for r, v in raw.items()}}
            for fmt in FORMATS:
                frac = memformat.layer_fractions(memformat.Formats(fmt, fmt, fmt), act.codes, act.signed,
                                                 container, wgt.codes, True, container, container)
                row.update({f"{fmt}_{r}": f for r, f in frac.items()})
            conv = spec.kind.value == "conv" and s.out_w > 1
            row["diffy_work"] = diffy.work_fraction(act.codes, act.signed, s.stride_w) if conv else 1.0
            yield row


def summary(df: pd.DataFrame) -> pd.DataFrame:
    out = []
    for (net, cont), g in df.groupby(["network", "container"], sort=False):
        raw = {r: g[f"raw_{r}"] for r in memformat.ROLES}
        total = sum(v.sum() for v in raw.values())
        row = {"network": net, "container": cont, "raw MB": total / 1e6}
        for fmt in FORMATS:
            comp = sum((raw[r] * g[f"{fmt}_{r}"]).sum() for r in memformat.ROLES)
            row[f"{fmt} / raw"] = comp / total
        for r in ("weights", "activations"):
            row[f"dpred {r}"] = (raw[r] * g[f"dpred_{r}"]).sum() / raw[r].sum()
        conv = g["kind"] == "conv"
        w = raw["activations"][conv]
        row["diffy work"] = (g["diffy_work"][conv] * w).sum() / w.sum() if w.sum() else 1.0
        row["published dpred / raw"] = PUBLISHED[cont]
        out.append(row)
    return pd.DataFrame(out)


def markdown(table: pd.DataFrame) -> list[str]:
    cell = lambda v: f"{v:.3f}" if isinstance(v, float) else str(v)
    return ["| " + " | ".join(table.columns) + " |", "|" + "---|" * len(table.columns),
            *("| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False))]


def main(names: list[str]) -> None:
    rows = [r for name in names for cont in (16, 8) for r in layer_rows(name, cont)]
    rows += list(captured_rows(8))     # full-scale 16-bit codes would not be a profiled precision
    df = pd.DataFrame(rows)
    res = ROOT / "benchmarks/results"
    df.to_csv(res / "memformat_traffic.csv", index=False, float_format="%.5g")
    table = summary(df)
    text = ["# Off-chip traffic per memory format (fraction of raw), bundled CNNs", "",
            "Written by benchmarks/memformat_traffic.py. Each tensor moved once (weights and inputs "
            "read, outputs written); raw = every value in its container. `diffy work`: serial cycles "
            "of a per-group-precision back end on Diffy's deltas over raw activations, conv layers "
            "weighted by their input size.", "",
            *markdown(table)]
    (res / "memformat_traffic.md").write_text("\n".join(text) + "\n")
    print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))


if __name__ == "__main__":
    main(sys.argv[1:] or list(NETWORKS))
