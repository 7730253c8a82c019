"""The results store of a sweep: a folder that survives Ctrl-C and kill -9.

    STORE/sweep.json             the index: the sweep's name, axes and every point (id, values)
    STORE/points/<id>.parquet    one finished point: its rows of the tidy table

A point's file is written under a temporary name, flushed and renamed into place, so it is either
whole or absent whatever stops the process; a re-run skips every point whose file is whole (an
empty or damaged file, e.g. after a disk fault, is recomputed). The
index is rewritten (the same way) at the start of each run, so it always lists the sweep as last
run; files of points no longer in the sweep stay on disk but are not loaded.
"""
from __future__ import annotations

import json
import os
import socket
from pathlib import Path

try:
    import fcntl
except ImportError:                       # Windows
    fcntl = None
from typing import Iterable

import pandas as pd

from accelsim.errors import SpecError

INDEX = "sweep.json"
LOCK = "lock"
FORMAT = 1


class Store:
    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.points = self.path / "points"
        self._lock: int | None = None      # descriptor of STORE/lock while this process writes

    @classmethod
    def create(cls, path: str | Path, spec, points: Iterable) -> "Store":
        """Open (or start) the store of ``spec``: write its index, clear half-written files."""
        __import__("pyarrow")     # points are Parquet: a missing extra is reported before any runs
        store = cls(path)
        p = store.path
        if p.exists() and (not p.is_dir() or (any(p.iterdir()) and not (p / INDEX).is_file())):
            raise SpecError(str(p), "", message="exists and is not a sweep results folder "
                            f"(no {INDEX}); choose another --output")
        if (p / INDEX).is_file():
            _, old = read_index(p)
            if old["name"] != spec.name:
                raise SpecError(str(p), "", message=f"holds the results of sweep '{old['name']}' "
                                f"({old.get('sweep_file')}), not '{spec.name}'; choose another --output")
        try:
            store.points.mkdir(parents=True, exist_ok=True)
            store._take_lock()
            # Only this process writes now: temporary files left are a dead writer's.
            for tmp in store.points.glob(".*.tmp"):
                tmp.unlink()
            index = {
                "format": FORMAT, "name": spec.name, "sweep_file": str(spec.file),
                "axes": list(spec.keys), "mode": spec.mode,
                "baseline": _baseline_label(spec),
                "points": [{"id": pt.id, "index": pt.index, "design": pt.design,
                            "values": dict(pt.values)} for pt in points],
            }
            _atomic_write(p / INDEX, lambda f: f.write(json.dumps(index, indent=1, default=str).encode()))
        except OSError as exc:
            store.close()
            raise SpecError(str(p), "", message=f"cannot write the results store: "
                            f"{exc.strerror or exc}") from None
        except BaseException:
            store.close()
            raise
        return store

    def _take_lock(self) -> None:
        """One writer per store: an advisory lock on STORE/lock, released by the kernel when the
        writer exits however it exits (kill -9 included), naming the holder for the next one."""
        if fcntl is None:                 # not POSIX: no lock, as before
            return
        fd = os.open(self.path / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 256, 0).decode(errors="replace").strip() or "another process"
            os.close(fd)
            raise SpecError(str(self.path), "", message=f"in use by another sweep ({holder}); wait "
                            "for it to finish or choose another --output") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"process {os.getpid()} on {socket.gethostname()}".encode(), 0)
        self._lock = fd

    def close(self) -> None:
        """Release the writer's lock (also released at process exit)."""
        if self._lock is not None:
            os.close(self._lock)
            self._lock = None

    def done(self) -> set[str]:
        """Ids of whole point files; an empty or damaged one (a disk that lost it) is redone."""
        return {f.stem for f in self.points.glob("*.parquet") if _whole(f)}

    def write(self, point_id: str, frame: pd.DataFrame) -> None:
        _atomic_write(self.points / f"{point_id}.parquet", lambda f: frame.to_parquet(f, index=False))


