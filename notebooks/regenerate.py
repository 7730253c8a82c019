"""Execute the notebooks top to bottom, save them with their outputs, and redraw the README figures.

    python notebooks/regenerate.py                # every notebook at full size, then docs/img/*.png
    python notebooks/regenerate.py 02 04          # the notebooks whose names start with 02 and 04
    python notebooks/regenerate.py --small        # reduced sizes (seconds): a quick check
    python notebooks/regenerate.py --figures      # only the README figures

Simulated results go to resumable sweep stores under ``--store`` (default: a folder in the
temporary directory), so a second run after an interruption only simulates what is missing; use a
fresh ``--store`` after the model changes. Cells run without a time limit. Needs nbclient and
ipykernel (the ``notebooks`` extra).
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
IMAGES = ROOT / "docs" / "img"


def execute(path: Path, small: bool, store: Path) -> float:
    """Run one notebook in its folder and write it back with its outputs; returns seconds."""
    import nbclient
    import nbformat
    os.environ["ACCELSIM_NOTEBOOK_SMALL"] = "1" if small else "0"
    os.environ["ACCELSIM_NOTEBOOK_STORE"] = str(store)
    book = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    # No per-cell timing metadata: re-running changes only what the results change.
    nbclient.NotebookClient(book, timeout=None, kernel_name="python3", record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(book, path)
    return time.perf_counter() - start


def readme_figures(store: Path, out: Path = IMAGES) -> list[Path]:
    """The figures the README shows: per-layer speedup and energy efficiency of Stripes and Dynamic
    Stripes over DaDN on AlexNet (two run outputs in one figure), and the bundled design-space
    sweep's Pareto front."""
    import accelsim
    from accelsim.cli import main
    from accelsim.report import figures as report_figures
    out.mkdir(parents=True, exist_ok=True)
    runs = []
    for design in ("stripes", "dstripes"):
        csv = store / f"{design}_alexnet.csv"
        code = main(["run", str(ROOT / "arch_configs" / f"{design}.yaml"), str(ROOT / "workloads" / "alexnet.yaml"),
                     "--baseline", str(ROOT / "arch_configs" / "dadn.yaml"), "-q", "-o", str(csv)])
        if code:
            raise SystemExit(f"accelsim run {design} failed ({code})")
        runs.append(csv)
    figures = {"layers_stripes_dstripes_alexnet.png": report_figures.figure("layers", runs)}
    report = accelsim.run_sweep(ROOT / "arch_configs" / "sweeps" / "dstripes_space.yaml",
                                store / "dstripes-space", workers=1)
    figures["pareto_dstripes_space.png"] = report_figures.figure("pareto", report.store)
    written = []
    for name, fig in figures.items():
        fig.savefig(out / name, dpi=110)
        written.append(out / name)
    return written


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("only", nargs="*", help="notebook name prefixes (default: all)")
    ap.add_argument("--small", action="store_true", help="reduced sizes (ACCELSIM_NOTEBOOK_SMALL=1)")
    ap.add_argument("--figures", action="store_true", help="only redraw the README figures")
    ap.add_argument("--store", type=Path, default=Path(tempfile.gettempdir()) / "accelsim-notebooks",
                    help="folder for the resumable sweep stores")
    args = ap.parse_args(argv)
    args.store.mkdir(parents=True, exist_ok=True)
    if not args.figures:
        books = [p for p in sorted(HERE.glob("*.ipynb"))
                 if not args.only or any(p.name.startswith(o) for o in args.only)]
        if not books:
            print(f"no notebook starts with {', '.join(args.only)}", file=sys.stderr)
            return 2
        for path in books:
            print(f"{path.name}: running...", flush=True)
            print(f"{path.name}: {execute(path, args.small, args.store):.0f} s, outputs saved", flush=True)
    if args.figures or not args.only:
        for path in readme_figures(args.store):
            print(f"wrote {path.relative_to(ROOT)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
