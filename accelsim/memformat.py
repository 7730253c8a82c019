"""Memory formats: how a tensor's integer codes are laid out in DRAM and in the on-chip buffers.

Each format gives the exact size in bits of a tensor from its real codes (``size_bits``), and an
encoder / decoder pair that produces and parses that very bit stream (tests decode it back to the
codes bit for bit and check that its length is ``size_bits``). The engine moves compressed bytes;
the cost model prices the packing units (``codec_parts``).

* ``raw``: every value in its container width.
* ``dpred``: groups of 16 values along the channel axis (a "brick": 16 consecutive channels at one
  position, or 16 consecutive input channels of one filter tap), each stored at the group's own
  precision p behind a header holding p - 1 in ceil(log2(container)) bits (Delmas et al.,
  "DPRed", arXiv 1804.06732, 2018). p is the narrowest width holding every value of the group:
  two's complement for signed tensors, plain binary for unsigned ones. An all-zero group is
  stored at p = 1 (docs/references.md#dpred-format).
* ``shapeshifter``: as ``dpred``, plus a 16-bit mask per group marking its non-zero values, of
  which only the non-zero ones are stored (Lascorz et al., "ShapeShifter", MICRO 2019; the mask
  layout is recalled, see docs/references.md#shapeshifter-format).
* ``zrle``: zero-run encoding as SCNN stores sparse tensors (Parashar et al., ISCA 2017): every
  non-zero value is stored with the count of zeros before it in a 4-bit field; a run of 16 or
  more zeros spends an entry (15, 0) per 16 positions. Trailing zeros are implicit (the decoder
  knows the tensor's size; docs/references.md#scnn-zero-run-format).

Groups never straddle the channel axis' end: a channel count that is not a multiple of 16 leaves
a narrower last group, stored with the same header.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


FORMATS = ("raw", "dpred", "shapeshifter", "zrle")
ROLES = ("weights", "activations", "outputs")
GROUP = 16          # values per precision group (DPRed, ShapeShifter)
RUN_BITS = 4        # SCNN's zero-run field


@dataclass(frozen=True)
class Formats:
    """The storage format of each tensor role (``memory.formats`` in the arch YAML)."""
    weights: str = "raw"
    activations: str = "raw"
    outputs: str = "raw"

    def of(self, role: str) -> str:
        return getattr(self, role)

    @property
    def compressed(self) -> bool:
        return any(self.of(r) != "raw" for r in ROLES)


def header_bits(bits: int) -> int:
    """Width of a group's precision header: p - 1 for p in 1..bits."""
    return math.ceil(math.log2(bits)) if bits > 1 else 0


def groups(codes: np.ndarray) -> np.ndarray:
    """The tensor as rows of channels, (positions, channels): axis 1 moved last (axis 0 for 1-D)."""
    codes = np.asarray(codes, dtype=np.int64)
    if codes.ndim < 2:
        return codes.reshape(1, -1)
    return np.moveaxis(codes, 1, -1).reshape(-1, codes.shape[1])


def _bit_length(v: np.ndarray) -> np.ndarray:
    """bit_length of non-negative integers below 2**53: frexp's exponent (0 for 0), unmasked."""
    return np.frexp(np.asarray(v, dtype=np.float64))[1].astype(np.int64)


def _width(values: np.ndarray, signed: bool) -> np.ndarray:
    """Bits each value needs alone: two's complement when signed, else plain binary (0 -> 1)."""
    if signed:
        return _bit_length(np.where(values < 0, ~values, values)) + 1
    return np.maximum(_bit_length(values), 1)


def group_widths(codes: np.ndarray, signed: bool) -> tuple[np.ndarray, np.ndarray]:
    """Per group of ``GROUP`` channels: its precision p and its number of values, both
    (positions, groups)."""
    rows = groups(codes)
    c = rows.shape[1]
    starts = np.arange(0, c, GROUP)
    if not c:
        return np.zeros((len(rows), 0), np.int64), np.zeros((len(rows), 0), np.int64)
    # v ^ (v >> 63) is v for v >= 0 and ~v for v < 0: OR-reducing it over a group gives the
    # group's widest value in one pass, so bit_length runs once per group, not per value.
    folded = rows ^ (rows >> 63) if signed else rows
    width = _width(np.bitwise_or.reduceat(folded, starts, axis=1), signed)
    sizes = np.broadcast_to(np.diff(np.append(starts, c)), width.shape)
    return width, sizes


