"""Read one operand array from a .npy or .npz file, checking it before any data is loaded.

A tensor file is user input: it may be empty, truncated, mislabelled (an .npz that is an .npy, a
text file), hold Python objects (pickles run code when loaded, so they are never loaded), or claim
a shape of terabytes in its header. Every such file is refused with a one-line SpecError; only a
header whose shape is the layer's and whose data bytes are all present is read. The layer's shape
is (N, C, H, W) for activations and (K, C/groups, R, S) for weights (the layouts the importers and
``save_captures`` write); a flat array in that order is taken too, and so is any shape that differs
from it only in axes of size 1, but not another order of the same values (an (H, W, C) or (m, k)
array of the right size was silently read as (C, H, W) or (k, m)).
"""
from __future__ import annotations

import zipfile
from pathlib import Path
from typing import BinaryIO

import numpy as np
from numpy.lib import format as npformat

from accelsim.errors import SpecError

NUMERIC_KINDS = "biuf"          # bool, signed and unsigned integers, floats


def check_operand(path: Path, array_key: str | None, shape: tuple[int, ...], file: str, key: str) -> None:
    """Everything ``read_operand`` checks before reading data (magic, header, dtype, shape, size),
    without reading the data: cheap enough for load time."""
    _open(path, array_key, shape, file, key, read=False)


def read_operand(path: Path, array_key: str | None, shape: tuple[int, ...], file: str, key: str) -> np.ndarray:
    """The array in ``path`` (the ``array_key`` member of an .npz) of the layer's ``shape``;
    errors name the workload ``file`` and its ``key`` (e.g. ``layers[3].act``)."""
    return _open(path, array_key, shape, file, key, read=True)


def _open(path: Path, array_key: str | None, shape: tuple[int, ...], file: str, key: str, read: bool):
    where = key + ".file"
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            magic = f.read(6)
            f.seek(0)
            if path.suffix == ".npz":
                if magic[:4] != b"PK\x03\x04":
                    what = "an .npy file" if magic == b"\x93NUMPY" else "not a zip archive"
                    raise SpecError(file, where, message=f"{path.name} is {what}; expected an .npz "
                                    "(numpy.savez) archive")
                return _from_npz(f, path, array_key, shape, file, key, read)
            if array_key is not None:
                raise SpecError(file, key + ".key", message=f"only used with an .npz file, "
                                f"{path.name} is an .npy")
            return _from_npy(f, size, path.name, shape, file, where, read)
    except OSError as exc:
        raise SpecError(file, where, message=f"cannot read {path.name}: "
                        f"{exc.strerror or exc}") from None


def _from_npz(f: BinaryIO, path: Path, array_key: str | None, shape: tuple[int, ...], file: str, key: str,
              read: bool):
    try:
        with zipfile.ZipFile(f) as z:
            members = {n[:-4]: n for n in z.namelist() if n.endswith(".npy")}
            names = sorted(members)
            name = array_key or (names[0] if len(names) == 1 else None)
            if name is None or name not in members:
                raise SpecError(file, key + ".key", f"one of the arrays in {path.name} "
                                f"({', '.join(names[:8]) or 'none'})", array_key)
            info = z.getinfo(members[name])
            with z.open(info) as member:
                return _from_npy(member, info.file_size, f"{path.name}[{name}]", shape, file,
                                 key + ".file", read)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError) as exc:
        raise SpecError(file, key + ".file", message=f"{path.name} is not a readable .npz "
                        f"archive ({exc})") from None


def _from_npy(f: BinaryIO, size: int, label: str, want: tuple[int, ...], file: str, where: str,
              read: bool) -> np.ndarray | None:
    def bad(why: str) -> SpecError:
        return SpecError(file, where, message=f"{label} {why}")

    if size == 0:
        raise bad("is empty")
    try:
        version = npformat.read_magic(f)
        if version == (1, 0):
            shape, fortran, dtype = npformat.read_array_header_1_0(f)
        elif version in ((2, 0), (3, 0)):
            shape, fortran, dtype = npformat.read_array_header_2_0(f)
        else:
            raise bad(f"has an unknown .npy format version {version}")
    except (ValueError, EOFError, SyntaxError) as exc:
        raise bad(f"is not a valid .npy file ({' '.join(str(exc).split())[:120]})") from None
    if dtype.hasobject or dtype.kind not in NUMERIC_KINDS or dtype.fields is not None:
        raise bad(f"holds {dtype} values; expected integers or floats (object arrays are never "
                  "unpickled)")
    n, count = int(np.prod(shape, dtype=object)), int(np.prod(want, dtype=object))
    if n != count:
        raise SpecError(file, where, f"an array of {count} values for this layer",
                        f"{label} with {n} (shape {tuple(shape)})")
    if len(shape) > 1 and _squeezed(shape) != _squeezed(want):
        raise SpecError(file, where, f"an array of shape {tuple(want)} for this layer, or a flat one "
                        "in that order", f"{label} of shape {tuple(shape)}")
    header = f.tell()
    if size - header < n * dtype.itemsize:
        raise bad(f"is truncated: {size - header:,} data bytes for {n:,} {dtype} values")
    if not read:
        return None
    data = f.read(n * dtype.itemsize)
    if len(data) != n * dtype.itemsize:
        raise bad("is truncated")
    arr = np.frombuffer(data, dtype=dtype)
    return arr.reshape(shape, order="F" if fortran else "C") if shape else arr


def _squeezed(shape) -> tuple[int, ...]:
    return tuple(int(d) for d in shape if d != 1)
