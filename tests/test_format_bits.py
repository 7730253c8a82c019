"""The layer table shows the bits a number-format design computes at, not the workload's it
quantizes from (vmac_int8 on a 16-bit workload printed 16/16)."""
import dataclasses

import accelsim
from accelsim.report.text import layer_table

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


def _run(arch):
    w = accelsim.load_workload(ROOT / "tests/data/tiny.yaml")
    w = dataclasses.replace(w, layers=tuple(dataclasses.replace(l, act_bits=16, wgt_bits=16) for l in w.layers))
    return accelsim.simulate(accelsim.load_arch(ROOT / f"arch_configs/{arch}.yaml"), w)


def test_a_number_format_shows_its_bits_per_element():
    r = _run("vmac_int8")
    df = r.per_layer()
    assert (df["act_bits"] == 16).all()                       # the workload's codes
    assert (df["format_act_bits"] == 8).all() and (df["format_wgt_bits"] == 8).all()
    table = layer_table(r)
    assert "8/8*" in table and "16/16" not in table
    assert "* the design's number format" in table
    # per-vector scales count in the bits per element
    vs = _run("vsquant_4b").per_layer()
    assert (vs["format_wgt_bits"] > 4).all() and (vs["format_wgt_bits"] < 5).all()


def test_other_designs_show_the_workloads_bits_unmarked():
    r = _run("stripes")
    assert "format_act_bits" not in r.per_layer()
    table = layer_table(r)
    assert "*" not in table
    first = r.layers[0]
    assert f"{first.act_bits}/{first.wgt_bits}" in table
