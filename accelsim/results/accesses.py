"""Memory accesses per level and operand, and utilization: the counts the engine already priced.

Datapaths count on-chip traffic in bits per memory (``"weights.read_bits"``, ``"accum.bank.write_bits"``)
and the engine counts the bytes the DRAM channel moved; this module only files those counts under
(level, operand, direction) and converts bits to accesses. Nothing is re-derived.

Levels, outermost first:

* ``dram``: reads and writes of the off-chip memory. The bits by operand are the datapath's plan
  (``LayerWork.dram_bits``); the engine's byte totals (``dram_bytes``) round each tile's transfer up
  to whole bytes, so they can exceed the operand sum by under a byte per tile. A datapath that does
  not split its input traffic (SCNN, DCNN) reports it under the operand ``inputs`` (weights and
  activations together), taken from the engine's byte count. An access is one 64-byte burst
  (``DRAM_BURST_BITS``: a BL8 burst of a 64-bit DDR channel), the unit DRAM controllers move.
* ``buffer``: the arch's on-chip buffers (``memory.buffers``), one per role. Each buffer holds the
  operand of its role, except that an arch without an ``outputs`` buffer writes outputs into the
  activation buffer (they are the next layer's inputs); an access is one ``width_bits`` row.
* any other memory of the datapath's inventory with bit actions, named by its part
  (``accum.bank`` -> level ``accum_bank``). Accumulator banks hold partial sums: operand ``outputs``.

Accesses are bits / access width rounded up once per layer, an approximation where a datapath reads
partial rows (a bit-serial lane group reading fewer bits than a row); bits are exact.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

if TYPE_CHECKING:
    import pandas as pd

OPERANDS = ("weights", "activations", "outputs")
DRAM_BURST_BITS = 512      # docs/references.md#dram-burst-64b
# Datapath-internal memories whose operand their name does not say.
_INTERNAL_OPERAND = {"accum": "outputs"}


def _ceil_div(a: int, b: int) -> int:
    return -(-int(a) // int(b))


def _entry(out: dict[str, int], level: str, operand: str, direction: str, bits: int, width: int) -> None:
    if bits <= 0:
        return
    stem = f"{level}_{operand}_{direction}"
    out[f"{stem}_bits"] = out.get(f"{stem}_bits", 0) + int(bits)
    out[f"{stem}_accesses"] = _ceil_div(out[f"{stem}_bits"], width)


def count(actions: Mapping[str, int], dram_bits: Mapping[str, int], dram_read_bytes: int,
          dram_written_bytes: int, inventory: Mapping, buffer_roles: Mapping[str, str]) -> dict[str, int]:
    """``{"<level>_<operand>_<read|write>_<bits|accesses>": n}`` for one layer.

    ``actions`` are the datapath's counts as it named them (before the engine re-files outputs
    into a missing output buffer); ``buffer_roles`` maps each operand to the buffer that holds it
    (``memory_roles``); ``inventory`` gives each memory part's ``width_bits``."""
    out: dict[str, int] = {}
    if dram_bits:
        for key, bits in dram_bits.items():
            operand, _, direction = key.partition(".")
            _entry(out, "dram", operand, direction, bits, DRAM_BURST_BITS)
    else:
        _entry(out, "dram", "inputs", "read", dram_read_bytes * 8, DRAM_BURST_BITS)
        _entry(out, "dram", "outputs", "write", dram_written_bytes * 8, DRAM_BURST_BITS)
    for key, bits in sorted(actions.items()):
        name, _, action = key.rpartition(".")
        if action not in ("read_bits", "write_bits") or name == "dram":
            continue
        direction = action[:-len("_bits")]
        if name in OPERANDS:
            held_in = buffer_roles[name]
            _entry(out, "buffer", name, direction, bits, inventory[held_in].attr("width_bits"))
            continue
        first = name.split(".", 1)[0]
        operand = first if first in OPERANDS else _INTERNAL_OPERAND.get(first, "mixed")
        _entry(out, name.replace(".", "_"), operand, direction, bits, inventory[name].attr("width_bits"))
    return dict(sorted(out.items(), key=lambda kv: column_order(kv[0])))


def column_order(key: str) -> tuple:
    """Columns read outermost level first, then operand, direction, bits before accesses."""
    stem, unit = key.rsplit("_", 1)
    level_operand, direction = stem.rsplit("_", 1)
    level, operand = _split_level(level_operand)
    ops = OPERANDS + ("inputs", "mixed")
    return ({"dram": 0, "buffer": 1}.get(level, 2), level, ops.index(operand), direction, unit != "bits")


def memory_roles(buffers) -> dict[str, str]:
    """Operand -> the role of the buffer that holds it (outputs fall back to activations)."""
    roles = {b.role for b in buffers}
    return {op: op if op in roles else "activations" for op in OPERANDS}


def utilization(ideal_cycles: int, compute_cycles: int, cycles: int) -> dict[str, float]:
    """Mapping efficiency = ideal / compute cycles: the share of the datapath's peak the layer's
    work fills while it computes (lost to lanes, filters or tiles the layer's shape leaves idle,
    and to synchronisation); utilization = ideal / total cycles, which also counts memory stalls.
    ``ideal`` is the datapath's own peak rate applied to the layer's work (``LayerWork.ideal_cycles``)."""
    return {"mapping_efficiency": ideal_cycles / compute_cycles if compute_cycles else float("nan"),
            "utilization": ideal_cycles / cycles if cycles else float("nan")}


def long_table(frame) -> "pd.DataFrame":
    """The access columns of ``frame`` (``Result.per_layer()`` or ``totals()``) as tidy rows:
    layer, level, operand, direction, bits, accesses."""
    import pandas as pd
    rows = []
    for _, r in frame.iterrows():
        for col in frame.columns:
            if not col.endswith("_bits") or not _is_access(col):
                continue
            stem = col[:-len("_bits")]
            level_operand, direction = stem.rsplit("_", 1)
            level, operand = _split_level(level_operand)
            if pd.isna(r[col]):
                continue
            rows.append({"layer": r.get("layer", "total"), "level": level, "operand": operand,
                         "direction": direction, "bits": int(r[col]),
                         "accesses": int(r[f"{stem}_accesses"])})
    return pd.DataFrame(rows, columns=["layer", "level", "operand", "direction", "bits", "accesses"])


def _is_access(col: str) -> bool:
    return col.endswith(("_read_bits", "_write_bits")) and any(f"_{op}_" in col for op in OPERANDS + ("inputs", "mixed"))


def _split_level(level_operand: str) -> tuple[str, str]:
    for op in OPERANDS + ("inputs", "mixed"):
        if level_operand.endswith("_" + op):
            return level_operand[:-len(op) - 1], op
    raise ValueError(level_operand)
