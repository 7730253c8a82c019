"""Optional dependencies: which extra of ``pip install accelsim[...]`` provides a module.

Dask, ONNX, pyarrow, the notebook runner and the model-capture stack are optional; the code that
needs one imports it where it is used. When it is missing, the CLI turns the ImportError into one
line that names the extra to install (``missing_extra``).
"""
from __future__ import annotations

import re

# top-level module -> the extra that installs it (see [project.optional-dependencies])
PROVIDERS = {
    "dask": "sweep",
    "distributed": "sweep",
    "onnx": "onnx",
    "pyarrow": "parquet",
    "fastparquet": "parquet",
    "nbclient": "notebooks",
    "nbformat": "notebooks",
    "ipykernel": "notebooks",
    "onnxruntime": "models",
    "rapidocr_onnxruntime": "models",
    "PIL": "models",
    "skimage": "models",
}


def missing_extra(exc: ImportError) -> str | None:
    """The one-line explanation for an ImportError of an optional module, else None (a bug)."""
    name = (exc.name or "").split(".")[0]
    if name not in PROVIDERS:
        # pandas reports a missing Parquet engine in words, without a module name
        found = [m for m in PROVIDERS if re.search(rf"\b{m}\b", str(exc))]
        if not found:
            return None
        name = found[0]
    extra = PROVIDERS[name]
    return f"this needs {name}, from the '{extra}' extra: pip install 'accelsim[{extra}]'"


def require(module: str) -> None:
    """Import ``module`` now, so a command fails before it starts work rather than after."""
    __import__(module)
