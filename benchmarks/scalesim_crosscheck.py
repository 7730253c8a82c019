"""Cross-check accelsim's systolic datapath against SCALE-Sim on ResNet-50's distinct layers.

    python benchmarks/scalesim_crosscheck.py                 # both sides, writes the CSV
    python benchmarks/scalesim_crosscheck.py --dataflow ws   # one dataflow (default: ws os is)
    python benchmarks/scalesim_crosscheck.py --scalesim-only # only (re)run missing SCALE-Sim layers
    python benchmarks/scalesim_crosscheck.py --accelsim-only # reuse SCALE-Sim figures in the CSV

SCALE-Sim runs in its own virtual environment (never a dependency of accelsim):
``python3 -m venv /work/scalesim-venv && /work/scalesim-venv/bin/pip install "numpy<2" scalesim``.
Each distinct layer shape runs in its own SCALE-Sim process (its memory grows with the number of
layers kept) through the Python API with ``save_disk_space=True`` (the CLI writes per-cycle traces
whatever its flags say). Both simulators see the same topology rows: accelsim's SCALE-Sim export
(padding folded into the IFMAP, only the rows the windows read). Results of finished layers are
kept in the work folder, so an interrupted run resumes.
"""
from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT_CSV = ROOT / "benchmarks" / "scalesim_crosscheck.csv"

CONFIG = """[general]
run_name = {name}

[architecture_presets]
ArrayHeight : {rows}
ArrayWidth : {cols}
IfmapSramSzkB : {sram_kib}
FilterSramSzkB : {sram_kib}
OfmapSramSzkB : {sram_kib}
IfmapOffset : 0
FilterOffset : 10000000
OfmapOffset : 20000000
Bandwidth : 10
Dataflow : {dataflow}
MemoryBanks : 1
ReadRequestBuffer : 32
WriteRequestBuffer : 32

[layout]
IfmapCustomLayout : False
IfmapSRAMBankBandwidth : 10
IfmapSRAMBankNum : 1
IfmapSRAMBankPort : 2
FilterCustomLayout : False
FilterSRAMBankBandwidth : 10
FilterSRAMBankNum : 1
FilterSRAMBankPort : 2

[sparsity]
SparsitySupport : false
SparseRep : ellpack_block
OptimizedMapping : false
BlockSize : 8
RandomNumberGeneratorSeed : 40

[run_presets]
InterfaceBandwidth : CALC
UseRamulatorTrace : False
"""

# Runs inside the SCALE-Sim venv: one layer, no traces, reports into argv[4].
DRIVER = """
import sys
from scalesim.scale_sim import scalesim
sim = scalesim(save_disk_space=True, verbose=False, config=sys.argv[1], topology=sys.argv[2],
               layout=sys.argv[3], input_type_gemm=False)
sim.run_scale(top_path=sys.argv[4])
"""


def distinct_layers(workload):
    """First layer of each distinct shape, in network order, with how often the shape occurs."""
    first, count = {}, {}
    for layer in workload.layers:
        key = (layer.kind, layer.shape)
        first.setdefault(key, layer)
        count[key] = count.get(key, 0) + 1
    return [(layer, count[key]) for key, layer in first.items()]


def run_scalesim(workload, chosen, venv: Path, work: Path, rows: int, cols: int, sram_kib: int,
                 dataflow: str) -> dict[str, dict]:
    from accelsim.workload.importers.scalesim import export_topology
    python = venv / "bin" / "python"
    out = {}
    for layer, _ in chosen:
        folder = work / layer.name
        report = folder / "run" / "COMPUTE_REPORT.csv"
        if not report.exists() and python.exists():
            folder.mkdir(parents=True, exist_ok=True)
            topo, _ = export_topology(workload.select([layer.name]), form="conv")
            (folder / "topology.csv").write_text(topo)
            (folder / "layout.csv").write_text(  # opened by SCALE-Sim even with layouts off
                "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels,"
                " Num Filter, Strides,\n")
            (folder / "scale.cfg").write_text(CONFIG.format(name="run", rows=rows, cols=cols,
                                                            sram_kib=sram_kib, dataflow=dataflow))
            start = time.perf_counter()
            cpu0 = _children_cpu()
            done = subprocess.run(
                ["nice", "-n", "10", str(python), "-c", DRIVER, str(folder / "scale.cfg"),
                 str(folder / "topology.csv"), str(folder / "layout.csv"), str(folder)],
                capture_output=True, text=True)
            if done.returncode != 0 or not report.exists():
                print(f"SCALE-Sim failed on {layer.name}:\n{done.stderr[-2000:]}", file=sys.stderr)
                continue
            (folder / "time.txt").write_text(
                f"{time.perf_counter() - start:.1f} {_children_cpu() - cpu0:.1f}\n")
            print(f"  SCALE-Sim {layer.name}: {time.perf_counter() - start:.0f} s", flush=True)
        if report.exists():
            with report.open() as f:
                rec = list(csv.reader(f, skipinitialspace=True))[1]
            wall, cpu = (folder / "time.txt").read_text().split()
            out[layer.name] = {"scalesim_cycles_incl_prefetch": int(float(rec[1])),
                               "scalesim_cycles": int(float(rec[2])),
                               "scalesim_stalls": int(float(rec[3])),
                               "scalesim_mapping_eff_pct": float(rec[5]),
                               "scalesim_cpu_s": float(cpu)}
    return out


