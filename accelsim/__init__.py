"""accelsim: a cycle-level simulator of deep-learning accelerators.

    import accelsim
    arch = accelsim.load_arch("arch_configs/stripes.yaml")
    work = accelsim.load_workload("workloads/alexnet.yaml")
    result = accelsim.simulate(arch, work)
    result.per_layer(); result.totals()
    result.compare(accelsim.simulate(accelsim.load_arch("arch_configs/dadn.yaml"), work))
"""
from accelsim.engine.simulate import simulate
from accelsim.errors import SpecError
from accelsim.report.results import Result
from accelsim.spec.arch import Arch, load_arch
from accelsim.spec.workload import Workload, load_workload
from accelsim.sweep import load_sweep, run_sweep

__all__ = ["load_arch", "load_workload", "simulate", "Result", "SpecError", "Arch", "Workload",
           "load_sweep", "run_sweep"]
__version__ = "0.1.0"
