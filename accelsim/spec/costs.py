"""The ``costs:`` section of an arch file -> ``cost.overrides.UserPrices`` (see that module).

A user cost table has the bundled tables' schema (``accelsim/cost/data/*.yaml``): ``name: {value,
unit, node_nm, source, conf}``. Each entry must replace a bundled entry of the same name, in the
same unit and at the same node (the cost classes scale from the node a bundled entry is priced at),
so a typo or a unit slip is an input error rather than a price silently ignored.
"""
from __future__ import annotations

import difflib
from pathlib import Path

from accelsim.cost.overrides import PartPrice, UserPrices
from accelsim.errors import SpecError
from accelsim.spec.reader import Reader, load_yaml

ENERGY_LIMIT_PJ = 1e9            # 1 mJ per action: anything above is a unit slip
DIRECTIONS = ("read", "write")


def read_costs(r: Reader) -> UserPrices:
    """Read an arch's ``costs`` mapping (already a Reader over it)."""
    table, entries, ram_table, ram = "", (), "", ()
    if r.has("table"):
        path = _beside(r, "table")
        table, entries = str(path), read_table(path)
    if r.has("ram_table"):
        path = _beside(r, "ram_table")
        ram_table, ram = str(path), read_ram_table(path)
    parts = []
    pr = r.sub("parts", {})
    for name in pr.data:
        parts.append(_part(pr.sub(str(name)), str(name)))
    pr.done()
    r.done()
    return UserPrices(file=r.file, table=table, entries=entries, parts=tuple(parts),
                      ram_table=ram_table, ram=ram)


def _beside(r: Reader, key: str) -> Path:
    """A file named by ``key``, relative to the arch file's folder."""
    name = r.string(key)
    path = Path(name) if Path(name).is_absolute() else Path(r.file).parent / name
    if not path.exists():           # named here, against the arch file that asks for it
        raise SpecError(r.file, r.key(key), message=f"file not found: {name}")
    return path


def _part(r: Reader, name: str) -> PartPrice:
    source = r.string("source")
    energy = r.sub("energy_pj", {})
    per_action = tuple((str(a), energy.number(str(a), lo=0.0, hi=ENERGY_LIMIT_PJ)) for a in energy.data)
    energy.done()
    per_access = tuple((d, r.number(f"{d}_pj_per_access", lo=0.0, hi=ENERGY_LIMIT_PJ))
                       for d in DIRECTIONS if r.has(f"{d}_pj_per_access"))
    for d, _ in per_access:
        if f"{d}_bits" in dict(per_action):
            raise r.error(f"{d}_pj_per_access", f"one price for {d}s (energy_pj.{d}_bits is also given)",
                          "both")
    area = r.number("area_mm2", lo=0.0) if r.has("area_mm2") else None
    leakage = r.number("leakage_mw", lo=0.0) if r.has("leakage_mw") else None
    r.done()
    if not (per_action or per_access) and area is None and leakage is None:
        raise SpecError(r.file, r.path, message="no price given (energy_pj, read_pj_per_access, "
                        "write_pj_per_access, area_mm2 or leakage_mw)")
    return PartPrice(name, source, per_action, per_access, area, leakage)


RAM_CELLS = ("sram", "edram")          # the buffer kinds priced from the RAM tables
RAM_COLUMNS = ("cell", "node_nm", "capacity_bytes", "width_bits", "read_pj", "write_pj", "area_mm2",
               "leakage_mw")


def read_ram_table(path: Path) -> tuple:
    """A CSV in the schema of ``cost/data/cacti_ram.csv`` (``#`` lines are comments): one bank per
    row, energies per access in pJ, area in mm^2, leakage in mW (refresh included for eDRAM)."""
    import csv
    from accelsim.cost.overrides import RamRow
    if not path.is_file():
        raise SpecError(str(path), "", message="file not found")
    try:
        lines = [line for line in path.read_text().splitlines() if not line.startswith("#")]
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(str(path), "", message=f"cannot read file ({exc.__class__.__name__})") from None
    reader = csv.DictReader(lines)
    if tuple(reader.fieldnames or ()) != RAM_COLUMNS:
        raise SpecError(str(path), "header", ",".join(RAM_COLUMNS), ",".join(reader.fieldnames or ()))
    rows = []
    for i, raw in enumerate(reader, start=1):
        where = f"row {i}"
        if raw["cell"] not in RAM_CELLS:
            raise SpecError(str(path), f"{where}.cell", "one of " + ", ".join(RAM_CELLS), raw["cell"])
        values = {}
        for col in RAM_COLUMNS[1:]:
            try:
                values[col] = (int if col in RAM_COLUMNS[1:4] else float)(raw[col])
            except (TypeError, ValueError):
                values[col] = None
            if values[col] is None or not values[col] >= 0 or values[col] == float("inf"):
                kind = "an integer" if col in RAM_COLUMNS[1:4] else "a number"
                raise SpecError(str(path), f"{where}.{col}", f"{kind} >= 0", raw[col])
        rows.append(RamRow(raw["cell"], **values))
    if not rows:
        raise SpecError(str(path), "", message="the RAM table has no rows")
    return tuple(rows)


def read_table(path: Path) -> tuple:
    from accelsim.cost.tables import CONFIDENCE, REQUIRED, Entry, entries
    bundled = entries()
    top = Reader(load_yaml(path), str(path))
    out = []
    for name in top.data:
        name = str(name)
        if name not in bundled:
            close = difflib.get_close_matches(name, list(bundled), n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            raise SpecError(str(path), name, message=f"no bundled cost entry of that name{hint}")
        e, base = top.sub(name), bundled[name]
        value = e.raw("value")
        if isinstance(base.value, (int, float)):
            value = e.number("value", lo=0.0)
        elif type(value) is not type(base.value):
            raise e.error("value", f"a {type(base.value).__name__} like the bundled entry", value)
        unit = e.string("unit")
        if unit != base.unit:
            raise e.error("unit", f"'{base.unit}' (the bundled entry's unit)", unit)
        node = e.number("node_nm")
        if node != base.node_nm:
            raise e.error("node_nm", f"{base.node_nm:g} (the node accelsim scales this entry from)", node)
        source = e.string("source")
        conf = e.choice("conf", CONFIDENCE)
        extra = tuple((k, e.raw(k)) for k in e.data if k not in REQUIRED)
        e.known(*(k for k, _ in extra))
        e.done()
        out.append(Entry(name, value, unit, base.node_nm, source, conf, f"user:{path.name}", extra))
    top.done()
    if not out:
        raise SpecError(str(path), "", message="the cost table has no entries")
    return tuple(out)
