"""Agreement with DNNsim cannot silently rot: per-layer cycles of tests/data/dnnsim_small.yaml
(three small conv layers with operands fixed in a file, the first one folded) with the matched
options, against the DNNsim figures committed by benchmarks/dnnsim_crosscheck.py
(benchmarks/results/dnnsim_crosscheck.csv). accelsim must still produce exactly the cycles that
were cross-checked, on the same operands, and agree with DNNsim as closely as it did."""
import csv
import importlib.util

import pytest

from accelsim.spec.workload import load_workload
from support import ROOT

CSV = ROOT / "benchmarks" / "results" / "dnnsim_crosscheck.csv"


def _harness():
    spec = importlib.util.spec_from_file_location("dnnsim_crosscheck",
                                                  ROOT / "benchmarks" / "dnnsim_crosscheck.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


HARNESS = _harness()
with CSV.open() as f:
    ROWS = {(r["design"], r["layer"]): r for r in csv.DictReader(f)
            if r["workload"] == "dnnsim_small"}


@pytest.fixture(scope="module")
def traces():
    w = load_workload(ROOT / "tests" / "data" / "dnnsim_small.yaml")
    return {name: t for name, _, t in HARNESS.split_groups(w, set())}


@pytest.mark.parametrize("design", ["dadn", "stripes", "dstripes", "loom", "pragmatic", "laconic",
                                    "tclp", "tcle"])
def test_matched_cycles_are_the_cross_checked_ones(traces, design):
    for layer in ("s1", "s2", "s3"):
        row = ROWS[(design, layer)]
        assert HARNESS.digest(traces[layer]) == row["operands"], (
            f"{layer}: the workload's operands changed since the DNNsim cross-check; re-run "
            "benchmarks/dnnsim_crosscheck.py with a DNNsim build")
        got = HARNESS.accelsim_cycles(design, traces[layer], matched=True)
        assert got == int(row["accelsim_matched"]), (design, layer, got, row["accelsim_matched"])
        assert abs(got / int(row["dnnsim_cycles"]) - 1) <= 0.01, (design, layer)
