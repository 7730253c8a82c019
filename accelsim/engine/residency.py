"""Is ``weights_resident: all`` honest for this workload?

"all" means the whole model sits in the weight buffer before the first layer starts, so no layer
fetches weights from DRAM. A model larger than the buffer makes that claim false: every DRAM byte
and stall it hides would be missing from the result. So the check is an input error, unless the arch
says ``all_unchecked`` (a paper's methodology, e.g. a multi-chip node holding the model), in which
case the result carries a note giving both sizes instead.
"""
from __future__ import annotations

from accelsim.errors import SpecError
from accelsim.spec.arch import Arch
from accelsim.spec.workload import Workload


def weight_bytes(workload: Workload) -> int:
    """Bytes of every layer's weights at its stored precision (each layer has its own weights)."""
    return sum(-(-l.shape.k * l.shape.reduction * l.wgt_bits // 8) for l in workload.layers)


def _mib(n: int) -> str:
    return f"{n / 2**20:,.1f} MiB"


def check_residency(arch: Arch, workload: Workload) -> tuple[str, ...]:
    """Raise a SpecError when "all" cannot hold ``workload``; notes for "all_unchecked"."""
    mem = arch.memory
    if mem.weights_resident != "all":
        return ()
    need, have = weight_bytes(workload), mem.capacity("weights")
    if need <= have:
        return ()
    sizes = f"{workload.name}'s weights are {_mib(need)}, the weight buffer holds {_mib(have)}"
    if not mem.residency_checked:
        return (f"{arch.file}: memory.weights_resident: all_unchecked: {sizes}; assumed preloaded, "
                "so no weight traffic is counted",)
    raise SpecError(arch.file, "memory.weights_resident", message=f"all, but {sizes} ({workload.file}); "
                    "use fit, or all_unchecked to assume the model preloaded anyway")
