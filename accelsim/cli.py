"""The ``accelsim`` command: run | list | validate (and the commands other modules add).

User errors (SpecError) print as one line, ``error: file: key: expected ..., got ...``, and exit
with status 2; a datapath that asks for a price the tables lack exits 1 with one line too, and so
does a command whose optional dependency is not installed (naming the extra that provides it).
Heavy imports (pandas, SimPy, matplotlib, Dask) happen inside the commands that use them, so that
``accelsim list`` and ``--help`` start fast (benchmarks/bench_startup.py).
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from accelsim import __version__, bundled
from accelsim.cost.tables import MissingPrice
from accelsim.errors import SpecError
from accelsim.extras import missing_extra

DESCRIPTION = """\
Cycle-level simulator of deep-learning accelerators: how many cycles, how much energy and area a
datapath design takes on real network layers, against a baseline design."""

EPILOG = """\
ARCH and WORKLOAD are YAML files or the names of bundled ones (`accelsim list`), e.g.
  accelsim run stripes alexnet --baseline dadn
  accelsim run my_arch.yaml workloads/vgg16.yaml -o results.csv
  accelsim validate --only Stripes
`accelsim COMMAND --help` describes each command."""


def _check_swapped(arch: str, workload: str) -> None:
    """After a failed load: name a pair given the wrong way round as such."""
    if _kind_of(arch) == "workload" and _kind_of(workload) == "arch":
        raise SpecError("run", "", message=f"ARCH and WORKLOAD look swapped: '{arch}' is a workload "
                        f"and '{workload}' an architecture; try `accelsim run {workload} {arch}`")


def _kind_of(text: str) -> str | None:
    """'arch' or 'workload' when ``text`` names a bundled one or a YAML file that looks like one."""
    import yaml
    for what in ("arch", "workload"):
        if not bundled.looks_like_path(text) and (bundled.folder(what) / f"{text}.yaml").is_file():
            return what
    try:
        with open(text, encoding="utf-8") as f:
            top = yaml.safe_load(f)
    except (OSError, ValueError, RecursionError, yaml.YAMLError):
        return None
    if not isinstance(top, dict):
        return None
    return "arch" if "datapath" in top else "workload" if "layers" in top or "base" in top else None


def cmd_run(args) -> int:
    from accelsim.engine.simulate import simulate
    from accelsim.spec.arch import load_arch
    from accelsim.spec.workload import load_workload
    from accelsim.report import text

    if args.output and Path(args.output).suffix not in (".csv", ".json", ".parquet"):
        raise SpecError("--output", "", "a .csv, .json or .parquet file name", args.output)
    if args.output and not Path(args.output).resolve().parent.is_dir():
        raise SpecError(args.output, "", message="cannot write: its folder does not exist")
    if args.output and Path(args.output).is_dir():     # said only after simulating
        raise SpecError(args.output, "", message="cannot write: is a directory")
    if args.output and Path(args.output).suffix == ".parquet":
        __import__("pyarrow")           # a missing extra is reported before simulating
    try:
        arch = load_arch(bundled.resolve("arch", args.arch))
        workload = load_workload(bundled.resolve("workload", args.workload))
    except SpecError:
        _check_swapped(args.arch, args.workload)
        raise
    base_arch = load_arch(bundled.resolve("arch", args.baseline, "--baseline")) if args.baseline else None
    if args.layers is not None:
        names = [n.strip() for n in args.layers.split(",") if n.strip()]
        if not names:
            raise SpecError("--layers", "", "comma-separated layer names", args.layers)
        workload = workload.select(names)
    show = not args.quiet and sys.stderr.isatty()
    sample = None
    if args.sample is None and args.sample_seed != 0:    # else dropped without a word
        raise SpecError("--sample-seed", "", message="only used with --sample")
    if args.sample is not None:
        if not 0 < args.sample <= 1:
            raise SpecError("--sample", "", "a fraction in (0, 1]", args.sample)
        if not 0 <= args.sample_seed < 2**63:
            raise SpecError("--sample-seed", "", "an integer >= 0", args.sample_seed)
        from accelsim.engine.sampling import Sampling
        sample = Sampling(args.sample, args.sample_seed)
    result = simulate(arch, workload, progress=_progress(arch.name) if show else None, sample=sample)
    baseline = comparison = None
    if base_arch is not None:
        baseline = simulate(base_arch, workload, progress=_progress(base_arch.name) if show else None,
                            sample=sample)
        comparison = result.compare(baseline)
    notes = result.notes + (baseline.notes if baseline is not None else ())
    if baseline is not None:
        from accelsim.results.compare import mismatch
        notes += (mismatch(result, baseline),) if mismatch(result, baseline) else ()
    for note in dict.fromkeys(notes):
        print(f"warning: {note}", file=sys.stderr)
    if not args.quiet:
        print(text.layer_table(result, comparison))
        print()
        print(text.summary(result, comparison, baseline))
        if args.breakdown:
            print()
            print("energy and area by component (whole workload)")
            print(text.breakdown_table(result))
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


def _progress(arch: str):
    """A progress line naming the design, so the baseline's pass reads as its own."""
    def show(done: int, total: int, name: str) -> None:
        end = "\n" if done == total else ""
        print(f"\r  {arch}: layer {done}/{total} {name[:40]:40s}", end=end, file=sys.stderr, flush=True)
    return show


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
    # the design's figures on every row, not only the total's: a layer row read alone is complete
    df["datapath"], df["node_nm"], df["frequency_hz"] = result.datapath, result.node_nm, result.frequency_hz
    # The total row leaves per-layer figures (bit widths) empty: keep the rest integers, not 8.0.
    df = df.astype({c: "Int64" for c in integers})
    try:
        if path.suffix == ".csv":
            df.to_csv(path, index=False)
        elif path.suffix == ".json":
            _write_json(df, path)
        else:
            df.to_parquet(path, index=False)
    except OSError as exc:
        raise SpecError(str(path), "", message=f"cannot write: {exc.strerror or exc}") from None


