"""The sweep store and cluster never lose or mix results silently: one writer per store, whole
point files only, content ids, one-line errors for a full disk or a bad scheduler address."""
from __future__ import annotations

import errno
import socket
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import yaml

import accelsim
from accelsim.errors import SpecError
from accelsim.spec.sweep import load_sweep_spec
from accelsim.sweep import executors
from accelsim.sweep.points import expand
from accelsim.sweep.store import Store

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests/data/tiny.yaml"


def sweep_file(folder: Path, name: str = "safe", workload: str = str(TINY)) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"name": name, "arch": str(ROOT / "arch_configs/dstripes.yaml"),
                                    "workload": workload, "axes": {"memory.dram.type": ["DDR4", "HBM2"]}}))
    return path


def test_second_writer_is_refused_naming_the_first(tmp_path):
    spec = load_sweep_spec(sweep_file(tmp_path))
    points = expand(spec)
    first = Store.create(tmp_path / "st", spec, points)
    try:
        with pytest.raises(SpecError) as err:
            Store.create(tmp_path / "st", spec, points)
        assert "in use by another sweep (process" in str(err.value) and "\n" not in str(err.value)
    finally:
        first.close()
    Store.create(tmp_path / "st", spec, points).close()      # released: a new writer may start


def test_a_different_sweep_does_not_replace_the_index(tmp_path):
    accelsim.run_sweep(sweep_file(tmp_path, "one"), tmp_path / "st", workers=1)
    with pytest.raises(SpecError, match="holds the results of sweep 'one'"):
        accelsim.run_sweep(sweep_file(tmp_path, "two"), tmp_path / "st", workers=1)
    assert accelsim.load_sweep(tmp_path / "st").attrs["done"] == 2


@pytest.mark.parametrize("damage", [b"", b"PAR1 not really parquet PAR1"])
def test_empty_or_damaged_point_files_are_recomputed(tmp_path, damage):
    sweep = sweep_file(tmp_path)
    accelsim.run_sweep(sweep, tmp_path / "st", workers=1)
    victim = sorted((tmp_path / "st/points").glob("*.parquet"))[0]
    victim.write_bytes(damage)
    assert accelsim.load_sweep(tmp_path / "st").attrs["done"] == 1
    report = accelsim.run_sweep(sweep, tmp_path / "st", workers=1)
    assert (report.skipped, report.computed) == (1, 1)
    assert accelsim.load_sweep(tmp_path / "st").attrs["done"] == 2


def test_full_disk_is_one_line_and_keeps_finished_points(tmp_path, monkeypatch):
    sweep = sweep_file(tmp_path)
    real = Store.write
    calls = []

    def write(self, point_id, frame):
        calls.append(point_id)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(self, point_id, frame)

    monkeypatch.setattr(Store, "write", write)
    with pytest.raises(SpecError) as err:
        accelsim.run_sweep(sweep, tmp_path / "st", workers=1)
    assert "No space left on device; 1 points are saved" in str(err.value)
    monkeypatch.undo()
    assert not list((tmp_path / "st/points").glob(".*.tmp"))
    assert accelsim.run_sweep(sweep, tmp_path / "st", workers=1).skipped == 1


def test_point_ids_follow_tensor_content_not_path_spelling(tmp_path):
    (tmp_path / "sub").mkdir()
    np.save(tmp_path / "a.npy", np.arange(4 * 8 * 8, dtype=np.int32).reshape(1, 4, 8, 8) % 5)
    ids = []
    for spelling in ("a.npy", "sub/../a.npy", str(tmp_path / "a.npy")):
        wl = tmp_path / f"w{len(ids)}.yaml"
        wl.write_text(yaml.safe_dump({"name": "w", "layers": [{
            "name": "c", "kind": "conv", "in_channels": 4, "in_size": 8, "out_channels": 8,
            "kernel": 3, "padding": 1, "act_bits": 8, "act": {"file": spelling}}]}))
        ids.append([p.id for p in expand(load_sweep_spec(sweep_file(tmp_path, workload=str(wl))))])
    assert ids[0] == ids[1] == ids[2]
    np.save(tmp_path / "a.npy", np.ones((1, 4, 8, 8), dtype=np.int32))
    changed = [p.id for p in expand(load_sweep_spec(sweep_file(tmp_path, workload=str(tmp_path / "w0.yaml"))))]
    assert changed != ids[0]


def _server(reply: bytes | None):
    """A TCP server that accepts and then says ``reply`` (or nothing) and keeps the socket."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(4)
    held = []

    def serve():
        while True:
            try:
                conn, _ = sock.accept()
            except OSError:
                return
            held.append(conn)
            if reply:
                conn.sendall(reply)
    threading.Thread(target=serve, daemon=True).start()
    return sock, f"tcp://127.0.0.1:{sock.getsockname()[1]}"


@pytest.mark.parametrize("reply", [None, b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello" * 50])
def test_an_address_that_is_not_a_scheduler_fails_in_one_line_quickly(reply):
    sock, address = _server(reply)
    try:
        t = time.monotonic()
        with pytest.raises(SpecError) as err:
            executors.connect(address, seconds=2.0)
        assert time.monotonic() - t < 10
        assert str(err.value).startswith("--scheduler: cannot use a Dask scheduler at") and "\n" not in str(err.value)
    finally:
        sock.close()


@pytest.mark.parametrize("address", ["ucx://127.0.0.1:8786", "http://x:1", " "])
def test_unsupported_scheduler_addresses(address):
    with pytest.raises(SpecError, match="--scheduler"):
        executors.connect(address, seconds=1.0)


def test_run_json_keeps_full_float_precision(tmp_path, run_cli):
    import json
    code, _, _ = run_cli("run", ROOT / "arch_configs/dstripes.yaml", TINY, "-q", "-o", tmp_path / "r.json")
    assert code == 0
    rows = json.loads((tmp_path / "r.json").read_text())
    r = accelsim.simulate(accelsim.load_arch(ROOT / "arch_configs/dstripes.yaml"), accelsim.load_workload(TINY))
    assert rows[0]["energy_J"] == r.layers[0].joules          # exactly, not to 10 digits
    assert rows[-1]["layer"] == "total"
