"""The ``accelsim`` command: run | list | validate (and the commands other modules add).

User errors (SpecError) print as one line, ``error: file: key: expected ..., got ...``, and exit
with status 2; a datapath that asks for a price the tables lack exits 1 with one line too.
"""
from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from accelsim.cost.tables import MissingPrice
from accelsim.errors import SpecError

ROOT = Path(__file__).resolve().parents[1]


def _bundled(folder: str) -> Path:
    """A bundled folder: the current directory's, else the one beside the installed package."""
    here = Path.cwd() / folder
    return here if here.is_dir() else ROOT / folder


def cmd_run(args) -> int:
    from accelsim.engine.simulate import simulate
    from accelsim.spec.arch import load_arch
    from accelsim.spec.workload import load_workload
    from accelsim.report import text

    if args.output and Path(args.output).suffix not in (".csv", ".json", ".parquet"):
        raise SpecError("--output", "", "a .csv, .json or .parquet file name", args.output)
    if args.output and not Path(args.output).resolve().parent.is_dir():
        raise SpecError(args.output, "", message="cannot write: its folder does not exist")
    arch = load_arch(args.arch)
    workload = load_workload(args.workload)
    base_arch = load_arch(args.baseline) if args.baseline else None
    if args.layers:
        workload = workload.select([n.strip() for n in args.layers.split(",") if n.strip()])
    progress = None if args.quiet or not sys.stderr.isatty() else _progress
    sample = None
    if args.sample is not None:
        if not 0 < args.sample <= 1:
            raise SpecError("--sample", "", "a fraction in (0, 1]", args.sample)
        from accelsim.engine.sampling import Sampling
        sample = Sampling(args.sample, args.sample_seed)
    result = simulate(arch, workload, progress=progress, sample=sample)
    baseline = comparison = None
    if base_arch is not None:
        baseline = simulate(base_arch, workload, progress=progress, sample=sample)
        comparison = result.compare(baseline)
    notes = result.notes + (baseline.notes if baseline is not None else ())
    if baseline is not None:
        from accelsim.report.compare import mismatch
        notes += (mismatch(result, baseline),) if mismatch(result, baseline) else ()
    for note in dict.fromkeys(notes):
        print(f"warning: {note}", file=sys.stderr)
    if not args.quiet:
        print(text.layer_table(result, comparison))
        print()
        print(text.summary(result, comparison, baseline))
        if args.potentials or "potentials" in args.report:
            print()
            print("potentials (ideal work reduction vs 16x16-bit MACs)")
            print(text.potentials_table(result))
        if "accesses" in args.report:
            print()
            print("memory accesses by level and operand (whole workload; DRAM accesses are 64-byte bursts)")
            print(text.access_table(result))
            print()
            print("utilization (ideal cycles at the datapath's peak / compute cycles, / all cycles)")
            print(text.utilization_table(result))
    if args.output:
        _write(result, comparison, Path(args.output))
    return 0


def _progress(done: int, total: int, name: str) -> None:
    end = "\n" if done == total else ""
    print(f"\r  layer {done}/{total} {name[:40]:40s}", end=end, file=sys.stderr, flush=True)


def _write(result, comparison, path: Path) -> None:
    df = result.per_layer()
    if comparison is not None:
        df = df.merge(comparison[["layer", "node_nm", "frequency_hz", "baseline", "baseline_node_nm",
                                  "baseline_frequency_hz", "speedup", "energy_efficiency"]],
                      on="layer", how="left")
    totals = result.totals()
    totals.insert(2, "layer", "total")
    if comparison is not None:
        total = comparison.set_index("layer").loc["total"]
        totals["baseline"] = total["baseline"]
        totals["baseline_node_nm"] = total["baseline_node_nm"]
        totals["baseline_frequency_hz"] = total["baseline_frequency_hz"]
        totals["speedup"], totals["energy_efficiency"] = total["speedup"], total["energy_efficiency"]
    integers = [c for c in df.columns if df[c].dtype.kind == "i"]
    df = __import__("pandas").concat([df, totals], ignore_index=True)
    # The total row leaves per-layer figures (bit widths) empty: keep the rest integers, not 8.0.
    df = df.astype({c: "Int64" for c in integers})
    try:
        if path.suffix == ".csv":
            df.to_csv(path, index=False)
        elif path.suffix == ".json":
            df.to_json(path, orient="records", indent=1)
        else:
            df.to_parquet(path, index=False)
    except OSError as exc:
        raise SpecError(str(path), "", message=f"cannot write: {exc.strerror or exc}") from None


