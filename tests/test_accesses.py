"""Access and utilization report: the counts of a small layer match a hand count, in every output."""
from __future__ import annotations

import pandas as pd
import pytest
import yaml

import accelsim

# 1 tile x 4 filters x 4 lanes of 16-bit MACs; 64-bit buffer rows; no output buffer; nothing stays
# on chip between layers, so weights, activations and outputs all cross the DRAM interface.
ARCH = {
    "name": "small", "clock": {"frequency_mhz": 1000}, "technology": {"node_nm": 45},
    "memory": {"dram": {"type": "DDR4"}, "weights_resident": "none", "activations_on_chip": False,
               "output_bits": 16,
               "buffers": {"weights": {"kind": "sram", "size_kib": 1, "width_bits": 64},
                           "activations": {"kind": "sram", "size_kib": 1, "width_bits": 64}}},
    "datapath": {"kind": "bitparallel", "params": {"tiles": 1, "filters": 4, "lanes": 4, "width": 16}},
}
# C=8, 4x4 input, K=8, 3x3 kernel, no padding: 2x2 = 4 windows, reduction 72.
WORKLOAD = {"name": "one", "seed": 1, "layers": [
    {"name": "c", "kind": "conv", "in_channels": 8, "in_size": 4, "out_channels": 8, "kernel": 3,
     "padding": 0, "act_bits": 8, "wgt_bits": 8}]}


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("acc")
    (folder / "small.yaml").write_text(yaml.safe_dump(ARCH))
    (folder / "one.yaml").write_text(yaml.safe_dump(WORKLOAD))
    return folder


@pytest.fixture(scope="module")
def result(files):
    return accelsim.simulate(accelsim.load_arch(files / "small.yaml"), accelsim.load_workload(files / "one.yaml"))


def hand_count() -> dict[str, int]:
    windows, k, bricks = 4, 8, 3 * 3 * 2          # bricks: R x S x ceil(C / lanes)
    passes = k // 4                                # 4 filters at a time
    cycles = passes * windows * bricks             # 144
    ip_cycles = windows * bricks * k               # IP-cycles with a filter assigned
    return {
        # DRAM, 512-bit bursts; the bit-parallel array moves 16-bit values whatever the precision
        "dram_weights_read_bits": k * 72 * 16, "dram_weights_read_accesses": 18,
        "dram_activations_read_bits": 8 * 4 * 4 * 16, "dram_activations_read_accesses": 4,   # fits: once
        "dram_outputs_write_bits": windows * k * 16, "dram_outputs_write_accesses": 1,
        # buffers, 64-bit rows; outputs go to the activation buffer (no output buffer)
        "buffer_weights_read_bits": ip_cycles * 4 * 16, "buffer_weights_read_accesses": ip_cycles,
        "buffer_activations_read_bits": cycles * 4 * 16, "buffer_activations_read_accesses": cycles,
        "buffer_outputs_write_bits": windows * k * 16, "buffer_outputs_write_accesses": 8,
    }


def test_access_counts_match_a_hand_count(result):
    row = result.per_layer().iloc[0]
    got = {c: row[c] for c in row.index if c.endswith(("_bits", "_accesses"))
           and c.startswith(("dram_", "buffer_"))}
    assert got == hand_count()
    assert all(isinstance(v, (int,)) or v.dtype.kind == "i" for v in got.values())


def test_utilization_and_mapping_efficiency(result):
    row = result.per_layer().iloc[0]
    # 8 x 72 x 4 = 2304 MACs on 16 MACs per cycle: 144 ideal cycles, and the layer fills the
    # array exactly (C and K are multiples of lanes and filters).
    assert row["compute_cycles"] == 144 and row["ideal_cycles"] == 144
    assert row["mapping_efficiency"] == 1.0
    assert row["utilization"] == pytest.approx(144 / row["cycles"])
    assert row["cycles"] > 144                       # DRAM stalls lower utilization, not mapping


def test_totals_sum_layers_and_area_is_in_mm2(result):
    t = result.totals().iloc[0]
    for col, want in hand_count().items():
        assert t[col] == want
    assert "area_m2" not in t and t["area_mm2"] == pytest.approx(result.area_m2 * 1e6)
    assert t["area_weights_mm2"] > 0 and "area_dram_mm2" not in t


@pytest.mark.parametrize("suffix", [".csv", ".json", ".parquet"])
def test_every_output_format_has_the_counts_as_integers(files, tmp_path, suffix, run_cli):
    path = tmp_path / f"o{suffix}"
    code, _, err = run_cli("run", files / "small.yaml", files / "one.yaml", "-q", "-o", path)
    assert code == 0, err
    df = {".csv": pd.read_csv, ".json": pd.read_json, ".parquet": pd.read_parquet}[suffix](path)
    for col, want in hand_count().items():
        assert df[col].tolist() == [want, want]                   # the layer and the total row
        assert df[col].dtype.kind == "i", col
    for col in ("macs", "cycles", "ideal_cycles", "dram_bytes"):
        assert df[col].dtype.kind == "i", col
    # bit widths are per layer: the total row leaves them empty, the layer row says 8, not 8.0
    assert df["act_bits"].iloc[0] == 8 and pd.isna(df["act_bits"].iloc[1])
    if suffix == ".csv":
        assert ",8,8," in path.read_text().splitlines()[1]
    assert df["area_mm2"].iloc[-1] > 0 and not any(c.endswith("_m2") for c in df.columns)


def test_report_accesses_table(files, run_cli):
    code, out, err = run_cli("run", files / "small.yaml", files / "one.yaml", "--report", "accesses")
    assert code == 0, err
    lines = out.splitlines()
    dram_w = next(l for l in lines if l.split()[:3] == ["dram", "weights", "read"])
    assert dram_w.split()[3:5] == ["9,216", "18"]
    assert any(l.split()[:3] == ["buffer", "outputs", "write"] for l in lines)
    assert "mapping eff" in out and "100.0%" in out
