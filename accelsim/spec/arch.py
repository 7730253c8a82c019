"""Architecture YAML -> frozen Arch dataclass.

Units in the YAML are the ones architects write (MHz, GB/s, ns, KiB, nm, V); inside, everything is
SI (Hz, bytes/s, seconds, bytes).

```yaml
name: dadn
clock: {frequency_mhz: 980}
technology: {node_nm: 65, vdd: 0.9}
memory:
  dram: {type: DDR4, bandwidth_gb_s: 25.6, latency_ns: 50}
  weights_resident: fit         # none | fit (on chip when they fit) | all (model preloaded)
  activations_on_chip: true     # a layer whose input + output fit stays on chip
  output_bits: 16
  formats: {weights: raw, activations: raw, outputs: raw}   # or dpred | shapeshifter | zrle
  buffers:
    weights:     {kind: edram, size_kib: 32768, width_bits: 4096}
    activations: {kind: edram, size_kib: 4096, width_bits: 256}
datapath:
  kind: bitparallel
  params: {tiles: 16, filters: 16, lanes: 16, width: 16}
```
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from accelsim import bundled
from accelsim.cost.overrides import UserPrices
from accelsim.errors import SpecError
from accelsim.memformat import FORMATS, ROLES, Formats
from accelsim.spec.reader import Reader, load_yaml

BUFFER_ROLES = ("weights", "activations", "outputs")
BUFFER_KINDS = ("sram", "edram", "regfile")
# Where a layer's weights come from: "none" streams them from DRAM every layer; "fit" keeps them
# on chip when they fit the weight buffer; "all" assumes the whole model is preloaded whatever its
# size (the DaDianNao / Stripes evaluation methodology, where a multi-chip node holds the model).
# "all" is checked against the weight buffer when a workload is simulated (a model larger than the
# buffer is an error); "all_unchecked" states on purpose that the model is preloaded anyway.
WEIGHT_RESIDENCY = ("none", "fit", "all", "all_unchecked")


def supported_nodes() -> tuple[int, ...]:
    """Technology nodes the cost model can price: the nodes of its area-scaling table whose
    energy and area factors both resolve. Derived from the cost data, so a node added there is
    accepted here and a node it cannot price is refused at load time, naming the key."""
    from accelsim.cost import scaling, tables
    nodes = []
    for n in sorted({int(float(k)) for k in tables.value("area_from_45")}, reverse=True):
        try:
            scaling.area_factor(n), scaling.energy_factor(n)
        except tables.MissingPrice:
            continue
        nodes.append(n)
    return tuple(nodes)


@dataclass(frozen=True)
class Clock:
    frequency_hz: float


@dataclass(frozen=True)
class Technology:
    node_nm: int
    vdd: float


@dataclass(frozen=True)
class Dram:
    type: str
    bandwidth: float      # bytes per second
    latency: float        # seconds from request to first byte


@dataclass(frozen=True)
class Buffer:
    role: str
    kind: str
    capacity: int         # bytes
    width_bits: int       # bits per access
    banks: int = 1


@dataclass(frozen=True)
class Memory:
    dram: Dram
    buffers: tuple[Buffer, ...]
    weights_resident: str = "fit"      # none | fit | all (see WEIGHT_RESIDENCY)
    residency_checked: bool = True     # False: "all_unchecked", the model need not fit
    activations_on_chip: bool = True
    output_bits: int = 16
    formats: Formats = Formats()       # storage format per tensor role (accelsim.memformat)

    def buffer(self, role: str) -> Buffer | None:
        for b in self.buffers:
            if b.role == role:
                return b
        return None

    def capacity(self, role: str) -> int:
        b = self.buffer(role)
        return b.capacity if b is not None else 0


@dataclass(frozen=True)
class DatapathSpec:
    kind: str
    params: Any           # the datapath's own frozen Params dataclass


@dataclass(frozen=True)
class Arch:
    name: str
    file: str
    clock: Clock
    technology: Technology
    memory: Memory
    datapath: DatapathSpec
    description: str = ""
    costs: UserPrices = UserPrices()      # the arch's own prices (cost.overrides), none by default

    def build(self):
        """The datapath object this arch describes."""
        from accelsim.registry import get
        return get(self.datapath.kind)(self.datapath.params, self)


def load_arch(path: str | Path) -> Arch:
    """An arch YAML file, or a bundled arch's name (``load_arch("stripes")``, as on the CLI)."""
    path = bundled.resolve("arch", str(path))
    return arch_from_dict(load_yaml(path), str(path))