def cmd_list(args) -> int:
    from accelsim.datapaths.base import registry
    print("datapath kinds:")
    for kind, cls in registry().items():
        doc = " ".join((sys.modules[cls.__module__].__doc__ or "").split())
        first = re.split(r"\.\s+(?=[A-Z])", doc)[0].rstrip(".")
        print(f"  {kind:14s} {first if len(first) <= 100 else first[:99] + '…'}")
    for folder in ("arch_configs", "workloads", "arch_configs/sweeps"):
        path = _bundled(folder)
        print(f"{folder} ({path}):")
        for f in sorted(path.glob("*.yaml")):
            print(f"  {f.name}")
    return 0


def cmd_validate(args) -> int:
    from accelsim.validation.registry import Runner, targets
    chosen = [t for t in targets() if not args.only or t.design.lower() in
              {d.strip().lower() for d in args.only.split(",")}]
    if not chosen:
        raise SpecError("--only", "", "a design with published targets", args.only)
    say = (lambda msg: print(f"  {msg}", file=sys.stderr, flush=True)) if not args.quiet else None
    runner = Runner(root=_bundled("arch_configs").parent, progress=say)
    failed = 0
    print(f"{'design':12s} {'metric':44s} {'published':>10s} {'simulated':>10s} {'tol':>5s}  result")
    for t in chosen:
        m = t.measure(runner)
        ok = t.check(m)
        failed += not ok
        print(f"{t.design:12s} {t.metric:44s} {t.published:10.3f} {m.value:10.3f} {t.tolerance:5.0%}  "
              f"{'pass' if ok else 'MISS'}")
        for name, value in m.details.items():
            print(f"{'':12s}   {name:41s} {'':10s} {value:10.3f}")
    print(f"{len(chosen) - failed} of {len(chosen)} targets within tolerance")
    return 0 if args.allow_miss or not failed else 1


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="accelsim", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="simulate a workload on an architecture")
    r.add_argument("arch")
    r.add_argument("workload")
    r.add_argument("--baseline", help="arch YAML to compare against (speedup, energy efficiency)")
    r.add_argument("--output", "-o", help="write per-layer and total results (.csv, .json, .parquet)")
    r.add_argument("--layers", help="comma-separated layer names to simulate")
    r.add_argument("--potentials", action="store_true",
                   help="also print the ideal work reduction (bit-products vs 16x16 per MAC)")
    r.add_argument("--report", action="append", default=[], choices=("accesses", "potentials"),
                   help="also print a report: 'accesses' = reads and writes per memory level and "
                        "operand with utilization per layer; 'potentials' = as --potentials")
    r.add_argument("--sample", type=float, metavar="FRACTION",
                   help="simulate a seeded fraction of each layer's windows and scale up")
    r.add_argument("--sample-seed", type=int, default=0)
    r.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")
    r.set_defaults(func=cmd_run)

    l = sub.add_parser("list", help="datapath kinds, bundled architectures and workloads")
    l.set_defaults(func=cmd_list)

    v = sub.add_parser("validate", help="simulate the published targets and compare")
    v.add_argument("--only", help="comma-separated design names (e.g. Stripes,Loom)")
    v.add_argument("--allow-miss", action="store_true", help="exit 0 even when a target misses")
    v.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    v.set_defaults(func=cmd_validate)

    for extend in _EXTENSIONS:
        extend(sub)
    return p


def _extensions():
    """Commands defined next to what they drive (sweep, plot, import, export)."""
    import importlib
    out = []
    for mod in ("accelsim.sweep.cli", "accelsim.report.plot_cli", "accelsim.workload.importers.cli",
                "accelsim.workload.operands_cli"):
        try:
            out.append(importlib.import_module(mod).add_commands)
        except ModuleNotFoundError as exc:
            if exc.name != mod:
                raise
    return out


_EXTENSIONS = _extensions()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SpecError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except MissingPrice as err:
        print(f"error: cost model: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into e.g. `head`, which stopped reading: not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
