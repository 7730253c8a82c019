"""Design-space sweeps: expand a sweep file into points, run them locally or on Dask, store
each finished point at once, and load the results as one tidy DataFrame."""
from accelsim.sweep.run import Progress, SweepReport, run_sweep
from accelsim.sweep.store import load_sweep

__all__ = ["run_sweep", "load_sweep", "Progress", "SweepReport"]
