"""Every figure ``accelsim plot --kind`` draws, by its name.

The whole-network kinds live in ``plots`` and the per-layer kind in ``layer_plots`` (which builds
on ``plots``' helpers); choosing among them happens here, above both, so neither imports the other
back.
"""
from __future__ import annotations

from matplotlib.figure import Figure

from accelsim.errors import SpecError
from accelsim.report import layer_plots, plots, tables

KINDS = ("speedup", "energy", "area", "breakdown", "pareto", "layers")


def figure(kind: str, results, by: str | None = None, **options) -> Figure:
    """The figure of ``kind`` (one of KINDS); ``results`` may be a DataFrame, a path, or a list of
    paths drawn together."""
    if kind not in KINDS:
        raise SpecError("--kind", "", "one of " + ", ".join(KINDS), kind)
    df = tables.frame(results)
    by = by or "design"
    if kind == "pareto":
        return plots.pareto(df, by=by, **options)
    if kind == "layers":
        return layer_plots.layers(df, by=by)
    return {"speedup": plots.speedup, "energy": plots.energy, "area": plots.area,
            "breakdown": plots.breakdown}[kind](df, by=by)
