"""Start-up cost of the light commands: CPU seconds (user + system) of a fresh process running
`accelsim list`, `accelsim --help` and `accelsim --version`, the best of five runs each. The
target is `accelsim list` < 0.5 CPU-s: the CLI imports pandas, SimPy, matplotlib, numba and Dask
only inside the commands that use them (tests/test_cli_help.py checks that `list` imports none).

    python benchmarks/bench_startup.py
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGET = 0.5
COMMANDS = (["list"], ["--help"], ["--version"])


def cpu_seconds(cmd: list[str]) -> float:
    """User + system CPU time of one fresh process running ``cmd``."""
    before = os.times()
    subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    after = os.times()
    return (after.children_user - before.children_user) + (after.children_system - before.children_system)


def main() -> int:
    base = min(cpu_seconds([sys.executable, "-c", "pass"]) for _ in range(5))
    print(f"{'command':22s} {'CPU s (best of 5)':>18s}")
    print(f"{'python -c pass':22s} {base:18.3f}")
    listed = 0.0
    for args in COMMANDS:
        # `python -m accelsim.cli` is the console script's entry point without its launcher
        best = min(cpu_seconds([sys.executable, "-m", "accelsim.cli", *args]) for _ in range(5))
        listed = best if args == ["list"] else listed
        print(f"{'accelsim ' + ' '.join(args):22s} {best:18.3f}")
    print(f"accelsim list: {'within' if listed < TARGET else 'OVER'} the {TARGET} CPU-s target")
    return 0 if listed < TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
