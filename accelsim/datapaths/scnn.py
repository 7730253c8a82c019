"""SCNN (Parashar et al., ISCA 2017; docs/references.md#scnn): a sparse CNN engine, PT-IS-CP-sparse.

Organisation: ``pe_rows x pe_cols`` PEs. The input plane of a layer is tiled over the PEs (planar
tiling, ``scnn_planar``; ``plane_tiling`` even, or DNNsim's grid of equal tiles of the padded
plane); each PE keeps its tile's non-zero activations in compressed-sparse form
(``scnn_sparse``) in its IARAM, and the non-zero weights of one input channel for a group of Kc
output channels are broadcast into every PE's weight FIFO. Per input channel, a PE multiplies every
vector of ``i`` activation entries by every vector of ``f`` weight entries (Cartesian product,
f x i multipliers); each product's output coordinate is computed and the product is scattered
through an (f*i) x ``banks`` crossbar into the accumulator bank its address maps to (address = the
partial sum's place in the PE's region, filters in blocks of f, filter innermost; bank = address
mod banks). A block costs the largest number of products landing in one bank (at least one cycle),
as DNNsim counts it: conflicting products are not queued across blocks. PEs wait for each other
after every input channel. Kc is the number of output channels whose partial sums over the PE's
region (its tile's outputs plus the halo its neighbours own) fit ``banks x bank_entries`` (a
multiple of ``f`` when it can be: the accumulators hold blocks of f filters, filter innermost, so
the f filters of a weight vector meet f consecutive banks). Weights of a channel are streamed in
(kernel position, filter) order: a weight vector is mostly f filters at one kernel position, whose
products with distinct activations never share an output (our choice; the paper's order and bank
hash are not in the notes). After each group the accumulators (double buffered, so draining
overlaps the next group) send halo partial sums to their owners and the owned outputs go through
ReLU and compression to the OARAM.

Strided layers: activations and weights are split by stride phase and only matching phases are
multiplied. FC layers run as a convolution (``scnn_planar.operands``): inputs folded into
``fc_side`` x ``fc_side`` planes, every weight used once, so the FC rate is bounded by the weight
stream (f entries per cycle), as a conv engine with broadcast weights must be.

Memories (the arch's buffers): ``activations`` = the PEs' IARAMs, ``outputs`` = the OARAMs,
``weights`` = the weight FIFOs (capacity / PEs each). A layer whose compressed input or output does
not fit is split into bands of input rows that stream through DRAM (with the partial sums of rows
another band owns); weights stream from DRAM once per band.

Approximations (stated, not hidden):
* output sparsity is not known to a layer; its outputs are assumed to compress like its inputs
  (entries per position), which sizes OARAM writes and output DRAM traffic;
* weight-FIFO reads are priced at the FIFO even when a channel's weights exceed its 50 entries;
* the halo links' wires and the coordinate computation's control are not priced;
* drain time is the region's entries over ``banks`` (one entry per bank per cycle); only the part
  the next group's compute does not hide is added.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from accelsim.datapaths import grid, scnn_planar as planar
from accelsim.datapaths.base import Part, part, register
from accelsim.datapaths.scnn_sparse import encode
from accelsim.datapaths.scnn_work import scnn_work
from accelsim.errors import SpecError
from accelsim.numerics.sparse_kernels import scnn_scatter
from accelsim.spec.params import ParamError


@dataclass(frozen=True)
class ScnnParams:
    pe_rows: int = field(default=8, metadata={"lo": 1, "hi": 256})
    pe_cols: int = field(default=8, metadata={"lo": 1, "hi": 256})
    f: int = field(default=4, metadata={"lo": 1, "hi": 64})
    i: int = field(default=4, metadata={"lo": 1, "hi": 64})
    banks: int = field(default=32, metadata={"lo": 1, "hi": 1024})
    bank_entries: int = field(default=32, metadata={"lo": 1, "hi": 1 << 16})
    width: int = field(default=16, metadata={"lo": 2, "hi": 32})
    acc_bits: int = field(default=24, metadata={"lo": 8, "hi": 64})
    index_bits: int = field(default=4, metadata={"lo": 1, "hi": 32})
    fc_side: int = field(default=16, metadata={"lo": 1, "hi": 1024})
    # Accumulator bank of an address (bank_of) and products a bank may hold waiting before the
    # multiplier array stalls (0: every block pays its busiest bank; large: near conflict-free).
    bank_map: str = field(default="mod", metadata={"choices": ("mod", "xor")})
    bank_queue: int = field(default=0, metadata={"lo": 0, "hi": 1 << 16})
    # How the input plane is cut over the PEs (scnn_planar.TILINGS): even tiles, or DNNsim's
    # equal tiles of the padded plane rounded up to the grid.
    plane_tiling: str = field(default="even", metadata={"choices": planar.TILINGS})

    def __post_init__(self):
        if self.acc_bits < self.width:
            raise ParamError("acc_bits", f"at least width ({self.width})", self.acc_bits)

    @property
    def pes(self) -> int:
        return self.pe_rows * self.pe_cols


def pe_memories(arch, pes: int) -> tuple[int, int]:
    """Per-PE IARAM and OARAM bytes from the arch's activation and output buffers."""
    if arch.memory.buffer("outputs") is None:
        raise SpecError(arch.file, "memory.buffers.outputs",
                        "an output buffer (the PEs' OARAMs)", "none")
    return arch.memory.capacity("activations") // pes, arch.memory.capacity("outputs") // pes