def _children_cpu() -> float:
    import resource
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def accelsim_cycles(chosen, arch_path: Path) -> dict[str, dict]:
    from accelsim.datapaths.base import get
    from accelsim.spec.arch import load_arch
    from accelsim.workload.trace import build_trace
    arch = load_arch(arch_path)
    dp = get(arch.datapath.kind)(arch.datapath.params, arch)
    out = {}
    for layer, _ in chosen:
        work = dp.run(build_trace(layer, _Shapes, 0))
        out[layer.name] = {"accelsim_cycles": int(work.compute_cycles.sum()),
                           "accelsim_folds": int(work.extra.get("folds", 0))}
    return out


class _Shapes:
    """Only the seed and file of a workload are used by build_trace; values do not change the
    cycles of a dense systolic array."""
    seed, file = 0, "resnet50.yaml"


def previous(path: Path) -> dict[tuple[str, str], dict]:
    if not path.exists():
        return {}
    with path.open() as f:
        return {(r["dataflow"], r["layer"]): r for r in csv.DictReader(f)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--workload", default=str(ROOT / "workloads" / "resnet50.yaml"))
    p.add_argument("--dataflow", nargs="+", choices=("ws", "os", "is"), default=["ws", "os", "is"])
    p.add_argument("--venv", default="/work/scalesim-venv")
    p.add_argument("--work", default="/tmp/scalesim_crosscheck")
    p.add_argument("--scalesim-only", action="store_true")
    p.add_argument("--accelsim-only", action="store_true")
    a = p.parse_args(argv)
    from accelsim.spec.workload import load_workload
    workload = load_workload(a.workload)
    chosen = distinct_layers(workload)
    print(f"{len(workload.layers)} layers, {len(chosen)} distinct shapes", flush=True)
    old = previous(OUT_CSV)
    rows = [r for key, r in old.items() if key[0] not in a.dataflow]
    for df in a.dataflow:
        if a.accelsim_only:
            sc = {n: {k: v for k, v in r.items() if k.startswith("scalesim_")}
                  for (d, n), r in old.items() if d == df}
        else:
            sc = run_scalesim(workload, chosen, Path(a.venv), Path(a.work) / df, 32, 32, 64, df)
        if a.scalesim_only:
            continue
        arch = ROOT / "arch_configs" / f"systolic_32x32_{df}.yaml"
        rows += compare(df, chosen, sc, accelsim_cycles(chosen, arch))
    if not a.scalesim_only:
        write(rows)
    return 0


def compare(dataflow: str, chosen, sc, acc) -> list[dict]:
    rows = []
    tot = {"macs": 0, "scalesim_cycles": 0, "accelsim_cycles": 0}
    for layer, count in chosen:
        s = layer.shape
        row = {"dataflow": dataflow, "layer": layer.name, "count": count, "C": s.c, "K": s.k,
               "R": s.r, "S": s.s, "stride": s.stride_h,
               "ifmap_padded": (s.out_h - 1) * s.stride_h + s.r, "out": s.out_h, "macs": s.macs}
        row.update(sc.get(layer.name, {}))
        row.update(acc[layer.name])
        if row.get("scalesim_cycles") not in ("", None):
            ref = int(row["scalesim_cycles"])
            row["diff_pct"] = round(100.0 * (row["accelsim_cycles"] - ref) / ref, 4)
            tot["scalesim_cycles"] += count * ref
        tot["macs"] += count * s.macs
        tot["accelsim_cycles"] += count * row["accelsim_cycles"]
        rows.append(row)
    total = {"dataflow": dataflow, "layer": "total (x count)", "count": sum(c for _, c in chosen),
             **tot}
    if tot["scalesim_cycles"]:
        total["diff_pct"] = round(100.0 * (tot["accelsim_cycles"] - tot["scalesim_cycles"])
                                  / tot["scalesim_cycles"], 4)
    worst = max((abs(float(r["diff_pct"])) for r in rows if r.get("diff_pct") not in ("", None)),
                default=float("nan"))
    print(f"{dataflow}: worst per-layer difference {worst:.4f} %; ResNet-50 (x count) SCALE-Sim "
          f"{tot['scalesim_cycles']:,} vs accelsim {tot['accelsim_cycles']:,} cycles")
    return rows + [total]


def write(rows: list[dict]) -> None:
    order = {"ws": 0, "os": 1, "is": 2}
    rows = sorted(rows, key=lambda r: order[r["dataflow"]])     # stable: layer order kept
    fields = list(dict.fromkeys(k for r in rows for k in r))
    with OUT_CSV.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {OUT_CSV}")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
