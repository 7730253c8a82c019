"""``accelsim sweep SWEEP.yaml``: run a design-space sweep, with a progress bar on a terminal."""
from __future__ import annotations

import contextlib
import shlex
import signal
import sys
import threading
import time
from pathlib import Path

from accelsim.bundled import resolve
from accelsim.errors import SpecError


def add_commands(sub) -> None:
    s = sub.add_parser("sweep", help="run a design-space sweep (resumable; local processes or Dask)")
    s.add_argument("sweep", help="sweep YAML (base arch and workload, axes over dotted keys), or a "
                   "bundled sweep's name such as 'dstripes_space' (see list)")
    s.add_argument("--output", "-o", help="results folder (default: <sweep name>.sweep); a re-run "
                   "with the same folder computes only the points not yet in it")
    s.add_argument("--workers", "-j", type=int, help="local worker processes (default: one per core)")
    s.add_argument("--scheduler", help="address of a running Dask scheduler, e.g. tcp://host:8786; "
                   "needs the 'sweep' extra (default: local processes)")
    s.add_argument("--quiet", "-q", action="store_true",
                   help="print nothing but errors (default: a progress line and a summary)")
    s.set_defaults(func=cmd_sweep)


def cmd_sweep(args) -> int:
    if args.workers is not None and args.workers < 1:
        raise SpecError("--workers", "", "an integer >= 1", args.workers)
    if args.scheduler is not None and not args.scheduler.strip():
        raise SpecError("--scheduler", "", "a Dask scheduler address such as tcp://host:8786", "")
    if args.workers is not None and args.scheduler:
        raise SpecError("--workers", "", message="not used with --scheduler (the cluster has its own)")
    bar = None if args.quiet else ProgressLine(sys.stderr)
    got: list[int] = []
    try:
        with stop_on_signals(got):
            from accelsim.sweep.run import run_sweep     # seconds of imports: already covered
            report = run_sweep(_sweep_file(args), args.output, workers=args.workers,
                               scheduler=args.scheduler, progress=bar)
    except (Stopped, Exception):
        if not got:
            raise
        # A worker that the same signal reached before its handler was set up can surface first
        # (a broken pool): after a stop signal, whatever ends the run is that stop.
        if bar is not None:
            bar.close()
        print(f"interrupted by {signal.Signals(got[0]).name}: {_saved(args)}", file=sys.stderr)
        return 128 + got[0]
    finally:
        if bar is not None:
            bar.close()          # an error message starts on a line of its own
    for note in report.notes:
        print(f"warning: {note}", file=sys.stderr)
    if not args.quiet:
        rate = report.computed / report.seconds if report.seconds else 0.0
        print(f"sweep: {report.points} points, {report.computed} computed, {report.skipped} already "
              f"in the store ({report.workers}, {report.seconds:.1f} s, {rate:.2f} points/s)")
        print(f"layers: {report.layers_simulated} simulated, {report.layers_reused} reused (identical "
              f"layers within a point; {report.baselines_cached} baselines from a worker's cache)")
        print(f"results: {report.store}  (accelsim.load_sweep, accelsim plot)")
    return 0


class Stopped(BaseException):
    """SIGINT or SIGTERM arrived. A BaseException, like KeyboardInterrupt, so that no
    ``except Exception`` on the way out swallows it."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def stop_on_signals(got: list[int] | None = None):
    """The first SIGINT / SIGTERM raises Stopped in the main thread; any later ones are ignored,
    so a second Ctrl-C (or a scheduler signalling the process group repeatedly) cannot interrupt
    the clean-up that stops the workers and keeps the finished points. The signals received are
    appended to ``got``."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    got = [] if got is None else got

    def handler(signum, frame):
        if not got:
            got.append(signum)
            raise Stopped(signum)

    old = {s: signal.signal(s, handler) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            # Once stopping, the process is on its way out: a late signal must not cut the
            # message short or turn into a KeyboardInterrupt traceback.
            signal.signal(s, signal.SIG_IGN if got else h)


def _sweep_file(args) -> Path:
    """The SWEEP argument: a file, or a bundled sweep's name (`accelsim list`), as ARCH and WORKLOAD."""
    return resolve("sweep", args.sweep, "SWEEP")


def _saved(args) -> str:
    """How many points the store holds and how to resume, for the interruption message."""
    from accelsim.spec.sweep import load_sweep_spec
    from accelsim.sweep.store import Store, read_index
    try:
        store = Path(args.output) if args.output else Path(f"{load_sweep_spec(_sweep_file(args)).name}.sweep")
        _, index = read_index(store)
        done = Store(store).done() & {p["id"] for p in index["points"]}
    except SpecError:
        return "no results store was started"
    # quoted, so a path with a space pastes back as one argument
    again = shlex.join(["accelsim", "sweep", args.sweep] + (["-o", args.output] if args.output else []))
    return (f"{len(done)} of {len(index['points'])} points saved in {store}; run `{again}` again to "
            "compute the rest")


class ProgressLine:
    """Points done, rate and ETA: a redrawn bar on a terminal, else a plain line at most twice
    a second (and for the last point), so logs stay readable."""

    WIDTH = 28

    def __init__(self, stream):
        self.stream = stream
        self.tty = stream.isatty()
        self.last = 0.0
        self.drawn = False

    def __call__(self, p) -> None:
        now = time.monotonic()
        if not self.tty and p.done < p.total and now - self.last < 0.5:
            return
        self.last = now
        rate = p.done / p.elapsed if p.elapsed > 0 else 0.0
        eta = (p.total - p.done) / rate if rate > 0 else 0.0
        figures = (f"{p.done}/{p.total} points  {rate * 60:.0f}/min  ETA {_clock(eta)}  "
                   f"{p.design} on {p.workload}")
        if self.tty:
            fill = int(self.WIDTH * p.done / max(p.total, 1))
            bar = "#" * fill + "." * (self.WIDTH - fill)
            self.stream.write(f"\r[{bar}] {figures[:90]:90s}")
            self.drawn = True
        else:
            self.stream.write(f"sweep: {figures}\n")
        self.stream.flush()

    def close(self) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()
            self.drawn = False


def _clock(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 3600}:{s // 60 % 60:02d}:{s % 60:02d}"
