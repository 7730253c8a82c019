"""Datapath kinds: which class simulates an arch file's ``datapath: {kind: ...}``.

Three sources, looked up in this order: classes registered in this process (the ``register``
decorator of accelsim.datapaths.base, which each datapath module applies to its class), the
built-in modules of accelsim/datapaths/ (found by reading their sources, imported when first
asked for), and plug-ins named in the ``accelsim.datapaths`` entry-point group of installed
distributions (``kind = "module:Class"``; the module registers its class when imported).

It sits below both the spec reader, which checks a kind and reads its ``Params``, and the
datapaths, which register themselves: neither package imports the other. Reading the sources
instead of importing them keeps `accelsim list` fast and makes a run import only its design.
"""
from __future__ import annotations

import ast
import functools
import importlib
import re
from pathlib import Path
from typing import Mapping

ENTRY_POINT_GROUP = "accelsim.datapaths"
BUILTIN = Path(__file__).resolve().parent / "datapaths"
_CLASSES: dict[str, type] = {}      # kind -> class, filled by add() as modules are imported


def add(cls: type) -> None:
    """Record a datapath class under its ``kind`` (accelsim.datapaths.base.register calls this
    after completing the class)."""
    _CLASSES[cls.kind] = cls


def get(kind: str) -> type | None:
    """The class of ``kind``, importing its built-in module or plug-in on first use; None if no
    source offers it."""
    if kind not in _CLASSES:
        builtin = _builtin().get(kind)
        if builtin is not None:
            importlib.import_module(builtin[0])
        elif kind in (plugins := _plugins()):
            loaded = plugins[kind].load()
            if _CLASSES.get(kind) is not loaded:
                raise TypeError(f"plug-in {plugins[kind].value} (entry point {kind!r} of "
                                f"{ENTRY_POINT_GROUP}) must be a class decorated with "
                                f"accelsim.datapaths.base.register whose kind is {kind!r}")
    return _CLASSES.get(kind)


def catalog() -> Mapping[str, str]:
    """kind -> one-line summary of every available datapath, without importing any."""
    out = {kind: summary for kind, (_, summary) in _builtin().items()}
    out.update({kind: f"plug-in {ep.value}" for kind, ep in _plugins().items() if kind not in out})
    out.update({kind: _summary(cls.__doc__ or cls.__name__) for kind, cls in _CLASSES.items()
                if kind not in out})
    return dict(sorted(out.items()))


def classes() -> Mapping[str, type]:
    """Every available datapath class by kind (imports them all; ``catalog`` does not)."""
    return {kind: get(kind) for kind in catalog()}


@functools.cache
def _builtin() -> dict[str, tuple[str, str]]:
    """kind -> (module, summary of the module docstring) for each class the package's datapath
    modules decorate with ``register`` and give a literal ``kind``.

    Cached: it indexes the installed package's own sources, which do not change while it runs
    (parsing them all costs ~0.3 s, paid once instead of at every arch load)."""
    out = {}
    for path in sorted(BUILTIN.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if not isinstance(node, ast.ClassDef) or not any(
                    getattr(d, "id", getattr(d, "attr", None)) == "register" for d in node.decorator_list):
                continue
            for stmt in node.body:
                target = (stmt.targets[0] if isinstance(stmt, ast.Assign) else
                          stmt.target if isinstance(stmt, ast.AnnAssign) else None)
                if getattr(target, "id", None) == "kind" and isinstance(stmt.value, ast.Constant):
                    # the class's own docstring tells apart the kinds one module defines
                    doc = ast.get_docstring(node) or ast.get_docstring(tree) or ""
                    out[stmt.value.value] = (f"accelsim.datapaths.{path.stem}", _summary(doc))
    return out


def _summary(doc: str) -> str:
    return re.split(r"\.\s+(?=[A-Z])", " ".join(doc.split()))[0].rstrip(".")


def _plugins() -> dict:
    from importlib.metadata import entry_points
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
