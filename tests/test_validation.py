"""Published targets: Stripes vs DaDN on the six CNNs of the Stripes paper.

The speedup is a golden figure (1.92x average, 10% tolerance). Energy efficiency and area miss the
published figures for reasons the README explains (DaDN's eDRAM weight reads dominate its energy in
this cost model; eDRAM area dominates both chips); those tests pin the direction and the range the
model gives, so a change that moves them is noticed.
"""
import pytest

from accelsim.validation.registry import targets
from repin_validation import shared_runner


@pytest.fixture(scope="module")
def runner():
    return shared_runner()


def stripes(metric_start):
    return [t for t in targets() if t.design == "Stripes" and t.metric.startswith(metric_start)][0]


def test_stripes_speedup_within_tolerance(runner):
    t = stripes("speedup")
    m = t.measure(runner)
    assert t.check(m), m
    assert set(m.details) == {"alexnet", "nin", "googlenet", "vgg_m", "vgg_s", "vgg19"}
    assert 1.30 * 0.9 <= min(m.details.values()) and max(m.details.values()) <= 4.51   # published range


def test_stripes_energy_efficiency_above_one(runner):
    m = stripes("energy").measure(runner)
    assert all(v > 1.0 for v in m.details.values())
    # registers, clock and wires priced, delay-bounded CACTI banks (DaDN's weight reads at 1.34
    # pJ/bit, eDRAM writes priced as reads): 2.68x against the published 1.57x (README, miss (a))
    assert 2.0 < m.value < 3.2


def test_stripes_area_ratio(runner):
    m = stripes("area").measure(runner)
    assert 1.0 < m.value < 1.32
    # serial units cost more logic: 4096 SIPs each hold a 256-bit weight register (1.9x)
    assert 1.5 < m.details["datapath logic only"] < 2.5
