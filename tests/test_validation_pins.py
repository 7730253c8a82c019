"""Validation that guards: every `accelsim validate` target is pinned in
tests/data/validation_pins.yaml; a passing target must stay within its tolerance, a miss must keep
its reason and stay within a few percent of its pinned value, so any model change that moves a
published comparison fails here and has to be re-pinned (tests/repin_validation.py) and explained
in the same commit.

Every target runs, Loom's six CNNs and SCNN's three sparse networks included (about a minute of
CPU between them): a guard that CI skips would not guard."""
import pytest

from accelsim.validation.registry import targets
from repin_validation import key, load, shared_runner

PINS = load()
TARGETS = {key(t.design, t.metric): t for t in targets()}


@pytest.fixture(scope="module")
def runner():
    return shared_runner()


def test_every_target_is_pinned_and_every_pin_is_a_target():
    assert set(TARGETS) == set(PINS), "re-pin: python tests/repin_validation.py"


def test_every_miss_has_a_reason_and_every_pin_its_published_figure():
    for k, pin in PINS.items():
        assert pin["expect"] in ("pass", "miss"), k
        if k in TARGETS:
            assert pin["published"] == TARGETS[k].published, k
        if pin["expect"] == "miss":
            assert pin.get("reason", "").strip(), f"{k}: a miss needs its reason"
            assert 0 < pin["band"] <= 0.05, k


@pytest.mark.parametrize("name", sorted(PINS))
def test_target_holds_its_pin(runner, name):
    pin, target = PINS[name], TARGETS.get(name)
    if target is None:
        pytest.fail(f"{name}: pinned but no longer a target")
    m = target.measure(runner)
    if pin["expect"] == "pass":
        assert target.check(m), (f"{name}: {m.value:.4f} left its tolerance "
                                 f"({target.published} +- {target.tolerance:.0%})")
    else:
        assert not target.check(m), f"{name}: now passes ({m.value:.4f}); re-pin it as a pass"
        band = pin["band"] * abs(pin["simulated"])
        assert abs(m.value - pin["simulated"]) <= band, (
            f"{name}: simulated {m.value:.4f}, pinned {pin['simulated']} +- {pin['band']:.0%}: "
            "re-pin and explain the move")
