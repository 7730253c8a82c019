"""The engine's two limits, and overlap in between."""
import numpy as np
import pytest

from accelsim.datapaths.base import LayerWork
from accelsim.engine.pipeline import run_layer
from accelsim.spec.arch import Dram

F = 1e9
DRAM = Dram("DDR4", bandwidth=10e9, latency=100e-9)


def work(cycles, bytes_in, bytes_out=None):
    n = len(cycles)
    return LayerWork(np.array(cycles, dtype=np.int64), np.array(bytes_in, dtype=np.int64),
                     np.array(bytes_out if bytes_out is not None else [0] * n, dtype=np.int64), {})


def test_compute_bound_equals_sum_of_compute():
    w = work([1000] * 50, [100] * 50)        # 10 ns of transfer per 1000 ns tile
    t = run_layer(w, DRAM, F)
    first = 100 / DRAM.bandwidth + DRAM.latency          # only the first fetch is exposed
    assert t.seconds == pytest.approx(50 * 1000 / F + first, rel=1e-9)
    assert t.compute_seconds == pytest.approx(50e-6)


def test_no_traffic_is_pure_compute():
    t = run_layer(work([7, 11, 13], [0, 0, 0]), DRAM, F)
    assert t.seconds == pytest.approx(31 / F) and t.stall_seconds == 0


def test_memory_bound_equals_bytes_over_bandwidth_plus_latency():
    w = work([1] * 40, [1_000_000] * 40)     # 100 us of transfer per 1 ns tile
    t = run_layer(w, DRAM, F)
    expect = 40 * 1_000_000 / DRAM.bandwidth + DRAM.latency + 1 / F
    assert t.seconds == pytest.approx(expect, rel=1e-6)
    assert t.dram_bytes_read == 40_000_000
    assert t.stall_seconds == pytest.approx(t.seconds - 40 / F)


def test_writes_share_the_channel():
    w = work([1] * 10, [0] * 10, [1_000_000] * 10)
    t = run_layer(w, DRAM, F)
    assert t.dram_bytes_written == 10_000_000
    assert t.seconds == pytest.approx(10 * 1e6 / DRAM.bandwidth + DRAM.latency, rel=1e-3)


def test_double_buffering_overlaps_fetch_with_compute():
    # Balanced: each tile computes 100 us and fetches 100 us -> ~n+1 periods, not 2n.
    n = 20
    w = work([100_000] * n, [1_000_000] * n)
    t = run_layer(w, DRAM, F)
    assert t.seconds == pytest.approx((n + 1) * 100e-6 + DRAM.latency, rel=1e-3)
    single = run_layer(w, DRAM, F, slots=1)
    assert single.seconds > 1.9 * n * 100e-6
