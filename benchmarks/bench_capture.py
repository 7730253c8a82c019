"""Capture + profile speed and memory: the bundled real model (PP-OCR's direction classifier,
``ppocr_cls``) on the ten default photographs, through the CLI in a fresh process, as a user runs
it: ``accelsim capture ppocr_cls -n 10 --profile -o ...`` (top-1 criterion, threshold 1.0).
Goal: under 60 s and 4 GB on this machine. Also times a plain capture (no profile) and the
SQNR-criterion profile (30 dB), which searches further.

    python benchmarks/bench_capture.py
"""
from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(args: list[str]) -> tuple[float, float, str]:
    """(wall seconds, peak resident MB of the child, its stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "accelsim.cli", *args], capture_output=True,
                         text=True, check=True, cwd=ROOT)
    secs = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # ru_maxrss of children is the largest child so far: report it when this one raised it
    return secs, max(peak, before) / 1024, out.stdout


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        cases = [("capture, 10 images", []),
                 ("capture + profile (top1 >= 1.0), 10 images", ["--profile"]),
                 ("capture + profile (sqnr >= 30 dB), 10 images",
                  ["--profile", "--criterion", "sqnr"])]
        print(f"{'case':48s} {'wall s':>7s} {'peak MB':>8s}  result")
        for label, extra in cases:
            out = Path(tmp) / "cls.yaml"
            secs, peak, text = run(["capture", "ppocr_cls", "-n", "10", "-q", "-o", str(out),
                                    *extra])
            last = text.strip().splitlines()[-1]
            print(f"{label:48s} {secs:7.1f} {peak:8.0f}  {last}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
