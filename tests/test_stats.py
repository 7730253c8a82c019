"""accelsim stats: per-layer operand statistics, checked value by value with plain Python."""
from __future__ import annotations

import math

import numpy as np
import pytest

from accelsim.spec.workload import load_workload
from accelsim.workload.stats import group_zeros, operand_stats, table
from accelsim.workload.trace import build_trace


def _popcount(v: int) -> int:
    return bin(abs(v)).count("1")


def _booth_terms(v: int) -> int:
    """Non-zero radix-4 Booth digits of v, from its two's-complement bits (y_-1 = 0)."""
    n = max(abs(v).bit_length() + 2, 2)
    n += n % 2
    y = [(v >> i) & 1 for i in range(n)]          # Python's >> on negatives is two's complement
    digits = [-2 * y[2 * j + 1] + y[2 * j] + (y[2 * j - 1] if j else 0) for j in range(n // 2)]
    assert sum(d * 4 ** j for j, d in enumerate(digits)) == v
    return sum(d != 0 for d in digits)


def _groups(rows: np.ndarray, bits: int, size: int):
    lead, trail = [], []
    for row in rows.tolist():
        row = row + [0] * ((-len(row)) % size)
        for g in range(0, len(row), size):
            vals = row[g:g + size]
            orr = 0
            for v in vals:
                orr |= abs(v)
            if orr == 0:
                lead.append(bits)
                trail.append(0)
                continue
            need = orr.bit_length() + any(v < 0 for v in vals)
            lead.append(bits - need)
            tz = 0
            while not (orr >> tz) & 1:
                tz += 1
            trail.append(tz)
    return lead, trail


@pytest.fixture
def small(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text(
        "name: w\nseed: 3\n"
        "layers:\n"
        "  - {name: c1, kind: conv, in_channels: 20, in_size: 5, out_channels: 6, kernel: 3, "
        "padding: 1, act_bits: 7, wgt_bits: 9, act: {dist: relu_normal, density: 0.4}, "
        "wgt: {dist: student_t, dof: 3}}\n")
    return load_workload(path)


def test_stats_match_a_per_value_computation(small):
    rows = table(small)
    trace = build_trace(small.layers[0], small, 0)
    for operand, op, bits in (("act", trace.act, 7), ("wgt", trace.wgt, 9)):
        got = rows[rows.operand == operand].iloc[0]
        vals = [int(v) for v in op.codes.ravel()]
        assert got.density == pytest.approx(sum(v != 0 for v in vals) / len(vals))
        assert got.ess_bits == pytest.approx(sum(map(_popcount, vals)) / len(vals))
        assert got.booth == pytest.approx(sum(map(_booth_terms, vals)) / len(vals))
        rms = math.sqrt(sum(v * v for v in vals) / len(vals))
        assert got.max_rms == pytest.approx(max(abs(v) for v in vals) / rms)
        chan_rows = np.moveaxis(op.codes, 1, -1).reshape(-1, op.codes.shape[1])
        for size in (16, 256):
            lead, trail = _groups(chan_rows, bits, size)
            assert got[f"lz{size}"] == pytest.approx(np.mean(lead))
            assert got[f"tz{size}"] == pytest.approx(np.mean(trail))
    assert rows.iloc[1].signed and not rows.iloc[0].signed


def test_group_zeros_distribution_and_booth_above_popcount():
    codes = np.array([[0, 0, 0, 0], [4, 8, 0, 12], [-1, 2, 3, 0]])
    lead, trail = group_zeros(codes, 8, 4)
    np.testing.assert_array_equal(lead, [8, 4, 5])     # 12 -> 4 bits; 3 -> 2 bits + sign
    np.testing.assert_array_equal(trail, [0, 2, 0])
    # 119 = 0b0111_0111 has 6 one bits, 85 = 0b0101_0101 has 4
    s = operand_stats(np.array([119, 85]).reshape(1, 2, 1, 1), 8, False, "act")
    assert s["ess_bits"] == pytest.approx(5.0)
    assert s["booth"] == pytest.approx((_booth_terms(119) + _booth_terms(85)) / 2)


def test_cli_stats_on_a_bundled_workload(run_cli, root, tmp_path):
    out = tmp_path / "s.csv"
    code, text, err = run_cli("stats", root / "workloads" / "alexnet.yaml", "--layers",
                              "conv2,fc8", "-o", out)
    assert code == 0, err
    assert "ess_bits" in text and "conv2" in text and "fc8" in text
    import pandas as pd
    df = pd.read_csv(out)
    assert list(df.layer) == ["conv2", "conv2", "fc8", "fc8"]
    # synthetic relu_normal at density 0.56 keeps its density exactly
    assert df.density[0] == pytest.approx(0.56, abs=1e-3)
