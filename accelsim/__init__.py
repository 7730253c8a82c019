"""accelsim: a cycle-level simulator of deep-learning accelerators.

    import accelsim
    arch = accelsim.load_arch("stripes")          # a bundled name (accelsim list) or a YAML file
    work = accelsim.load_workload("alexnet")
    result = accelsim.simulate(arch, work)
    result.per_layer(); result.totals()
    result.compare(accelsim.simulate(accelsim.load_arch("dadn"), work))

The names below are imported on first use (PEP 562), so that ``import accelsim`` and the CLI's
light commands do not pay for pandas, SimPy or Dask.
"""
from __future__ import annotations

import importlib

__version__ = "0.1.0"

_PUBLIC = {
    "load_arch": "accelsim.spec.arch",
    "Arch": "accelsim.spec.arch",
    "load_workload": "accelsim.spec.workload",
    "Workload": "accelsim.spec.workload",
    "simulate": "accelsim.engine.simulate",
    "Result": "accelsim.results.result",
    "SpecError": "accelsim.errors",
    "load_sweep": "accelsim.sweep.store",
    "run_sweep": "accelsim.sweep.run",
}
__all__ = list(_PUBLIC)


def __getattr__(name: str):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'accelsim' has no attribute {name!r}")
    value = getattr(importlib.import_module(_PUBLIC[name]), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})
