"""Cost tables: provenance on every entry, anchors reproduced, scaling rules, missing prices."""
import math

import pytest

from accelsim.cost import price, scaling, tables
from accelsim.datapaths.base import part


def test_every_entry_has_provenance():
    entries = tables.entries()
    assert len(entries) > 40
    for e in entries.values():
        assert e.source and len(e.source) > 8, e.name
        assert e.unit and e.conf in tables.CONFIDENCE
        assert e.node_nm is not None


def test_power_law_hits_horowitz_anchors():
    assert scaling.anchored("horowitz_int_mult", 8) == pytest.approx(0.2)
    assert scaling.anchored("horowitz_int_mult", 32) == pytest.approx(3.1)
    assert scaling.anchored("horowitz_int_add", 32, "_area") == pytest.approx(137)
    mult16 = scaling.anchored("horowitz_int_mult", 16)
    assert mult16 == pytest.approx(math.sqrt(0.2 * 3.1))    # the power law's geometric midpoint


def test_int_mult_scales_with_both_widths():
    e = lambda a, b: price.price(part("int_mult", 1, a_bits=a, b_bits=b), 45, 0.9).energy["op"]
    assert e(16, 16) > e(8, 16) > e(8, 8)
    assert e(8, 16) == pytest.approx(e(16, 8))


def test_regfile_fit_within_13_percent_of_anchors():
    # the Horowitz-anchored fit prices small register files; buffers use the CACTI tables
    for kb, anchor in ((8, 10), (32, 20), (1024, 100)):
        p = price.price(part("regfile", 1, capacity_bytes=kb * 1024, width_bits=64), 45, 0.9)
        pj_per_access = p.energy["read_bits"] * 64 / 1e-12
        assert pj_per_access == pytest.approx(anchor, rel=0.135)   # docs/references.md#sram-capacity-fit: within 13%


def test_node_scaling():
    assert scaling.area_factor(45) == 1.0
    assert scaling.area_factor(16) == pytest.approx(0.19)
    assert scaling.energy_factor(7) == pytest.approx(0.102)
    assert scaling.energy_factor(28, vdd=0.9) == pytest.approx(0.507)
    assert scaling.energy_factor(65) == pytest.approx(65 / 45)
    assert scaling.energy_factor(45, vdd=0.45) == pytest.approx(0.25)
    for node in (45, 65, 28, 16, 7):
        p = price.price(part("int_add", 1, bits=32), node, 0.9)
        assert p.energy["op"] > 0 and p.area > 0


def test_dram_not_node_scaled():
    a = price.price(part("dram", 1, type="HBM2"), 7, 0.7).energy["read_bits"]
    assert a == pytest.approx(3.9e-12)


def test_missing_price_is_an_error_not_a_zero():
    inv = {"x": part("int_add", 1, bits=8)}
    with pytest.raises(tables.MissingPrice, match="no price for action 'frobnicate'"):
        price.energy({"x.frobnicate": 3}, inv, 45, 0.9, 0.0)
    with pytest.raises(tables.MissingPrice, match="names no part"):
        price.energy({"y.op": 3}, inv, 45, 0.9, 0.0)
    with pytest.raises(tables.MissingPrice, match="no cost class"):
        price.price(part("warp_drive", 1), 45, 0.9)
    with pytest.raises(tables.MissingPrice):
        tables.get("no_such_entry")


def test_leakage_is_power_times_time():
    inv = {"x": part("int_mult", 10, a_bits=16, b_bits=16)}
    e1 = price.energy({}, inv, 45, 0.9, 1.0)["leakage"]
    e2 = price.energy({}, inv, 45, 0.9, 2.0)["leakage"]
    assert e1 > 0 and e2 == pytest.approx(2 * e1)


def test_adder_tree_sums_its_levels():
    e = lambda n, b: price.price(part("adder_tree", 1, inputs=n, bits=b), 45, 0.9).energy["op"]
    add = lambda b: price.price(part("int_add", 1, bits=b), 45, 0.9).energy["op"]
    assert e(16, 16) == pytest.approx(8 * add(16) + 4 * add(17) + 2 * add(18) + add(19))
    assert e(3, 8) == pytest.approx(add(8) + add(9))        # odd input count: one value skips a level
    assert e(1, 8) == 0.0