def _write_json(df, path: Path) -> None:
    """Records with every float at full precision (Python's shortest round-trip repr), where
    pandas' to_json rounds to 10 significant digits (values below 5e-11 J become 0). Strict JSON:
    an infinite figure (the SQNR of a format that adds no error) is null, as pandas writes it."""
    import json
    import math

    def plain(v):
        v = v.item() if hasattr(v, "item") else v
        return None if isinstance(v, float) and not math.isfinite(v) else v
    records = [{k: plain(v) for k, v in row.items()}
               for row in df.astype(object).where(df.notna(), None).to_dict(orient="records")]
    text = json.dumps(records, indent=1, allow_nan=False, default=str)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def cmd_list(args) -> int:
    from accelsim.registry import catalog
    print("datapath kinds:")
    kinds = catalog()
    width = max(map(len, kinds))
    for kind, summary in kinds.items():
        # the docstrings cite the source checkout's docs; an installed package shows them by `refs`
        summary = summary.replace("docs/references.md#", "accelsim refs ")
        print(f"  {kind:{width}s} {summary if len(summary) <= 100 else summary[:97] + '...'}")
    for what in ("arch", "workload", "sweep"):
        path = bundled.folder(what)
        print(f"{bundled.FOLDERS[what]} ({path}):")
        for f in sorted(path.glob("*.yaml")):
            print(f"  {f.name}")
    return 0


def cmd_refs(args) -> int:
    print(bundled.reference(args.id))
    return 0


def cmd_validate(args) -> int:
    from accelsim.validation.registry import Runner, targets
    every = targets()
    designs = sorted({t.design for t in every})
    asked = [d.strip() for d in (args.only or "").split(",") if d.strip()]
    if args.only is not None and not asked:
        raise SpecError("--only", "", f"design names from {', '.join(designs)}", args.only)
    unknown = [d for d in asked if d.lower() not in {k.lower() for k in designs}]
    if unknown:
        raise SpecError("--only", "", f"design names from {', '.join(designs)}", ",".join(unknown))
    wanted = {d.lower() for d in asked}
    chosen = [t for t in every if not wanted or t.design.lower() in wanted]
    say = (lambda msg: print(f"  {msg}", file=sys.stderr, flush=True)) if not args.quiet else None
    runner = Runner(progress=say)
    failed = 0
    # columns as wide as the longest design and metric chosen, so the figures line up
    dw = max(12, *(len(t.design) for t in chosen))
    mw = max(44, *(len(t.metric) for t in chosen))
    print(f"{'design':{dw}s} {'metric':{mw}s} {'published':>10s} {'simulated':>10s} {'tol':>5s}  result")
    for t in chosen:
        m = t.measure(runner)
        ok = t.check(m)
        failed += not ok
        print(f"{t.design:{dw}s} {t.metric:{mw}s} {t.published:10.3f} {m.value:10.3f} {t.tolerance:5.0%}  "
              f"{'pass' if ok else 'MISS'}" + (f"  [energy scope: {t.scope}]" if t.scope else ""))
        for name, value in m.details.items():
            print(f"{'':{dw}s}   {name:{mw - 3}s} {'':10s} {value:10.3f}")
    print(f"{len(chosen) - failed} of {len(chosen)} targets within tolerance")
    return 0 if args.allow_miss or not failed else 1


