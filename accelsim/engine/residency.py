"""Is ``weights_resident: all`` honest for this workload?

"all" means the whole model sits in the weight buffer before the first layer starts, so no layer
fetches weights from DRAM. A model larger than the buffer makes that claim false: every DRAM byte
and stall it hides would be missing from the result. So the check is an input error, unless the arch
says ``all_unchecked`` (a paper's methodology, e.g. a multi-chip node holding the model), in which
case the result carries a note giving both sizes instead.

"fit" counts a layer whose weights fit the buffer as already there (no weight traffic), each layer
as if it had the buffer to itself; when the whole model is larger, that is the same assumption on
those layers, so the result carries a note too (the run's DRAM figure may otherwise read 0).
"""
from __future__ import annotations

from accelsim.errors import SpecError
from accelsim.spec.arch import Arch
from accelsim.spec.workload import Workload


def layer_weight_bytes(layer) -> int:
    return -(-layer.shape.k * layer.shape.reduction * layer.wgt_bits // 8)


def weight_bytes(workload: Workload) -> int:
    """Bytes of every layer's weights at its stored precision (each layer has its own weights)."""
    return sum(layer_weight_bytes(l) for l in workload.layers)


def _mib(n: int) -> str:
    return f"{n / 2**20:,.1f} MiB"


def check_residency(arch: Arch, workload: Workload) -> tuple[str, ...]:
    """Raise a SpecError when "all" cannot hold ``workload``; notes for "all_unchecked"."""
    mem = arch.memory
    if mem.weights_resident not in ("all", "fit"):
        return ()
    need, have = weight_bytes(workload), mem.capacity("weights")
    if need <= have:
        return ()
    sizes = f"{workload.name}'s weights are {_mib(need)}, the weight buffer holds {_mib(have)}"
    if mem.weights_resident == "fit":
        # a compressed format decides on the compressed size, which may fit where the raw does not
        fits = mem.formats.compressed or any(layer_weight_bytes(l) <= have for l in workload.layers)
        return (f"{arch.file}: memory.weights_resident: fit: {sizes}; each layer whose weights fit "
                "is counted as already on chip (no weight traffic), as if it had the buffer to itself",) \
            if fits else ()
    if not mem.residency_checked:
        return (f"{arch.file}: memory.weights_resident: all_unchecked: {sizes}; assumed preloaded, "
                "so no weight traffic is counted",)
    raise SpecError(arch.file, "memory.weights_resident", message=f"all, but {sizes} ({workload.file}); "
                    "use fit, or all_unchecked to assume the model preloaded anyway")
