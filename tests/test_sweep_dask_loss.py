"""Losing a real Dask scheduler mid-sweep: one line, every finished point kept, and the next run
computes only the rest. The scheduler and its worker are separate processes (``dask scheduler``,
``dask worker`` on loopback), so the test can kill the scheduler as a crash would."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

pytest.importorskip("distributed")   # the Dask extra; without it there is no scheduler to lose

from accelsim.errors import SpecError          # noqa: E402
from accelsim.sweep.run import run_sweep        # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dask_cli(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_" + args[0], *args[1:]],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def wait_for_worker(address: str, seconds: float = 60.0) -> None:
    from distributed import Client
    with Client(address, timeout="20s") as client:
        client.wait_for_workers(1, timeout=seconds)


@pytest.fixture
def cluster():
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [dask_cli("scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard")]
    procs.append(dask_cli("worker", address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard",
                          "--no-nanny"))
    try:
        wait_for_worker(address)
        yield address, procs[0]
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)


def test_losing_the_scheduler_ends_in_one_line_and_keeps_finished_points(cluster, tmp_path):
    address, scheduler = cluster
    sweep = tmp_path / "s.yaml"
    sweep.write_text(yaml.safe_dump({
        "name": "loss", "arch": str(ROOT / "arch_configs/dstripes.yaml"),
        "workload": str(ROOT / "tests/data/tiny.yaml"),
        "axes": {"datapath.params.registers": list(range(12)), "memory.dram.type": ["DDR4", "HBM2"]}}))
    store = tmp_path / "loss.sweep"
    seen = []

    def progress(p) -> None:
        seen.append(p.done)
        if p.done == 2:                        # two points written: the scheduler crashes
            os.killpg(scheduler.pid, signal.SIGKILL)

    start = time.monotonic()
    with pytest.raises(SpecError) as err:
        run_sweep(sweep, store, scheduler=address, progress=progress)
    assert time.monotonic() - start < 90
    message = str(err.value)
    assert "\n" not in message and message.startswith(f"--scheduler: lost the Dask scheduler at {address}")
    kept = len(list((store / "points").glob("*.parquet")))
    assert 2 <= kept < 24 and kept >= max(seen)
    report = run_sweep(sweep, store, workers=1)          # the resume computes only the rest
    assert report.skipped == kept and report.computed == 24 - kept
