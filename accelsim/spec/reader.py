"""A small field reader over one YAML mapping.

It checks types, ranges and choices, remembers the key path for error messages, and rejects unknown
keys with a "did you mean" suggestion. Raw dicts never leave the ``spec`` package: readers are used
only inside the loaders that build the frozen dataclasses.
"""
from __future__ import annotations

import difflib
import math
from pathlib import Path
from typing import Any, Iterable

import yaml

from accelsim.errors import SpecError

_MISSING = object()


def load_yaml(path: str | Path) -> Any:
    """Parse a YAML file, turning every failure into a one-line SpecError."""
    path = Path(path)
    if not path.exists():
        raise SpecError(str(path), "", message="file not found")
    if path.is_dir():
        raise SpecError(str(path), "", message="is a directory, expected a YAML file")
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(str(path), "", message=f"cannot read file ({exc.__class__.__name__})")
    return parse_yaml(text, str(path))


def parse_yaml(text: str, file: str) -> Any:
    """YAML text -> plain data; duplicate keys, syntax errors and nesting bombs are one-line
    SpecErrors naming ``file``."""
    if "\x00" in text:
        raise SpecError(file, "", message="contains a NUL byte; expected a YAML text file")
    try:
        return yaml.load(text, Loader=_StrictLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or getattr(exc, "reason", None) or "invalid YAML"
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "YAML"
        raise SpecError(file, where, message=f"YAML syntax error: {problem}") from None
    except RecursionError:
        raise SpecError(file, "", message="YAML nests too deeply to be a spec") from None


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping: plain YAML keeps the last one,
    which silently drops a whole section (a second ``memory:`` or ``layers:``)."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            self.flatten_mapping(node)
            seen: dict = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    hash(key)
                except TypeError:
                    raise yaml.constructor.ConstructorError(
                        None, None, "a mapping key must be a scalar", key_node.start_mark) from None
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key '{key}' (first on line {seen[key] + 1})",
                        key_node.start_mark)
                seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                              _StrictLoader.construct_mapping)


class Reader:
    """Typed access to one mapping; ``done()`` rejects keys nobody asked for."""

    def __init__(self, data: Any, file: str, path: str = ""):
        if data is None:
            data = {}
        if not isinstance(data, dict):
            raise SpecError(file, path or "(top level)", "a mapping", data)
        self.data = data
        self.file = file
        self.path = path
        self._seen: set[str] = set()

    # -- plumbing -------------------------------------------------------------------------
    def key(self, name: str | int) -> str:
        if isinstance(name, int):
            return f"{self.path}[{name}]"
        return f"{self.path}.{name}" if self.path else name

    def error(self, name: str, expected: str, got: object) -> SpecError:
        return SpecError(self.file, self.key(name), expected, got)

    def has(self, name: str) -> bool:
        return name in self.data

    def raw(self, name: str, default: Any = _MISSING) -> Any:
        self._seen.add(name)
        if name in self.data:
            return self.data[name]
        if default is _MISSING:
            # A misspelt key is the likelier story than a missing one: say so.
            close = difflib.get_close_matches(name, [str(k) for k in self.data if k not in self._seen], n=1)
            if close:
                raise SpecError(self.file, self.key(close[0]), message=f"unknown key (did you mean '{name}'?)")
            raise SpecError(self.file, self.key(name), message="missing required key")
        return default

    def done(self) -> None:
        for name in self.data:
            if name not in self._seen:
                close = difflib.get_close_matches(str(name), sorted(map(str, self._seen)), n=1)
                hint = f" (did you mean '{close[0]}'?)" if close else ""
                raise SpecError(self.file, self.key(str(name)), message=f"unknown key{hint}")

    def known(self, *names: str) -> "Reader":
        """Mark keys as valid here even when this loader does not read them."""
        self._seen.update(names)
        return self

    # -- typed fields ---------------------------------------------------------------------
    def sub(self, name: str, default: Any = _MISSING) -> "Reader":
        value = self.raw(name, default)
        return Reader(value, self.file, self.key(name))

    def list(self, name: str, default: Any = _MISSING) -> list:
        value = self.raw(name, default)
        if not isinstance(value, list):
            raise self.error(name, "a list", value)
        return value

    def integer(self, name: str, default: Any = _MISSING, lo: int | None = None,
                hi: int | None = None) -> int:
        value = self.raw(name, default)
        return check_int(value, self.file, self.key(name), lo, hi)

    def number(self, name: str, default: Any = _MISSING, lo: float | None = None,
               hi: float | None = None, lo_open: bool = False) -> float:
        value = self.raw(name, default)
        return check_number(value, self.file, self.key(name), lo, hi, lo_open)

    def boolean(self, name: str, default: Any = _MISSING) -> bool:
        value = self.raw(name, default)
        if not isinstance(value, bool):
            raise self.error(name, "true or false", value)
        return value

    def string(self, name: str, default: Any = _MISSING) -> str:
        value = self.raw(name, default)
        if not isinstance(value, str) or not value or "\x00" in value:
            raise self.error(name, "a non-empty string without NUL bytes", value)
        return value

    def choice(self, name: str, choices: Iterable[str], default: Any = _MISSING) -> str:
        choices = list(choices)
        value = self.raw(name, default)
        if not isinstance(value, (str, int, float)) or value not in choices:
            raise self.error(name, "one of " + ", ".join(map(str, choices)), value)
        return value


def check_int(value: Any, file: str, key: str, lo: int | None = None, hi: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        else:
            raise SpecError(file, key, _int_range(lo, hi), value)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        raise SpecError(file, key, _int_range(lo, hi), value)
    return int(value)


def check_number(value: Any, file: str, key: str, lo: float | None = None, hi: float | None = None,
                 lo_open: bool = False) -> float:
    if isinstance(value, str):
        try:
            value = float(value)  # YAML 1.1 reads "1e9" as a string
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SpecError(file, key, _num_range(lo, hi, lo_open), value)
    if lo is not None and (value < lo or (lo_open and value == lo)):
        raise SpecError(file, key, _num_range(lo, hi, lo_open), value)
    if hi is not None and value > hi:
        raise SpecError(file, key, _num_range(lo, hi, lo_open), value)
    return float(value)


def _int_range(lo, hi) -> str:
    if lo is not None and hi is not None:
        return f"an integer in {lo}..{hi}"
    if lo is not None:
        return f"an integer >= {lo}"
    if hi is not None:
        return f"an integer <= {hi}"
    return "an integer"


def _num_range(lo, hi, lo_open) -> str:
    if lo is not None and hi is not None:
        return f"a number in {'(' if lo_open else '['}{lo}, {hi}]"
    if lo is not None:
        return f"a number {'>' if lo_open else '>='} {lo}"
    return "a number"