def _sorted_csr(key: np.ndarray, n_keys: int, *cols: np.ndarray):
    """Columns reordered by key (stable: stream order kept inside a key) and the CSR offsets."""
    ptr = np.zeros(n_keys + 1, dtype=np.int64)
    np.cumsum(np.bincount(key, minlength=n_keys), out=ptr[1:])
    if not np.any(key[1:] < key[:-1]):          # already in order (stride 1: one phase)
        return ptr, [np.ascontiguousarray(c) for c in cols]
    order = np.argsort(key, kind="stable")
    return ptr, [np.ascontiguousarray(c[order]) for c in cols]


@register
class Scnn:
    kind = "scnn"
    peak_factor = 5.0   # memory per im2col byte: 4.0 measured (benchmarks/bench_layer_memory.py)
    Params = ScnnParams

    def __init__(self, params: ScnnParams, arch):
        self.p = params
        self.arch = arch
        self.iaram, self.oaram = pe_memories(arch, params.pes)

    def limits(self) -> tuple[int, int]:
        return self.p.width, self.p.width

    @property
    def entry_bits(self) -> int:
        return self.p.width + self.p.index_bits

    # -- operand preparation ----------------------------------------------------------------------
    def weights(self, plane: planar.Plane, nonzeros, kc: int):
        """One group's non-zero weights (k, c, r, s, value arrays) as compressed entries sorted by
        (c, phase, k-group). Returns the CSR offsets, the columns (filter in group, r // stride,
        s // stride, value), the stored entries and how many of them are placeholders."""
        p, n_kg = self.p, planar.ceil_div(plane.k, kc)
        kc_used = np.minimum(kc, plane.k - kc * np.arange(n_kg))
        nk, nc, nr, ns, nv = nonzeros
        nkg = nk // kc
        # stream order (r, s, filter): a vector of f entries is mostly f filters at one kernel
        # position, whose products with distinct activations land on distinct outputs
        pos = (nr * plane.s + ns) * kc_used[nkg] + (nk - nkg * kc)
        enc = encode(nc * n_kg + nkg, pos, p.index_bits)
        c, kg = enc.stream // n_kg, enc.stream % n_kg
        rs, kl = np.divmod(enc.pos, kc_used[kg])
        r, s = np.divmod(rs, plane.s)
        val = np.where(enc.source >= 0, nv[np.maximum(enc.source, 0)], 0).astype(np.int32)
        n_ph = plane.sh * plane.sw
        if n_ph == 1:                    # one phase: the stream order is the kernel's order
            ptr, cols = _sorted_csr(enc.stream, plane.c * n_kg, kl, r, s, val)
        else:
            phase = (r % plane.sh) * plane.sw + s % plane.sw
            ptr, cols = _sorted_csr((c * n_ph + phase) * n_kg + kg, plane.c * n_ph * n_kg,
                                    kl, r // plane.sh, s // plane.sw, val)
        return ptr, cols, enc.pos.shape[0], enc.placeholders

    def activations(self, plane: planar.Plane, act: np.ndarray, t: planar.Tiling):
        """One band's activations (c, h, w) as compressed entries per (channel, PE tile) stream,
        sorted by (c, PE, phase); also the stored entries of each (c, PE) stream."""
        b, pes = t.band, self.p.pes
        sub = act[:, b.iy0:b.iy1, :]
        c, yy, x = np.nonzero(sub)
        pe = t.pe_of(yy + b.iy0, x)
        width = t.x1[pe] - t.x0[pe]
        enc = encode(c * pes + pe, (yy + b.iy0 - t.y0[pe]) * width + (x - t.x0[pe]), self.p.index_bits)
        c_e, pe_e = enc.stream // pes, enc.stream % pes
        width = np.maximum(t.x1[pe_e] - t.x0[pe_e], 1)
        y = t.y0[pe_e] + enc.pos // width
        x_e = t.x0[pe_e] + enc.pos % width
        val = np.zeros(enc.pos.shape[0], dtype=np.int32)
        real = enc.source >= 0
        val[real] = sub[c[enc.source[real]], yy[enc.source[real]], x[enc.source[real]]]
        n_ph = plane.sh * plane.sw
        phase = ((y + plane.ph) % plane.sh) * plane.sw + (x_e + plane.pw) % plane.sw
        ptr, cols = _sorted_csr((c_e * pes + pe_e) * n_ph + phase, plane.c * pes * n_ph,
                                (y + plane.ph) // plane.sh, (x_e + plane.pw) // plane.sw, val)
        return ptr, cols, enc.per_stream(plane.c * pes).reshape(plane.c, pes), enc.placeholders

    # -- planning -----------------------------------------------------------------------------------
    def plan(self, plane: planar.Plane, act: np.ndarray):
        """(tilings, Kc, spill, ratio): bands so that one image's compressed input and output fit
        the PEs' RAMs and a region fits the accumulators; whether activations go through DRAM;
        stored entries per input position (outputs are assumed to compress alike)."""
        p = self.p
        entries = p.banks * p.bank_entries
        whole = planar.plan(plane, p.pe_rows, p.pe_cols, 1, lambda t: True, scnn=True,
                            mode=p.plane_tiling)[0]
        stored = max(int(self.activations(plane, a, whole)[2].sum()) for a in act)   # one image
        ratio = stored / max(plane.c * plane.h * plane.w, 1)
        in_bits = stored * self.entry_bits
        out_bits = ratio * plane.k * plane.oh * plane.ow * self.entry_bits
        spill = (not self.arch.memory.activations_on_chip or in_bits > self.iaram * 8 * p.pes
                 or out_bits > self.oaram * 8 * p.pes)
        start = 1
        if spill:
            start = int(np.ceil(max(in_bits / (self.iaram * 8 * p.pes),
                                    out_bits / (self.oaram * 8 * p.pes), 1)))
        tilings = planar.plan(plane, p.pe_rows, p.pe_cols, start,
                              lambda t: t.shape[0] * t.shape[1] <= entries, scnn=True,
                              mode=p.plane_tiling)
        if tilings is None:
            raise SpecError(self.arch.file, "datapath.params.bank_entries",
                            f"banks x bank_entries >= the region of a one-row band "
                            f"(layer {plane.h}x{plane.w}, kernel {plane.r}x{plane.s})",
                            f"{p.banks} x {p.bank_entries}")
        region = max(max(t.shape[0] * t.shape[1] for t in tilings), 1)
        kc = entries // region
        if kc >= p.f:
            kc -= kc % p.f           # whole blocks of f filters (the accumulator layout)
        return tilings, max(1, min(plane.k, kc)), spill, ratio

    # -- the model -----------------------------------------------------------------------------------
    def run(self, trace):
        return scnn_work(self, trace)

    def outputs(self, trace) -> np.ndarray:
        """The layer's result from SCNN's own arithmetic (scattered products, halo drain), as
        (groups, windows, k_per_group) int64 like ``trace.reference_output()``."""
        p = self.p
        plane, act = planar.operands(trace, p.fc_side)
        n_img, groups = act.shape[0], act.shape[1]
        out = np.zeros((groups, n_img, plane.k, plane.oh, plane.ow), dtype=np.int64)
        for g in range(groups):
            tilings, kc, _, _ = self.plan(plane, act[:, g])
            w_ptr, w_cols, _, _ = self.weights(plane, planar.weight_nonzeros(trace, p.fc_side, g), kc)
            for n in range(n_img):
                for t in tilings:
                    a_ptr, a_cols, _, _ = self.activations(plane, act[n, g], t)
                    geom = self.geom(plane, t, kc)
                    scnn_scatter(a_ptr, a_cols[0], a_cols[1], a_cols[2], w_ptr,
                                 self.offsets(w_cols[0], geom), w_cols[1], w_cols[2], w_cols[3],
                                 t.ry0, t.rx0, geom, kc, out[g, n])
        return out.transpose(0, 1, 3, 4, 2).reshape(groups, -1, plane.k)

    def geom(self, plane: planar.Plane, t: planar.Tiling, kc: int) -> np.ndarray:
        p = self.p
        rh, rw = t.shape
        return np.array([plane.c, p.pes, plane.sh * plane.sw, planar.ceil_div(plane.k, kc), rh, rw,
                         0, plane.oh, plane.ow, p.f, p.i, p.banks, min(p.f, kc)], dtype=np.int64)

    def bank_of(self, geom: np.ndarray, kc: int) -> np.ndarray:
        """Bank of every accumulator address (filter blocks of FB, then the PE's output rows and
        columns, filter innermost: ``offsets``).

        * ``mod``: the address modulo the banks, which puts the FB filters of a weight vector in
          consecutive banks.
        * ``xor``: DNNsim's hash of the filter k and the output row y and column x (isakedo/
          DNNsim, core SCNN map_accumulator): k mod 4, then bit 0 of x and of y, then bit 2 of
          k XOR bit 1 of y XOR bit 1 of x in the next place up (a 5-bit bank number for 32
          banks), modulo the banks. We apply it to the PE-local output position and the filter
          within the output-channel group; DNNsim hashes the layer's output coordinates and filter
          index, the same banks whenever region origins are multiples of 4 and Kc of 8."""
        fb, rh, rw, banks = int(geom[12]), int(geom[4]), int(geom[5]), int(geom[11])
        size = planar.ceil_div(kc, fb) * fb * rh * rw
        addr = np.arange(size, dtype=np.int64)
        if self.p.bank_map == "mod":
            return addr % banks
        k = (addr // (rh * rw * fb)) * fb + addr % fb
        pos = (addr // fb) % (rh * rw)
        y, x = pos // rw, pos % rw
        mixed = ((k & 4) << 2) ^ ((y & 2) << 3) ^ ((x & 2) << 3)
        return (mixed + ((y & 1) << 3) + ((x & 1) << 2) + (k & 3)) % banks

    @staticmethod
    def offsets(kl: np.ndarray, geom: np.ndarray) -> np.ndarray:
        """Accumulator offset of each weight's filter: blocks of FB filters, filter innermost."""
        fb = int(geom[12])
        return (kl // fb) * int(geom[4] * geom[5]) * fb + kl % fb

    def inventory(self) -> dict[str, Part]:
        p = self.p
        acc_bytes = 2 * p.bank_entries * p.acc_bits / 8          # double buffered
        return {
            "mult": part("int_mult", p.pes * p.f * p.i, a_bits=p.width, b_bits=p.width),
            "crossbar.switch": part("crossbar", p.pes, inputs=p.f * p.i, outputs=p.banks, bits=p.acc_bits),
            "crossbar.addr": part("int_add", p.pes * p.f * p.i, bits=16),
            "accum.add": part("int_add", p.pes * p.banks, bits=p.acc_bits),
            "accum.bank": part("regfile", p.pes * p.banks, capacity_bytes=acc_bytes,
                               width_bits=p.acc_bits, banks=1),
            # operands travel with their zero-run indices
            **grid.planar_frame(p.pes, p.f, p.i, p.width + p.index_bits, p.width + p.index_bits,
                                2 * p.width),
        }
