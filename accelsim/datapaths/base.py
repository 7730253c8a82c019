"""The datapath interface (the Datapath protocol, its hooks' defaults, ``register``), the
LayerWork a datapath returns, and tiling helpers every datapath shares.

A datapath counts: for one layer it returns the cycles each tile occupies the datapath, the bytes
that must arrive before each tile and leave after it, and action counts that the cost model prices.
It never schedules (that is the engine) and never prices (that is ``accelsim.cost``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar, Mapping, Protocol

import numpy as np

from accelsim import registry as _kinds
# Part is the cost model's unit and the registry sits below the spec reader; both are re-exported
# here so that a datapath module imports everything it needs from base.
from accelsim.cost.parts import Part, part
from accelsim.registry import catalog, get
from accelsim.registry import classes as registry

if TYPE_CHECKING:
    from accelsim.spec.arch import Arch
    from accelsim.workload.trace import LayerTrace

MAX_TILES = 256   # the engine's events per layer stay in the hundreds: SimPy is fast at that size
# A layer with more filter passes than MAX_TILES gets one tile per pass, and SimPy takes about
# 45 us a tile (390,625 tiles in 17 s, a 1e8 x 1e8 FC layer on Stripes). Above this many (12 s)
# the engine runs for minutes (1e9 x 1e9 on Stripes: 3.9M tiles, 157 s and 3.3 GB), so such a
# layer is refused; the bundled workloads need at most 8,192 (Llama-2 on loom_base).
MAX_ENGINE_TILES = 1 << 18


class TooManyTiles(Exception):
    """A layer needs more than MAX_ENGINE_TILES engine tiles; simulate() reports it as a
    SpecError naming the workload file and layer."""

    def __init__(self, tiles: int):
        self.tiles = tiles
        super().__init__(f"{tiles} engine tiles, more than {MAX_ENGINE_TILES}")


def check_tiles(tiles: int) -> None:
    """Refuse a layer of ``tiles`` engine tiles before its arrays are built (see MAX_ENGINE_TILES)."""
    if tiles > MAX_ENGINE_TILES:
        raise TooManyTiles(int(tiles))


@dataclass(frozen=True)
class UniformCycles:
    """A (passes, steps) cycle matrix whose every entry is ``cycles``, not stored: shape-level
    designs give every step of a layer the same time, and a huge layer has billions of steps."""

    cycles: int
    passes: int
    steps: int

    @property
    def total(self) -> int:
        return self.cycles * self.passes * self.steps


@dataclass(frozen=True)
class LayerWork:
    compute_cycles: np.ndarray   # (n_tiles,) cycles each tile occupies the datapath
    bytes_in: np.ndarray         # (n_tiles,) bytes that must arrive before the tile starts
    bytes_out: np.ndarray        # (n_tiles,) bytes written after the tile
    actions: Mapping[str, int]   # "part.action" -> count, e.g. {"sip.cycle": n, "weights.read_bits": n}
    ideal_cycles: int = 0        # cycles with perfect utilisation of the peak (for utilisation)
    potential: float = 0.0       # bit-products this design performs (the "potentials" report)
    extra: Mapping[str, float] = field(default_factory=dict)   # design-specific figures (e.g. SQNR)
    # DRAM bits the tiles move, by operand and direction ("weights.read", "activations.read",
    # "outputs.write"), before the engine rounds each tile's transfer up to whole bytes; empty when
    # the datapath does not split its traffic (the access report then says "inputs").
    dram_bits: Mapping[str, int] = field(default_factory=dict)

    @property
    def n_tiles(self) -> int:
        return int(self.compute_cycles.shape[0])


class Datapath(Protocol):
    """Every hook the engine and the spec reader use. ``kind``, ``Params``, ``__init__``, ``run``
    and ``inventory`` are required; ``register`` gives a class the default (below, in
    ``HOOK_DEFAULTS``) of each optional hook it does not define, so the engine never probes."""

    kind: ClassVar[str]            # the YAML `datapath: {kind: ...}`
    Params: ClassVar[type]         # frozen dataclass of its parameters (accelsim.spec.params reads it)
    # Optional, default True: run() reads operand values. False lets the engine hand synthetic
    # layers over as shapes only (LayerTrace without drawn operands), which is much faster.
    needs_values: bool
    # Optional, default False: run() on a subset of the im2col windows is that subset's share of
    # the layer's work, so `--sample` may simulate a fraction of windows (engine.sampling).
    samplable: bool
    # Optional, default 0: the filters one filter pass covers (they share that pass over the
    # inputs, and passes are timed independently), so `--sample` may take whole passes of a layer
    # with too few windows (FC and matmul layers at batch 1); 0: filters are never sampled.
    filter_pass: int
    # Optional, default 16 (the worst measured, VS-Quant's 14x, with margin): peak bytes run() holds
    # per int32 im2col byte of a layer, as benchmarks/bench_layer_memory.py measures it, with a
    # margin; engine.budget refuses a layer whose estimate exceeds the memory budget.
    peak_factor: float
    # Optional, default False: run() works on one group of a grouped layer at a time (releasing
    # it before the next), so the estimate counts one group's im2col, not the whole layer's.
    peak_per_group: bool

    def __init__(self, params, arch: "Arch") -> None: ...

    def run(self, layer: "LayerTrace") -> LayerWork:
        """The layer's tiles, bytes and action counts. Pure: same layer, same work."""

    def inventory(self) -> Mapping[str, Part]:
        """Component name -> Part (cost class, count, attributes), priced for area and leakage."""

    def limits(self) -> tuple[int, int]:
        """Optional, default (32, 32): the widest activation and weight precision the datapath
        holds; a workload asking for more is an input error naming the layer."""

    def outputs(self, layer: "LayerTrace") -> np.ndarray | None:
        """Optional, default None (arithmetic not modelled): the exact integer result the design's
        own arithmetic produces, which tests compare with an int64 matmul."""


