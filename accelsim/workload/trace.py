"""LayerTrace: one layer's quantized operands and shape, as every datapath consumes it."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Iterator

import numpy as np

from accelsim.spec.workload import Layer, Shape, Workload
from accelsim.workload import rows, shapes, tensors


@dataclass(frozen=True)
class LayerTrace:
    layer: Layer
    act: tensors.Operand      # codes shaped (n, c, h, w)
    # codes shaped (k, c_per_group, r, s); in a sampled run's trace, synthetic weights are a
    # rows.RowOperand, drawn by blocks of filters when first read (a sample reads only its rows)
    wgt: tensors.Operand | rows.RowOperand
    # Given im2col rows (a sample of another layer's windows, engine.sampling), in place of the
    # rows ``act`` would give; None: derived from ``act``. Set at construction, never written later.
    im2col: np.ndarray | None = field(default=None, compare=False, repr=False)
    # The layer whose memory footprint (residency, DRAM traffic) the traffic model charges, when
    # it is not ``layer`` itself: a sample of windows moves its whole layer's bytes.
    memory_shape: Shape | None = field(default=None, compare=False, repr=False)

    @property
    def shape(self):
        return self.layer.shape

    @cached_property
    def windows(self) -> np.ndarray:
        """im2col of the activations: (groups, windows, r, s, c_per_group)."""
        if self.im2col is not None:
            return self.im2col
        return shapes.im2col(self.act.codes, self.layer.shape)

    @cached_property
    def filters(self) -> np.ndarray:
        """Weights as (groups, k_per_group, r, s, c_per_group)."""
        return shapes.weight_rows(self.wgt.codes, self.layer.shape)

    def reference_output(self) -> np.ndarray:
        """Exact int64 layer result, (groups, windows, k_per_group)."""
        return shapes.reference_output(self.act.codes, self.wgt.codes, self.layer.shape)

    @cached_property
    def key(self) -> str:
        """Identity of what a datapath sees: shape, kind, precisions and the operand values.

        Layers with equal keys produce equal work, so a simulation runs each key once."""
        h = hashlib.blake2b(digest_size=16)
        layer = self.layer
        h.update(repr((layer.kind.value, layer.shape, layer.act_bits, layer.wgt_bits,
                       self.act.signed, self.wgt.signed)).encode())
        hash_array(h, self.act.codes)
        if isinstance(self.wgt, rows.RowOperand):
            h.update(self.wgt.identity())            # its codes follow from it; none drawn
        else:
            hash_array(h, self.wgt.codes)
        return h.hexdigest()


HASH_BLOCK = 1 << 20     # elements per copied block of a non-contiguous array (4 MiB of int32)


def hash_array(h, a: np.ndarray) -> None:
    """Feed ``a``'s bytes in C order to hash ``h`` without copying it whole (``tobytes`` of VGG-19
    fc6's weights was a second 400 MB): a contiguous array's own buffer, else copies of blocks of
    its leading axis. The bytes, hence the digest, are those of ``a.tobytes()``."""
    if a.flags.c_contiguous:
        h.update(a.reshape(-1).view(np.uint8))       # a view of its buffer
        return
    rows_per = max(1, HASH_BLOCK // max(1, a.size // a.shape[0]))
    for start in range(0, a.shape[0], rows_per):
        h.update(np.ascontiguousarray(a[start:start + rows_per]).reshape(-1).view(np.uint8))


def _spec_seed(layer: Layer) -> int:
    """A seed from what defines a synthetic layer, so identical layers get identical operands."""
    parts = [repr(v) for v in (layer.kind.value, layer.shape, layer.act_bits, layer.wgt_bits)]
    text = "(" + ", ".join(parts + [tensors.values_text(layer.act), tensors.values_text(layer.wgt)]) + ")"
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little")


def build_trace(layer: Layer, workload: Workload, index: int, lazy: bool = False) -> LayerTrace:
    """The layer's operands: activations drawn whole, synthetic weights by blocks of filters
    (``rows``), all of them, or with ``lazy`` none until read (a sampled run)."""
    seed = [workload.seed, _spec_seed(layer)]
    rng = np.random.default_rng(seed)
    key = f"layers[{index}]"
    a_shape, w_shape = shapes.act_shape(layer.shape), shapes.wgt_shape(layer.shape)
    if layer.act.file is not None:
        act = tensors.from_file(layer.act, a_shape, layer.act_bits, workload.file, key + ".act")
    else:
        act = tensors.synthetic(rng, a_shape, layer.act_bits, layer.act)
    if layer.wgt.file is not None:
        wgt = tensors.from_file(layer.wgt, w_shape, layer.wgt_bits, workload.file, key + ".wgt")
    else:
        wgt = rows.RowOperand(seed + [1], w_shape, layer.wgt_bits, layer.wgt)
        wgt = wgt if lazy else wgt.operand()
    return LayerTrace(layer, act, wgt)


NO_VALUES = tensors.Operand(np.zeros(0, dtype=np.int32), False, float("nan"), float("nan"))


def shape_trace(layer: Layer, workload: Workload, index: int) -> LayerTrace:
    """A trace without operand values, for datapaths whose work depends on shapes only; its key
    still separates shapes and precisions, so identical layers are simulated once."""
    return LayerTrace(layer, NO_VALUES, NO_VALUES)


def build_traces(workload: Workload) -> Iterator[LayerTrace]:
    """Traces one layer at a time, so a large network never holds all operands at once."""
    for i, layer in enumerate(workload.layers):
        yield build_trace(layer, workload, i)
