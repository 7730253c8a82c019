"""Trained networks that install from the package registry: the PP-OCR models inside the
``rapidocr-onnxruntime`` wheel (Apache-2.0; ``pip install accelsim[models]``).

No machine here reaches a model hub, but this wheel ships three trained PaddleOCR networks as ONNX
files. Each entry names the file and the input the model was trained for (RapidOCR's own
``config.yaml``: 3 x 48 x 192 for the direction classifier, 3 x 48 x 320 for the recogniser, mean
and std 0.5 on [0, 1] pixels; docs/references.md#ppocr-models), so ``accelsim capture ppocr_cls``
needs no other argument.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from accelsim.errors import SpecError

PACKAGE = "rapidocr_onnxruntime"


@dataclass(frozen=True)
class ZooModel:
    name: str
    file: str                        # path inside the package's models/ folder
    size: tuple[int, int]            # (height, width) the network was trained on
    description: str


MODELS = {m.name: m for m in (
    ZooModel("ppocr_cls", "ch_ppocr_mobile_v2.0_cls_infer.onnx", (48, 192),
             "PP-OCR v2.0 text-direction classifier (MobileNetV3-small, 2 classes: 0 / 180 deg)"),
    ZooModel("ppocr_rec", "ch_PP-OCRv4_rec_infer.onnx", (48, 320),
             "PP-OCRv4 text recogniser (PP-LCNetV3 + SVTR neck, 6625 characters)"),
    ZooModel("ppocr_det", "ch_PP-OCRv4_det_infer.onnx", (320, 320),
             "PP-OCRv4 text detector (PP-LCNetV3 + DB head)"),
)}
# RapidOCR's config.yaml normalises every model's input with these
PPOCR_MEAN = (0.5, 0.5, 0.5)
PPOCR_STD = (0.5, 0.5, 0.5)


def available() -> bool:
    import importlib.util
    return importlib.util.find_spec(PACKAGE) is not None


def model_path(name: str) -> Path:
    """The installed ONNX file of a zoo model. Without the ``models`` extra: the ImportError every
    missing extra raises, which the CLI turns into its one line (exit 1)."""
    if name not in MODELS:
        import difflib
        close = difflib.get_close_matches(name, list(MODELS), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise SpecError(name, "", message=f"not a file and not a bundled model{hint}; "
                        f"bundled: {', '.join(MODELS)}")
    import importlib.util
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"No module named '{PACKAGE}'", name=PACKAGE)
    path = Path(list(spec.submodule_search_locations)[0]) / "models" / MODELS[name].file
    if not path.exists():
        raise SpecError(name, "", message=f"{path} is missing from the installed {PACKAGE}")
    return path