def _default_limits(self) -> tuple[int, int]:
    return (32, 32)


def _default_outputs(self, layer: "LayerTrace") -> np.ndarray | None:
    return None


HOOK_DEFAULTS = {"needs_values": True, "samplable": False, "filter_pass": 0, "peak_factor": 16.0,
                 "peak_per_group": False,
                 "limits": _default_limits, "outputs": _default_outputs}
REQUIRED = ("kind", "Params", "run", "inventory")


# -- registration ------------------------------------------------------------------------------
def register(cls: type) -> type:
    """Class decorator: make a datapath available under its ``kind`` (accelsim.registry).

    Like ``@dataclass`` it completes the class: each optional hook of the Datapath protocol that
    the class does not define gets its default. A class missing a required member is a
    TypeError (a bug in the datapath, not a user input error)."""
    missing = [name for name in REQUIRED if not hasattr(cls, name)]
    if missing:
        raise TypeError(f"datapath {cls.__name__} lacks {', '.join(missing)} (see Datapath)")
    for name, default in HOOK_DEFAULTS.items():
        if not hasattr(cls, name):
            setattr(cls, name, default)
    _kinds.add(cls)
    return cls


# -- shared tiling -----------------------------------------------------------------------------
def chunk_bounds(n: int, max_chunks: int) -> np.ndarray:
    """Split range(n) into at most ``max_chunks`` nearly equal contiguous chunks; returns edges."""
    chunks = max(1, min(n, max_chunks))
    return np.linspace(0, n, chunks + 1).round().astype(np.int64)