def _whole(path: Path) -> bool:
    """A Parquet file starts and ends with b"PAR1": a cheap check that it was written through."""
    try:
        size = path.stat().st_size
        if size < 12:
            return False
        with open(path, "rb") as f:
            head = f.read(4)
            f.seek(-4, os.SEEK_END)
            if head != b"PAR1" or f.read(4) != b"PAR1":
                return False
        import pyarrow.parquet as pq
        pq.read_metadata(path)          # the footer parses: the rows it lists are there
        return True
    except (OSError, ValueError):
        return False


def _baseline_label(spec) -> str | None:
    if spec.baseline is not None:
        return str(spec.baseline)
    if spec.baseline_set:
        return ", ".join(f"{k}={v}" for k, v in spec.baseline_set)
    return None


def _atomic_write(path: Path, write) -> None:
    tmp = path.parent / f".{path.name}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        # A full disk, a signal mid-write: the half-written file is ours to remove.
        tmp.unlink(missing_ok=True)
        raise


def read_index(path: str | Path) -> tuple[Path, dict]:
    """The store folder and its index, from the folder or its ``sweep.json``."""
    path = Path(path)
    folder = path.parent if path.name == INDEX else path
    index = folder / INDEX
    if not index.is_file():
        raise SpecError(str(path), "", message=f"not a sweep results folder (no {INDEX})")
    try:
        data = json.loads(index.read_text())
    except (OSError, ValueError, RecursionError) as exc:
        why = " ".join(str(exc).split())[:120] if not isinstance(exc, RecursionError) else "nests too deeply"
        raise SpecError(str(index), "", message=f"cannot read the sweep index: {why}") from None
    if not isinstance(data, dict):
        raise SpecError(str(index), "", "a JSON object (the sweep index)", data)
    if data.get("format") != FORMAT:
        raise SpecError(str(index), "format", f"results store format {FORMAT}", data.get("format"))
    points = data.get("points")
    if not isinstance(points, list) or not all(isinstance(p, dict) and isinstance(p.get("id"), str)
                                               for p in points):
        raise SpecError(str(index), "points", "a list of points, each with an 'id'", points)
    if not isinstance(data.get("axes"), list) or not isinstance(data.get("name"), str):
        raise SpecError(str(index), "axes", message="expected the sweep's 'name' and 'axes' list")
    return folder, data


def load_sweep(path: str | Path) -> pd.DataFrame:
    """The finished points of a sweep as one tidy DataFrame: one row per point x layer.

    Columns: ``point`` (id), ``point_index``, one column per axis (dotted key; ``workload`` holds
    the workload's name), ``design`` (a label of the non-workload axis values), the per-layer
    figures of ``Result.per_layer()``, the point's area (``area_m2``, ``area_<component>_m2``)
    and, when the sweep has a baseline, ``baseline_seconds``, ``baseline_energy_J``,
    ``speedup`` and ``energy_efficiency`` per layer. ``df.attrs`` holds ``axes`` (the axis
    keys), ``points`` (in the sweep) and ``done`` (finished)."""
    folder, index = read_index(path)
    frames = []
    for entry in index["points"]:
        f = folder / "points" / f"{entry['id']}.parquet"
        if f.is_file() and _whole(f):
            try:
                frames.append(pd.read_parquet(f))
            except (OSError, ValueError) as exc:     # damaged inside: the sweep will redo it
                raise SpecError(str(f), "", message=f"damaged point file ({' '.join(str(exc).split())[:100]}); "
                                "delete it and re-run the sweep to recompute it") from None
    if frames:
        df = pd.concat(frames, ignore_index=True)
    else:
        df = pd.DataFrame(columns=["point", "point_index", *index["axes"], "design", "layer"])
    df.attrs.update(axes=list(index["axes"]), points=len(index["points"]), done=len(frames),
                    name=index["name"], baseline=index.get("baseline"))
    return df