def size_bits(fmt: str, codes: np.ndarray, bits: int, signed: bool) -> int:
    """Exact bits the tensor occupies in format ``fmt`` (the length of ``encode``'s stream)."""
    codes = np.asarray(codes, dtype=np.int64)
    if fmt == "raw":
        return int(codes.size * bits)
    if fmt in ("dpred", "shapeshifter"):
        width, sizes = group_widths(codes, signed)
        head = width.size * header_bits(bits)
        if fmt == "dpred":
            return int(head + (width * sizes).sum())
        nz = groups(codes) != 0
        starts = np.arange(0, nz.shape[1], GROUP)
        nnz = np.add.reduceat(nz, starts, axis=1) if nz.shape[1] else np.zeros_like(width)
        return int(head + sizes.sum() + (width * nnz).sum())
    if fmt == "zrle":
        return int(_zrle_entries(codes.reshape(-1)) * (RUN_BITS + bits))
    raise ValueError(f"unknown memory format {fmt!r} (known: {', '.join(FORMATS)})")


def _zrle_entries(flat: np.ndarray) -> int:
    idx = np.flatnonzero(flat)
    gaps = np.diff(np.concatenate(([-1], idx))) - 1
    return int(idx.size + (gaps // (1 << RUN_BITS)).sum())


# -- the bit streams (for the exactness tests and for users who want the bytes) ------------------
def _pack(values: np.ndarray, widths: np.ndarray) -> np.ndarray:
    """Fields of the given widths, most significant bit first, as a uint8 array of 0/1."""
    values = np.asarray(values, dtype=np.int64).reshape(-1)
    widths = np.asarray(widths, dtype=np.int64).reshape(-1)
    total = int(widths.sum())
    field = np.repeat(np.arange(values.size), widths)
    start = np.cumsum(widths) - widths
    shift = widths[field] - 1 - (np.arange(total) - start[field])
    return ((values[field] >> shift) & 1).astype(np.uint8)


def encode(fmt: str, codes: np.ndarray, bits: int, signed: bool) -> np.ndarray:
    """The tensor's bit stream in format ``fmt`` (uint8 0/1 per bit)."""
    codes = np.asarray(codes, dtype=np.int64)
    if fmt == "raw":
        flat = codes.reshape(-1)
        return _pack(flat & ((1 << bits) - 1), np.full(flat.size, bits))
    if fmt == "zrle":
        return _pack(*_zrle_fields(codes.reshape(-1), bits))
    if fmt not in ("dpred", "shapeshifter"):
        raise ValueError(f"unknown memory format {fmt!r} (known: {', '.join(FORMATS)})")
    rows = groups(codes)
    width, _ = group_widths(codes, signed)
    hb = header_bits(bits)
    vals, wids = [], []
    for r in range(rows.shape[0]):          # group order: position-major, then channel groups
        for g in range(width.shape[1]):
            p = int(width[r, g])
            chunk = rows[r, g * GROUP:(g + 1) * GROUP]
            vals.append(p - 1)
            wids.append(hb)
            if fmt == "shapeshifter":
                mask = chunk != 0
                vals.extend(mask.astype(np.int64))
                wids.extend([1] * chunk.size)
                chunk = chunk[mask]
            vals.extend(chunk & ((1 << p) - 1))
            wids.extend([p] * chunk.size)
    return _pack(np.array(vals, dtype=np.int64), np.array(wids, dtype=np.int64))


def _zrle_fields(flat: np.ndarray, bits: int) -> tuple[np.ndarray, np.ndarray]:
    top = (1 << RUN_BITS) - 1
    vals, run = [], 0
    nz = np.flatnonzero(flat)
    for v in flat[:nz[-1] + 1 if nz.size else 0]:     # trailing zeros are implicit
        if v == 0 and run < top:
            run += 1
            continue
        vals += [run, int(v) & ((1 << bits) - 1)]   # a zero here is a placeholder ending a long run
        run = 0
    return np.array(vals, dtype=np.int64), np.tile([RUN_BITS, bits], len(vals) // 2)


class _Reader:
    def __init__(self, stream: np.ndarray):
        self.bits, self.pos = np.asarray(stream, dtype=np.int64), 0

    def read(self, width: int) -> int:
        chunk = self.bits[self.pos:self.pos + width]
        if chunk.size != width:
            raise ValueError("memory-format stream ends inside a field")
        self.pos += width
        return int((chunk << np.arange(width - 1, -1, -1)).sum()) if width else 0


def _signed(v: int, width: int, signed: bool) -> int:
    return v - (1 << width) if signed and v >= 1 << (width - 1) else v


def decode(fmt: str, stream: np.ndarray, shape: tuple[int, ...], bits: int, signed: bool) -> np.ndarray:
    """Parse ``encode``'s stream back into codes of ``shape`` (int64)."""
    rd = _Reader(stream)
    n = int(np.prod(shape))
    if fmt == "raw":
        return np.array([_signed(rd.read(bits), bits, signed) for _ in range(n)], np.int64).reshape(shape)
    if fmt == "zrle":
        flat = np.zeros(n, dtype=np.int64)
        i = 0
        while rd.pos < rd.bits.size:
            i += rd.read(RUN_BITS)
            flat[i] = _signed(rd.read(bits), bits, signed)
            i += 1
        return flat.reshape(shape)
    if fmt not in ("dpred", "shapeshifter"):
        raise ValueError(f"unknown memory format {fmt!r} (known: {', '.join(FORMATS)})")
    c = shape[1] if len(shape) >= 2 else n
    rows = np.zeros((n // c if c else 0, c), dtype=np.int64)
    hb = header_bits(bits)
    for r in range(rows.shape[0]):
        for g0 in range(0, c, GROUP):
            size = min(GROUP, c - g0)
            p = rd.read(hb) + 1
            mask = ([rd.read(1) for _ in range(size)] if fmt == "shapeshifter" else [1] * size)
            for j, keep in enumerate(mask):
                if keep:
                    rows[r, g0 + j] = _signed(rd.read(p), p, signed)
    if rd.pos != rd.bits.size:
        raise ValueError("memory-format stream has bits past its last group")
    if len(shape) < 2:
        return rows.reshape(shape)
    moved = (shape[0], *shape[2:], shape[1])
    return np.moveaxis(rows.reshape(moved), -1, 1)


# -- what the engine and the cost model use ----------------------------------------------------
def fraction(fmt: str, codes: np.ndarray, container: int, signed: bool) -> float:
    """Compressed over raw size of a tensor held in ``container``-bit words (1.0 for ``raw``)."""
    codes = np.asarray(codes)
    if fmt == "raw" or codes.size == 0:
        return 1.0
    return size_bits(fmt, codes, container, signed) / (codes.size * container)


def layer_fractions(formats: Formats, act: np.ndarray, act_signed: bool, act_container: int,
                    wgt: np.ndarray, wgt_signed: bool, wgt_container: int,
                    output_bits: int) -> dict[str, float]:
    """Compressed over raw size of a layer's weights, input activations and outputs.

    Outputs are not simulated as values (their requantization to the next layer's codes is not
    modelled), so their fraction is the one the outputs' format reaches on this layer's input
    activations in ``output_bits`` containers: an approximation that holds along a chain of
    layers, whose outputs are the next layer's inputs."""
    out_container = max(output_bits, int(np.abs(act).max(initial=0)).bit_length() + act_signed)
    return {"weights": fraction(formats.weights, wgt, wgt_container, wgt_signed),
            "activations": fraction(formats.activations, act, act_container, act_signed),
            "outputs": fraction(formats.outputs, act, out_container, act_signed)}


CODEC = "memcodec"


def codec_parts(formats: Formats, container: int) -> dict:
    """The packing units of the compressed roles, priced with the cost model's classes.

    One group of ``GROUP`` values per cycle: the unpacker shifts each value of a group from its
    precision back to the container width (a shifter per lane); the packer ORs a group's
    magnitudes to detect its precision (the Dynamic Stripes detector, one ``container``-bit OR per
    value) and shifts each value into the packed stream. Zero-run coding uses the same lanes (its
    field widths are fixed, the shift distance is the run's stream position)."""
    from accelsim.cost.parts import part
    if not formats.compressed:
        return {}
    return {f"{CODEC}.unpack": part("shifter", GROUP, bits=container),
            f"{CODEC}.detect": part("bitwise", GROUP, bits=container),
            f"{CODEC}.pack": part("shifter", GROUP, bits=container)}


def codec_actions(formats: Formats, values_read: dict[str, float], values_written: float) -> dict[str, int]:
    """Unpack one op per value of a compressed role fetched from DRAM; detect and pack one op
    each per output value produced in a compressed outputs format (on chip or off)."""
    unpack = sum(n for role, n in values_read.items() if formats.of(role) != "raw")
    out = {f"{CODEC}.unpack.op": int(round(unpack))} if unpack else {}
    if formats.outputs != "raw" and values_written:
        out[f"{CODEC}.detect.op"] = out[f"{CODEC}.pack.op"] = int(round(values_written))
    return out