class _Parser(argparse.ArgumentParser):
    """argparse with every usage error on one line, like the spec errors (exit status 2)."""

    def error(self, message: str):
        self.exit(2, f"error: {self.prog}: {' '.join(message.split())} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="accelsim", description=DESCRIPTION, epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action="version", version=f"accelsim {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    r = sub.add_parser("run", help="simulate a workload on an architecture",
                       description="Simulate WORKLOAD on ARCH and print per-layer and total cycles, "
                       "time, energy and area (and speedup / energy efficiency with --baseline).")
    r.add_argument("arch", metavar="ARCH",
                   help="architecture YAML file, or a bundled name such as 'stripes' (see list)")
    r.add_argument("workload", metavar="WORKLOAD",
                   help="workload YAML file, or a bundled name such as 'alexnet' (see list)")
    r.add_argument("--baseline", metavar="ARCH",
                   help="architecture (file or bundled name) to compare against: speedup and "
                   "energy efficiency per layer and in total (default: no comparison)")
    r.add_argument("--output", "-o", metavar="FILE",
                   help="also write per-layer and total results to FILE: .csv, .json, or .parquet "
                   "(needs the 'parquet' extra) (default: print only)")
    r.add_argument("--layers", metavar="A,B,...",
                   help="comma-separated layer names to simulate (default: every layer)")
    r.add_argument("--breakdown", action="store_true",
                   help="also print energy and area by component, with registers, clock tree and "
                   "wires as their own rows (default: off)")
    r.add_argument("--potentials", action="store_true",
                   help="also print the ideal work reduction (bit-products vs 16x16 per MAC) "
                   "(default: off)")
    r.add_argument("--report", action="append", default=[], choices=("accesses", "potentials"),
                   help="also print a report: 'accesses' = reads and writes per memory level and "
                        "operand with utilization per layer; 'potentials' = as --potentials; "
                        "repeatable (default: none)")
    r.add_argument("--sample", type=float, metavar="FRACTION",
                   help="simulate a seeded fraction in (0, 1] of each layer's windows and scale "
                   "up, printing the estimate's standard error (default: simulate every window)")
    r.add_argument("--sample-seed", type=int, default=0, metavar="N",
                   help="seed that picks the sampled windows (default: 0)")
    r.add_argument("--quiet", "-q", action="store_true",
                   help="print nothing but errors and warnings (default: off)")
    r.set_defaults(func=cmd_run)

    l = sub.add_parser("list", help="datapath kinds, bundled architectures, workloads and sweeps",
                       description="List the datapath kinds and the bundled architecture, "
                       "workload and sweep files (their names work wherever a file is expected).")
    l.set_defaults(func=cmd_list)

    f = sub.add_parser("refs", help="where a figure, configuration value or price comes from",
                       description="Print an entry of the project's references (source, value, "
                       "confidence: V verified, S secondary, R recalled, A assumption, E "
                       "extrapolation), or every entry's id and source without ID.")
    f.add_argument("id", nargs="?", help="an entry id, e.g. stripes, dadiannao-node-layout "
                   "(default: list them)")
    f.set_defaults(func=cmd_refs)

    v = sub.add_parser("validate", help="simulate the published targets and compare",
                       description="Simulate every published figure accelsim checks itself against, "
                       "with the paper's configuration, and print published vs simulated with the "
                       "tolerance. Exit status 1 when a target misses.")
    v.add_argument("--only", metavar="DESIGN,...",
                   help="comma-separated design names, e.g. Stripes,Loom; an unknown name is an "
                   "error (default: every design)")
    v.add_argument("--allow-miss", action="store_true",
                   help="exit 0 even when a target misses (default: exit 1)")
    v.add_argument("--quiet", "-q", action="store_true",
                   help="no progress lines on stderr (default: off)")
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
    for stream in (sys.stdout, sys.stderr):
        # A terminal or pipe that cannot encode a character (an ASCII or Latin-1 locale; a file
        # name or summary with one) shows it escaped rather than ending the command in a traceback.
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SpecError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except MissingPrice as err:
        print(f"error: cost model: {err}", file=sys.stderr)
        return 1
    except ImportError as err:
        line = missing_extra(err)
        if line is None:
            raise
        print(f"error: {line}", file=sys.stderr)
        return 1
    except MemoryError as err:
        # Past the up-front estimate (engine.budget covers value-level layers only): one line.
        why = " ".join(str(err).split()) or "out of memory"
        print(f"error: the simulation ran out of memory ({why}); simulate smaller layers or a "
              "shape-level design", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into e.g. `head`, which stopped reading: not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
