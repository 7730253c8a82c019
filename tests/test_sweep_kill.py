"""A sweep killed mid-way (kill -9, or Ctrl-C) and run again recomputes nothing that finished and
loses nothing: the final store equals an uninterrupted run's."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import yaml

import accelsim

ROOT = Path(__file__).resolve().parents[1]


def make_sweep(folder: Path) -> Path:
    # 40 points of ~50 ms each on two workers: about a second, so a kill lands mid-way.
    data = {"name": "kill", "arch": str(ROOT / "arch_configs" / "dstripes.yaml"),
            "workload": str(ROOT / "tests" / "data" / "tiny.yaml"),
            "baseline": str(ROOT / "arch_configs" / "dadn.yaml"),
            "axes": {"datapath.params.registers": list(range(5)),
                     "datapath.params.group_size": [16, 32, 64, 128],
                     "memory.dram.type": ["DDR4", "HBM2"]}}
    path = folder / "kill.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def start(sweep: Path, store: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "accelsim.cli", "sweep", str(sweep), "-o", str(store),
                             "--workers", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, text=True)


def wait_for_points(store: Path, n: int, proc: subprocess.Popen, limit: float = 60.0) -> None:
    end = time.monotonic() + limit
    while len(list((store / "points").glob("*.parquet"))) < n:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < end, "the sweep made no progress"
        time.sleep(0.01)


def session_processes(sid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == sid and fields[0] != "Z":
                out.append(int(entry.name))
    return out


def snapshot(store: Path) -> dict[str, tuple[int, int]]:
    return {f.name: (f.stat().st_ino, f.stat().st_mtime_ns) for f in (store / "points").glob("*.parquet")}


def tidy(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(["point", "layer"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ref")
    sweep = make_sweep(folder)
    accelsim.run_sweep(sweep, folder / "store", workers=1)
    return tidy(accelsim.load_sweep(folder / "store"))


def finish_and_compare(sweep: Path, store: Path, before: dict, reference: pd.DataFrame) -> None:
    report = accelsim.run_sweep(sweep, store, workers=1)
    assert (report.points, report.skipped, report.computed) == (40, len(before), 40 - len(before))
    after = snapshot(store)
    assert {k: after[k] for k in before} == before          # finished points untouched
    assert len(after) == 40
    assert not list((store / "points").glob(".*.tmp"))
    pd.testing.assert_frame_equal(tidy(accelsim.load_sweep(store)), reference)


def test_kill_9_midway_loses_nothing_and_leaves_no_workers(tmp_path, reference):
    sweep, store = make_sweep(tmp_path), tmp_path / "store"
    proc = start(sweep, store)
    wait_for_points(store, 5, proc)
    os.kill(proc.pid, signal.SIGKILL)           # the sweep process only: its workers must notice
    proc.wait()
    before = snapshot(store)
    assert 5 <= len(before) < 40
    end = time.monotonic() + 10
    while session_processes(proc.pid) and time.monotonic() < end:
        time.sleep(0.1)
    assert session_processes(proc.pid) == [], "workers outlived the killed sweep"
    finish_and_compare(sweep, store, before, reference)


def test_ctrl_c_midway_exits_130_and_resumes(tmp_path, reference):
    sweep, store = make_sweep(tmp_path), tmp_path / "store"
    proc = start(sweep, store)
    wait_for_points(store, 5, proc)
    os.killpg(proc.pid, signal.SIGINT)          # what a terminal sends on Ctrl-C
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert err.rstrip().endswith("interrupted") and "Traceback" not in err
    before = snapshot(store)
    assert 5 <= len(before) < 40
    finish_and_compare(sweep, store, before, reference)