def _read_formats(mem_r: Reader) -> Formats:
    """``memory.formats: {weights: raw, activations: dpred, outputs: dpred}``; raw by default."""
    if not mem_r.has("formats"):
        mem_r.known("formats")
        return Formats()
    f = mem_r.sub("formats")
    formats = Formats(**{role: f.choice(role, FORMATS, "raw") for role in ROLES})
    f.done()
    return formats


def arch_from_dict(data: Any, file: str) -> Arch:
    from accelsim.cost.tables import dram_types
    from accelsim.registry import catalog, get
    from accelsim.spec.costs import read_costs
    from accelsim.spec.params import read_params

    top = Reader(data, file)
    name = top.string("name", Path(file).stem)
    description = top.string("description", "-") if top.has("description") else ""

    clk = top.sub("clock")
    clock = Clock(clk.number("frequency_mhz", lo=0.0, lo_open=True, hi=1e5) * 1e6)
    clk.done()

    tech_r = top.sub("technology")
    node = tech_r.integer("node_nm")
    nodes = supported_nodes()
    if node not in nodes:
        raise tech_r.error("node_nm", "one of " + ", ".join(map(str, nodes)) + " (the nodes the cost model prices)", node)
    tech = Technology(node, tech_r.number("vdd", 0.9, lo=0.4, hi=1.5))
    tech_r.done()

    mem_r = top.sub("memory")
    d = mem_r.sub("dram")
    types = dram_types()
    dtype = d.choice("type", sorted(types))
    dram = Dram(
        type=dtype,
        bandwidth=d.number("bandwidth_gb_s", types[dtype], lo=0.0, lo_open=True) * 1e9,
        latency=d.number("latency_ns", 50.0, lo=0.0) * 1e-9,
    )
    d.done()
    bufs_r = mem_r.sub("buffers")
    buffers = []
    for role in BUFFER_ROLES:
        if not bufs_r.has(role):
            bufs_r.known(role)
            continue
        b = bufs_r.sub(role)
        kind = b.choice("kind", BUFFER_KINDS, "sram")
        # Up to 1 TiB: beyond that no on-chip buffer exists and float KiB stop being exact bytes.
        size_kib = b.number("size_kib", lo=0.0, lo_open=True, hi=float(1 << 30))
        width_bits = b.integer("width_bits", 256, lo=8, hi=1 << 20)
        if size_kib * 1024 * 8 < width_bits:
            raise SpecError(file, b.key("size_kib"), f"room for at least one {width_bits}-bit access "
                            f"({width_bits / 8 / 1024:g} KiB)", size_kib)
        buffers.append(Buffer(role=role, kind=kind, capacity=int(size_kib * 1024),
                              width_bits=width_bits, banks=b.integer("banks", 1, lo=1, hi=4096)))
        b.done()
    bufs_r.done()
    if not any(b.role == "weights" for b in buffers) or not any(b.role == "activations" for b in buffers):
        raise SpecError(file, bufs_r.path, "buffers for both 'weights' and 'activations'",
                        ", ".join(b.role for b in buffers) or "none")
    residency = mem_r.choice("weights_resident", WEIGHT_RESIDENCY, "fit")
    memory = Memory(
        dram=dram, buffers=tuple(buffers),
        # Datapaths see "all" either way; only the check in engine.residency differs.
        weights_resident="all" if residency == "all_unchecked" else residency,
        residency_checked=residency != "all_unchecked",
        activations_on_chip=mem_r.boolean("activations_on_chip", True),
        output_bits=mem_r.integer("output_bits", 16, lo=1, hi=64),
        formats=_read_formats(mem_r),
    )
    mem_r.done()

    dp = top.sub("datapath")
    kind = dp.raw("kind")
    # A known kind never needs the catalogue (reading every datapath's source); only errors do.
    if not isinstance(kind, str) or get(kind) is None:
        kinds = catalog()
        import difflib
        close = difflib.get_close_matches(str(kind), list(kinds), n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        raise SpecError(file, dp.key("kind"),
                        message=f"unknown datapath kind {kind!r}{hint}; known: {', '.join(kinds)}")
    params = read_params(get(kind).Params, dp.sub("params", {}))
    dp.done()
    costs = read_costs(top.sub("costs")) if top.has("costs") else UserPrices()
    top.done()
    return Arch(name, file, clock, tech, memory, DatapathSpec(kind, params), description, costs)
