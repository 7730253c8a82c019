"""User-facing errors: bad input, as distinct from bugs.

A SpecError names the file, the key path inside it and what was expected, so the CLI can print
it as one line (``error: arch.yaml: memory.dram.bandwidth_gb_s: expected a number > 0, got -1``)
and exit with status 2.
"""
from __future__ import annotations


class SpecError(Exception):
    """Bad user input. ``str(err)`` is the one-line message the CLI prints after ``error: ``."""

    def __init__(self, file: str, key: str, expected: str | None = None, got: object = None,
                 *, message: str | None = None):
        self.file = str(file)
        self.key = key
        self.expected = expected
        self.got = got
        if message is None:
            message = f"expected {expected}, got {_show(got)}"
        self.message = message
        super().__init__(self.__str__())

    def __reduce__(self):
        # Sweep workers send errors across processes: rebuild from the fields, not from args.
        return (_rebuild, (self.file, self.key, self.expected, self.got, self.message))

    def __str__(self) -> str:
        where = ": ".join(p for p in (self.file, self.key) if p)
        return f"{where}: {self.message}" if where else self.message


def _rebuild(file, key, expected, got, message) -> SpecError:
    return SpecError(file, key, expected, got, message=message)


def _show(value: object) -> str:
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return str(value).lower()
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return str(value)
