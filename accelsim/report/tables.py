"""Simulation results as tables: result files read (sweep stores and ``accelsim run`` outputs, one
or several together) and whole-network totals per point.

``totals`` gives one row per sweep point or run: per-layer counts summed (cycles, time, energy by
component, memory traffic), ratios recomputed from the sums (speedup and energy efficiency
time-weighted, as ``Result.compare`` computes them; utilization and mapping efficiency as
``Result.totals`` does). ``plots`` and ``layer_plots`` draw from these tables.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from accelsim.errors import SpecError

SUMMED = ("macs", "compute_cycles", "stall_cycles", "cycles", "seconds", "ideal_cycles",
          "dram_bytes", "energy_J", "baseline_cycles", "baseline_seconds", "baseline_energy_J",
          "potential_bitops")


def _summed(col: str) -> bool:
    """Per-layer counts whose whole-network figure is their sum (energy by component, memory
    reads and writes in bits and accesses), as Result.totals() sums them."""
    return (col in SUMMED or (col.startswith("energy_") and col.endswith("_J"))
            or col.endswith(("_read_bits", "_write_bits", "_read_accesses", "_write_accesses")))


READERS = {".csv": pd.read_csv, ".json": lambda p: pd.read_json(p, orient="records"),
           ".parquet": pd.read_parquet}


def load_results(path: str | Path) -> pd.DataFrame:
    """A sweep store (folder or its sweep.json), or a .csv / .json / .parquet from ``accelsim run``."""
    path = Path(path)
    if path.is_dir() or path.name == "sweep.json":
        from accelsim.sweep.store import load_sweep
        df = load_sweep(path)
        if df.attrs.get("done") == 0:          # an interrupted sweep before its first point
            raise SpecError(str(path), "", message=f"no finished point yet (0 of "
                            f"{df.attrs['points']}); run the sweep to compute them")
    elif not path.is_file():
        raise SpecError(str(path), "", message="file not found")
    elif path.suffix in READERS:
        try:
            df = READERS[path.suffix](path)
        except (OSError, ValueError, RecursionError) as exc:   # empty, truncated, mislabelled
            why = " ".join(str(exc).split())[:100] or exc.__class__.__name__
            raise SpecError(str(path), "", message=f"cannot read as {path.suffix[1:]}: {why}") from None
    else:
        raise SpecError(str(path), "", "a sweep results folder or a .csv, .json or .parquet file",
                        path.suffix or path.name)
    if not isinstance(df, pd.DataFrame) or "layer" not in df.columns or "cycles" not in df.columns:
        raise SpecError(str(path), "", message="not accelsim results (no 'layer' and 'cycles' columns)")
    bad = [c for c in ("cycles", "seconds", "energy_J") if c in df.columns
           and not pd.api.types.is_numeric_dtype(df[c])]
    if bad:
        raise SpecError(str(path), bad[0], message="expected numbers in this column (a damaged file?)")
    df.attrs["source"] = str(path)
    return df


def load_many(paths) -> pd.DataFrame:
    """Several result files (sweep stores and run outputs) as one table for one figure. Each run
    file's rows are one point, named after the file; a design that appears in two files keeps
    the name each gives it."""
    if isinstance(paths, (str, Path)):
        paths = [paths]
    frames = []
    for path in paths:
        df = load_results(path)
        if "point" not in df.columns:
            df = df.assign(point=f"{Path(path).name}:" + df["arch"].astype(str))
        frames.append(df)
    frames = _tell_sources_apart(frames, [Path(p) for p in paths])
    out = pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]
    out.attrs["source"] = ", ".join(str(p) for p in paths)
    return out


def labels(df: pd.DataFrame) -> pd.Series:
    """Each row's design label: its ``design``, else (a run file has none) its ``arch``."""
    return df["design"].fillna(df["arch"]) if "design" in df.columns else df["arch"]


