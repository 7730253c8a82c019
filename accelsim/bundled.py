"""The bundled architectures, workloads and sweeps, and how a bare name finds its file.

The top-level ``arch_configs/`` and ``workloads/`` folders of the source tree are the source of
truth; a wheel carries copies of them inside the package (``accelsim/arch_configs``,
``accelsim/workloads``, mapped in pyproject.toml). ``data_root()`` is whichever folder holds them,
so a source checkout, an editable install and a wheel install all see the same files.

A command-line ARCH or WORKLOAD is a file path when it names an existing file or looks like one
(a ``.yaml`` suffix or a folder part); otherwise it is a bundled name: ``stripes`` is
``arch_configs/stripes.yaml``, ``alexnet`` is ``workloads/alexnet.yaml``.
"""
from __future__ import annotations

import difflib
import re
from pathlib import Path

from accelsim.errors import SpecError

PACKAGE = Path(__file__).resolve().parent
FOLDERS = {"arch": "arch_configs", "workload": "workloads", "sweep": "arch_configs/sweeps"}


def data_root() -> Path:
    """The folder that holds ``arch_configs/`` and ``workloads/``: the package itself in a wheel,
    the top of the source tree otherwise."""
    return PACKAGE if (PACKAGE / "arch_configs").is_dir() else PACKAGE.parent


def folder(what: str) -> Path:
    return data_root() / FOLDERS[what]


def references() -> Path:
    """The project's record of where every figure and price comes from (``docs/references.md`` in
    the source tree, shipped inside the package in a wheel)."""
    return data_root() / "docs" / "references.md"


def reference(ident: str | None) -> str:
    """The entry ``### <ident>`` of the references (its heading and text), or the list of every
    entry's id and first source line when ``ident`` is None; an unknown id is a SpecError that
    names the close ones."""
    text = references().read_text(encoding="utf-8")
    entries = dict(re.findall(r"^### ([A-Za-z0-9_-]+)\n(.*?)(?=^##|\Z)", text, re.S | re.M))
    if ident is None:
        width = max(map(len, entries))
        return "\n".join(f"{k:{width}s} {_source(v)}" for k, v in entries.items())
    if ident not in entries:
        close = difflib.get_close_matches(ident, list(entries), n=3)
        hint = f"; close: {', '.join(close)}" if close else "; `accelsim refs` lists them"
        raise SpecError("refs", "", message=f"no reference entry '{ident}'{hint}")
    return f"### {ident}\n{entries[ident].rstrip()}"


def _source(entry: str) -> str:
    m = re.search(r"^- source: (.*?)(?=^- |\Z)", entry, re.M | re.S)   # with its wrapped lines
    line = " ".join(m.group(1).split()) if m else ""
    return line if len(line) <= 90 else line[:87] + "..."


def names(what: str) -> list[str]:
    """Bundled names of one kind (``arch``, ``workload``, ``sweep``), sorted."""
    return sorted(p.stem for p in folder(what).glob("*.yaml"))


def looks_like_path(text: str) -> bool:
    p = Path(text)
    return p.suffix in (".yaml", ".yml") or len(p.parts) > 1 or p.exists()


def beside(what: str, name: str, near: Path) -> Path | None:
    """The file a spec names from inside another file (a sweep's arch or workload, a workload's
    ``base:``): relative to that file's folder ``near``, else the bundled file of that name, so a
    spec written outside the checkout can still use the bundled ones; None when neither exists."""
    if (near / name).exists():
        return near / name
    if looks_like_path(name):
        return None
    path = folder(what) / f"{name}.yaml"
    return path if path.is_file() else None


def resolve(what: str, text: str, option: str | None = None) -> Path:
    """The file an argument names: an existing path as given, else the bundled file of that name.

    A path-like argument is returned unchanged (the loader reports a missing file); an unknown
    bare name is a SpecError that lists the close bundled names, and says so when the name is a
    bundled file of another kind (e.g. a workload given where an architecture belongs)."""
    if looks_like_path(text):
        return Path(text)
    candidate = folder(what) / f"{text}.yaml"
    if candidate.is_file():
        return candidate
    label = option or what.upper()
    a = "an" if what == "arch" else "a"
    others = [w for w in FOLDERS if w != what and (folder(w) / f"{text}.yaml").is_file()]
    if others:
        raise SpecError(label, "", message=f"'{text}' is a bundled {others[0]}, not {a} {what}")
    close = difflib.get_close_matches(text, names(what), n=3)
    hint = f" (did you mean {', '.join(repr(c) for c in close)}?)" if close else \
        " (`accelsim list` shows them)"
    raise SpecError(label, "", f"{a} {what} YAML file or a bundled {what} name{hint}", text)
