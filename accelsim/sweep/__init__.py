"""Design-space sweeps: expand a sweep file into points, run them locally or on Dask, store
each finished point at once, and load the results as one tidy DataFrame.

The names are imported on first use (PEP 562): the CLI imports ``accelsim.sweep.cli`` for every
command, which must not load pandas."""
import importlib

_PUBLIC = {"run_sweep": "accelsim.sweep.run", "Progress": "accelsim.sweep.run",
           "SweepReport": "accelsim.sweep.run", "load_sweep": "accelsim.sweep.store"}
__all__ = list(_PUBLIC)


def __getattr__(name: str):
    if name not in _PUBLIC:
        raise AttributeError(f"module 'accelsim.sweep' has no attribute {name!r}")
    return getattr(importlib.import_module(_PUBLIC[name]), name)