def tile_work(cycles: np.ndarray | UniformCycles, layer: "LayerTrace", arch: "Arch", filters_per_pass: int,
              actions: Mapping[str, int], *, ideal_cycles: int = 0, potential: float = 0.0,
              wgt_bits: float | None = None, act_bits: float | None = None,
              extra: Mapping[str, float] | None = None) -> LayerWork:
    """Group a (passes, steps) cycle matrix into engine tiles and attach their DRAM traffic.

    ``cycles[p, j]`` is what step j of filter pass p costs (a UniformCycles when all are equal);
    steps run in order inside a pass and passes run one after the other (filter-major order). Tiles
    are contiguous runs of steps inside one pass, at most MAX_TILES in all, or one per pass when
    there are more passes (at most MAX_ENGINE_TILES, else TooManyTiles). Traffic, the shared
    memory model:

    * weights of a pass arrive before its first tile, unless they are resident: the arch's
      ``weights_resident`` is "all" (model preloaded, the DaDianNao methodology) or "fit" and the
      layer's weights fit the weight buffer;
    * input activations stream in proportion to the steps of each tile; they are read from DRAM
      once when they fit the activation buffer (or not at all when the arch keeps activations on
      chip and input + output fit), else again for every pass;
    * outputs leave after each tile, unless activations stay on chip.
    Halo rows shared by neighbouring tiles are not double counted (an approximation).
    """
    if isinstance(cycles, UniformCycles):
        n_pass, n_step = cycles.passes, cycles.steps
    else:
        cycles = np.asarray(cycles, dtype=np.int64)
        if cycles.ndim == 1:
            cycles = cycles[None, :]
        n_pass, n_step = cycles.shape
    check_tiles(n_pass)
    per_pass = max(1, MAX_TILES // n_pass)
    edges = chunk_bounds(n_step, per_pass)
    if isinstance(cycles, UniformCycles):
        sums = np.broadcast_to(cycles.cycles * np.diff(edges), (n_pass, len(edges) - 1))
    elif n_step:
        sums = np.add.reduceat(cycles, edges[:-1], axis=1)
    else:
        sums = np.zeros((n_pass, 1), np.int64)
    frac = np.diff(edges) / max(n_step, 1)

    shape = layer.memory_shape or layer.layer.shape     # a sample moves its whole layer's bytes
    mem = arch.memory
    wbits = layer.layer.wgt_bits if wgt_bits is None else wgt_bits
    abits = layer.layer.act_bits if act_bits is None else act_bits
    w_bytes = shape.k * shape.reduction * wbits / 8.0
    a_bytes = shape.n * shape.c * shape.h * shape.w * abits / 8.0
    o_bytes = shape.windows * shape.k * mem.output_bits / 8.0
    fractions = _format_fractions(layer, mem, wbits, abits)
    if fractions is not None:      # compressed formats: DRAM and buffers hold compressed bytes
        w_bytes, a_bytes, o_bytes = (w_bytes * fractions["weights"], a_bytes * fractions["activations"],
                                     o_bytes * fractions["outputs"])
    wbuf, abuf = mem.capacity("weights"), mem.capacity("activations")
    on_chip_acts = mem.activations_on_chip and a_bytes + o_bytes <= abuf
    w_resident = mem.weights_resident == "all" or (mem.weights_resident == "fit" and w_bytes <= wbuf)

    n_chunks = len(frac)
    bin_ = np.zeros((n_pass, n_chunks))
    bout = np.zeros((n_pass, n_chunks))
    pass_filters = np.diff(chunk_bounds(shape.k, n_pass)) if n_pass > 1 else np.array([shape.k])
    moved = {"weights.read": 0.0, "activations.read": 0.0, "outputs.write": 0.0}
    if not w_resident:
        bin_[:, 0] += w_bytes * pass_filters / shape.k
        moved["weights.read"] = w_bytes
    if not on_chip_acts:
        refetch = a_bytes > abuf
        bin_[slice(None) if refetch else slice(0, 1)] += a_bytes * frac
        bout += o_bytes * (pass_filters / shape.k)[:, None] * frac
        moved["activations.read"] = a_bytes * (n_pass if refetch else 1)
        moved["outputs.write"] = o_bytes
    if fractions is not None:
        from accelsim.memformat import codec_actions
        fetched = {"weights": 0 if w_resident else shape.k * shape.reduction,
                   "activations": moved["activations.read"] / max(a_bytes, 1e-30)
                   * shape.n * shape.c * shape.h * shape.w}
        actions = {**actions, **codec_actions(mem.formats, fetched, shape.windows * shape.k)}
    return LayerWork(
        compute_cycles=np.ascontiguousarray(sums, dtype=np.int64).reshape(-1),
        bytes_in=np.ceil(bin_.reshape(-1)).astype(np.int64),
        bytes_out=np.ceil(bout.reshape(-1)).astype(np.int64),
        actions=dict(actions),
        ideal_cycles=int(ideal_cycles),
        potential=float(potential),
        extra=dict(extra or {}),
        dram_bits={k: int(round(v * 8)) for k, v in moved.items()},
    )


def _format_fractions(layer: "LayerTrace", mem, wbits: float, abits: float) -> dict[str, float] | None:
    """Compressed over raw size of the layer's tensors in the arch's memory formats (exact for
    weights and input activations, from their codes; see memformat.layer_fractions for outputs);
    None when every role is raw. Containers are the widths the datapath stores values at."""
    if not mem.formats.compressed:
        return None
    from accelsim.memformat import layer_fractions
    lay = layer.layer
    return layer_fractions(mem.formats, layer.act.codes, layer.act.signed,
                           max(int(np.ceil(abits)), lay.act_bits), layer.wgt.codes, layer.wgt.signed,
                           max(int(np.ceil(wbits)), lay.wgt_bits), mem.output_bits)


def staggered_cycles(chunk_cycles: np.ndarray, columns: int) -> int:
    """Cycles for chunks issued one per cycle to ``columns`` columns that each stay busy for the
    chunk's cycles (how bit-serial designs run FC layers: no window reuse, weights for one column
    arrive per cycle). Chunk j starts when its weights arrive (cycle j) and its column is free."""
    c = np.asarray(chunk_cycles, dtype=np.int64)
    if c.size == 0:
        return 0
    return int(_staggered(c, columns))


def uniform_staggered(chunks, cycles: int, columns: int):
    """``staggered_cycles`` of ``chunks`` chunks that all take ``cycles`` (an int, or an array of
    chunk counts), in closed form. Chunk j starts at j while cycles <= columns (its column is
    free by then); otherwise column j % columns runs its chunks back to back from cycle
    j % columns. Either way the last chunk finishes last: the larger of the two ends."""
    n = np.asarray(chunks, dtype=np.int64)
    last = np.maximum(n - 1, 0)
    end = np.maximum(last + cycles, last % columns + (last // columns + 1) * cycles)
    return np.where(n > 0, end, 0)


def _staggered(c: np.ndarray, columns: int) -> int:
    from accelsim.numerics.kernels import staggered_finish
    return staggered_finish(c, columns)
