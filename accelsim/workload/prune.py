"""Magnitude pruning of real weights to per-layer target densities.

The SCNN and Bit-Tactical evaluations run pruned networks (Han et al.'s magnitude pruning with
retraining; docs/references.md#magnitude-pruning). Here the smallest-magnitude weights of each
layer are zeroed until exactly
``round(density * size)`` remain, so sparse designs see a real network's sparsity pattern
(which filters and channels keep their weights) rather than uniformly scattered zeros. There is
no retraining: the pruned network's outputs drift from the trained one's, more so at low density.
"""
from __future__ import annotations

from typing import Mapping

import numpy as np

from accelsim.errors import SpecError


def prune(w: np.ndarray, density: float) -> np.ndarray:
    """``w`` with all but its ``round(density * size)`` largest magnitudes set to zero (ties
    broken by position, so the count is exact)."""
    if not 0 < density <= 1:
        raise ValueError(f"density {density} outside (0, 1]")
    keep = int(round(density * w.size))
    if keep >= w.size:
        return w.copy()
    flat = w.reshape(-1)
    order = np.argsort(np.abs(flat), kind="stable")       # smallest first
    out = flat.copy()
    out[order[: w.size - keep]] = 0
    return out.reshape(w.shape)


def densities_for(layers: list[str], targets: Mapping[str, float], file: str) -> dict[str, float]:
    """Per-layer densities from ``{"*": d}`` and / or ``{layer: d}`` (a layer's own wins)."""
    for name, d in targets.items():
        if name != "*" and name not in layers:
            import difflib
            close = difflib.get_close_matches(name, layers, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise SpecError("--prune", "", message=f"no layer named '{name}' in {file}{hint}")
        if not 0 < d <= 1:
            raise SpecError("--prune", name, "a density in (0, 1]", d)
    out = {}
    for name in layers:
        d = targets.get(name, targets.get("*"))
        if d is not None:
            out[name] = float(d)
    return out


def prune_model(model, sources, targets: Mapping[str, float], file: str):
    """Prune the weight initializers of ``model`` in place; (layer -> density reached, notes).

    A weight initializer shared by several layers is pruned to the lowest density asked of
    them; layers whose weights are not an initializer (a computed second operand) are named in
    a note and left dense."""
    from onnx import numpy_helper
    init = {t.name: t for t in model.graph.initializer}
    wanted = densities_for(list(sources), targets, file)
    per_tensor: dict[str, float] = {}
    skipped = []
    for name, d in wanted.items():
        const = sources[name].const
        if const is None:
            skipped.append(name)
        else:
            per_tensor[const] = min(d, per_tensor.get(const, 1.0))
    reached = {}
    for const, d in per_tensor.items():
        w = prune(numpy_helper.to_array(init[const]), d)
        init[const].CopyFrom(numpy_helper.from_array(w, const))
        for name, src in sources.items():
            if src.const == const and name in wanted:
                reached[name] = float(np.count_nonzero(w)) / w.size
    notes = (f"not pruned (no constant weights): {', '.join(skipped)}",) if skipped else ()
    return reached, notes
