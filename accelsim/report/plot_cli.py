"""``accelsim plot RESULTS... --kind KIND -o FIG``: a figure of sweep stores and run output files."""
from __future__ import annotations

from pathlib import Path

from accelsim.errors import SpecError

FORMATS = (".png", ".svg", ".pdf")


def add_commands(sub) -> None:
    # The kinds are checked by figures.figure: importing it here would load matplotlib for
    # every command (tests/test_cli_help.py checks this list against figures.KINDS).
    p = sub.add_parser("plot", help="plot a sweep store or a run output (speedup, energy, area, ...)")
    p.add_argument("results", nargs="+", help="sweep results folders, or .csv/.json/.parquet files from "
                                              "'accelsim run -o'; several are drawn in one figure")
    p.add_argument("--kind", "-k", required=True, metavar="{speedup,energy,area,breakdown,pareto,layers}",
                   help="speedup / energy (efficiency over the baseline) bars per network, energy "
                        "breakdown by component, area breakdown, Pareto front, or per-layer speedup "
                        "and energy of a run")
    p.add_argument("--by", help="column that labels (bars) or colours (pareto) the designs, e.g. "
                                "datapath.params.group_size (default: design, every non-workload axis)")
    p.add_argument("--x", default="cycles", help="pareto: column along x, minimised (speedup, "
                                                 "efficiencies and SQNRs maximised; default cycles)")
    p.add_argument("--y", default="energy_J", help="pareto: column along y, as --x (default energy_J)")
    p.add_argument("--output", "-o", required=True, help="figure file: .png, .svg or .pdf")
    p.set_defaults(func=cmd_plot)


def cmd_plot(args) -> int:
    from accelsim.report import figures, tables
    out = Path(args.output)
    if out.suffix.lower() not in FORMATS:
        raise SpecError("--output", "", "a .png, .svg or .pdf file name", args.output)
    for flag, given in (("--x", args.x != "cycles"), ("--y", args.y != "energy_J")):
        if given and args.kind != "pareto":           # else dropped without a word
            raise SpecError(flag, "", message="only used with --kind pareto")
    df = tables.load_many(args.results)
    if df.empty:
        raise SpecError(", ".join(args.results), "", message="no finished points to plot yet")
    options = {"x": args.x, "y": args.y} if args.kind == "pareto" else {}
    fig = figures.figure(args.kind, df, by=args.by, **options)
    try:
        fig.savefig(out, dpi=150)
    except OSError as exc:
        raise SpecError(str(out), "", message=f"cannot write: {exc.strerror or exc}") from None
    return 0
