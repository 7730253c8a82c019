"""Read a datapath's frozen ``Params`` dataclass from its YAML mapping.

Each field's type decides the check (int, float, bool, str); ranges and choices come from the
field's metadata: ``field(default=16, metadata={"lo": 1, "hi": 4096})`` or
``metadata={"choices": ("L", "T")}``. Cross-field rules live in ``Params.__post_init__`` and raise
:class:`ParamError`, which the loader turns into a SpecError naming the file and key.
"""
from __future__ import annotations

import dataclasses
import typing

from accelsim.errors import SpecError
from accelsim.spec.reader import Reader, check_int, check_number


class ParamError(ValueError):
    """Raised by a Params dataclass whose fields are inconsistent."""

    def __init__(self, key: str, expected: str, got: object):
        self.key, self.expected, self.got = key, expected, got
        super().__init__(f"{key}: expected {expected}, got {got}")


def read_params(cls: type, reader: Reader):
    hints = typing.get_type_hints(cls)
    values = {}
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        has_default = f.default is not dataclasses.MISSING or f.default_factory is not dataclasses.MISSING
        reader.known(f.name)
        if not reader.has(f.name):
            if not has_default:
                raise SpecError(reader.file, reader.key(f.name), message="missing required key")
            continue
        raw = reader.raw(f.name)
        values[f.name] = _convert(raw, hints[f.name], f.metadata, reader.file, reader.key(f.name))
    reader.done()
    try:
        return cls(**values)
    except ParamError as err:
        raise SpecError(reader.file, reader.key(err.key), err.expected, err.got) from None


def _convert(raw, hint, meta, file: str, key: str):
    choices = meta.get("choices")
    if choices is not None:
        if raw not in choices:
            raise SpecError(file, key, "one of " + ", ".join(map(str, choices)), raw)
        return raw
    lo, hi = meta.get("lo"), meta.get("hi")
    if hint is bool:
        if not isinstance(raw, bool):
            raise SpecError(file, key, "true or false", raw)
        return raw
    if hint is int:
        return check_int(raw, file, key, lo, hi)
    if hint is float:
        return check_number(raw, file, key, lo, hi, meta.get("lo_open", False))
    if hint is str:
        if not isinstance(raw, str) or not raw:
            raise SpecError(file, key, "a non-empty string", raw)
        return raw
    if typing.get_origin(hint) is tuple:
        if not isinstance(raw, list):
            raise SpecError(file, key, "a list", raw)
        (item,) = {a for a in typing.get_args(hint) if a is not Ellipsis}
        return tuple(_convert(v, item, meta, file, f"{key}[{i}]") for i, v in enumerate(raw))
    raise TypeError(f"unsupported parameter type {hint!r} for {key}")
