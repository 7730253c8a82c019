"""Fit the synthetic value models to real operands: the three PP-OCR networks of the
``rapidocr-onnxruntime`` wheel captured on the ten default photographs (scikit-image's), and print
the fitted family, tail and density for post-ReLU activations and for weights, with the real and
synthetic statistics at 8 bits (mean essential bits, Booth terms, max/rms per non-zero value),
and those of the previous models (relu_normal, normal).
The bundled CNN workloads take their ``act`` / ``wgt`` value models from this output.

    python benchmarks/fit_value_models.py          # needs accelsim[models]; about a minute
"""
from __future__ import annotations

from accelsim.workload import capture, images, zoo
from accelsim.workload.fit import fit

MIN_VALUES = 5000        # smaller tensors (squeeze-excite 1 x 1 maps, the classifier) say little
NETWORKS = {"ppocr_cls": 10, "ppocr_rec": 10, "ppocr_det": 4}   # images (det maps are large)


def operands():
    acts, wgts = [], []
    for name, n in NETWORKS.items():
        m = zoo.MODELS[name]
        pp = images.Preprocess(resize=m.size, crop=None, mean=zoo.PPOCR_MEAN, std=zoo.PPOCR_STD)
        cap = capture.capture(zoo.model_path(name), images.batch(images.default_images()[:n], pp))
        for i, layer in enumerate(cap.imported.sources):
            if i == 0:
                continue                        # the image itself, not a post-ReLU value
            a = cap.acts[layer]
            w = cap.wgts.get(layer, cap.imported.tensors.get(layer))
            if a.size >= MIN_VALUES and (a > 0).any():
                acts.append(a)
            if w is not None and w.size >= MIN_VALUES and layer not in cap.wgts:
                wgts.append(w)
        print(f"{name}: {len(cap.imported.sources)} layers captured on {n} images")
    return acts, wgts


def main() -> int:
    acts, wgts = operands()
    for label, data, positive in (("post-ReLU activations", acts, True),
                                  ("weights", wgts, False)):
        f = fit(data, positive=positive)
        print(f"{label}: {f.layers} layers -> dist {f.dist}"
              + (f", dof {f.dof:g}" if f.dist in ("student_t", "half_t") else "")
              + f", density {f.density:.3f} (fit error {f.error:.3f})")
        for what, s in (("real", f.real), ("fitted", f.synthetic)):
            print(f"  {what:7s} " + ", ".join(f"{k} {v:.2f}" for k, v in s.items()))
        old = fit(data, positive=positive,
                  candidates=[("relu_normal", 4.0)] if positive else [("normal", 4.0)])
        print(f"  {old.dist:7s} " + ", ".join(f"{k} {v:.2f}" for k, v in old.synthetic.items())
              + f" (the previous model; fit error {old.error:.3f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