def _tell_sources_apart(frames: list[pd.DataFrame], paths: list[Path]) -> list[pd.DataFrame]:
    """A design label that two sources give on the same network (stripes.csv and stripes16.csv,
    both 'stripes' on 'alexnet') would be averaged into one bar: in each such source the label
    takes the source's name, e.g. 'stripes (stripes16)'."""
    seen: dict[tuple, set[int]] = {}
    for i, df in enumerate(frames):
        for pair in set(zip(labels(df).astype(str), df["workload"].astype(str))):
            seen.setdefault(pair, set()).add(i)
    clashing = {label for (label, _), owners in seen.items() if len(owners) > 1}
    if not clashing:
        return frames
    names = [p.parent.name if p.name == "sweep.json" else (p.stem if p.is_file() else p.name)
             for p in paths]
    if len(set(names)) < len(names):         # a/stripes.csv and b/stripes.csv: the paths
        names = [str(p) for p in paths]
    out = []
    for df, name in zip(frames, names):
        named = labels(df).astype(str)
        renamed = named.where(~named.isin(clashing), named + f" ({name})")
        out.append(df.assign(design=renamed))
    return out


def frame(results) -> pd.DataFrame:
    """``results`` (a DataFrame, a path, or a list of paths) as one table, area in mm^2."""
    if isinstance(results, pd.DataFrame):
        df = results
    elif isinstance(results, (list, tuple)):
        df = load_many(results)
    else:
        df = load_results(results)
    # Sweep stores keep SI area (area_m2, area_<component>_m2); figures read mm^2 like run outputs.
    m2 = [c for c in df.columns if c.startswith(("area_", "baseline_area_")) and c.endswith("_m2")]
    if m2:
        attrs = dict(df.attrs)
        df = df.drop(columns=m2).assign(**{c[:-3] + "_mm2": df[c] * 1e6 for c in m2})
        df.attrs.update(attrs)
    return df


def totals(results) -> pd.DataFrame:
    """One row per point (sweep) or per run: layer figures summed, ratios recomputed. A run
    output's own ``total`` row is used as written (it carries the chip area)."""
    df = frame(results)
    written = df[df["layer"] == "total"] if "layer" in df.columns else df.iloc[0:0]
    keys = ["point"] if "point" in df.columns else ["arch", "workload"]
    layers = df[df["layer"] != "total"] if "layer" in df.columns else df
    if len(written):
        layers = layers[~layers.set_index(keys).index.isin(written.set_index(keys).index)]
    parts = [written.copy()]
    if len(layers):
        summed = [c for c in layers.columns if _summed(c)]
        # the network's SQNR as report.pareto takes it: the mean of its layers' dB
        mean = [c for c in layers.columns if c.endswith("_sqnr_db") and c not in summed]
        first = [c for c in layers.columns if c not in summed and c not in mean and c not in keys]
        out = layers.groupby(keys, sort=False).agg({**{c: "sum" for c in summed},
                                                    **{c: "mean" for c in mean},
                                                    **{c: "first" for c in first}})
        out = out.reset_index()
        # ratios of sums, not the first layer's ratio (as Result.totals() computes them)
        if {"ideal_cycles", "compute_cycles", "cycles"} <= set(out.columns):
            out["mapping_efficiency"] = out["ideal_cycles"] / out["compute_cycles"].where(out["compute_cycles"] > 0)
            out["utilization"] = out["ideal_cycles"] / out["cycles"].where(out["cycles"] > 0)
        if "baseline_seconds" in out.columns:
            out["speedup"] = out["baseline_seconds"] / out["seconds"]
            out["energy_efficiency"] = out["baseline_energy_J"] / out["energy_J"]
        parts.append(out)
    out = pd.concat([p for p in parts if len(p)], ignore_index=True) if any(len(p) for p in parts) \
        else parts[0]
    out["design"] = labels(out)
    out.attrs.update(df.attrs)
    return out.reset_index(drop=True)
