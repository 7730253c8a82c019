"""Re-pin the validation targets: simulate every `accelsim validate` target and rewrite
tests/data/validation_pins.yaml with the current simulated values.

    python tests/repin_validation.py            # all targets
    python tests/repin_validation.py --only SCNN

Each pin keeps its reason; a target that now misses without a reason gets an empty one, which
tests/test_validation_pins.py rejects until someone writes why. Run it in the commit that moves a
figure, and say in that commit which figures moved and why.
"""
from __future__ import annotations

import argparse
import functools
import sys
from pathlib import Path

import yaml

PINS = Path(__file__).resolve().parent / "data" / "validation_pins.yaml"
HEADER = """\
# The figure every `accelsim validate` target simulates today, pinned so a model change that moves
# it is seen (tests/test_validation_pins.py). expect: pass -> the target must stay within its
# tolerance; expect: miss -> the simulated value must stay within `band` (relative) of `simulated`,
# and `reason` says why it misses. Re-pin with `python tests/repin_validation.py` in the commit
# that moves a figure, and explain the move there.
"""


@functools.lru_cache(maxsize=1)
def shared_runner():
    """One Runner for every validation test of a session, so each simulation runs once."""
    from accelsim.validation.registry import Runner
    return Runner()


def key(design: str, metric: str) -> str:
    return f"{design} | {metric}"


def load() -> dict[str, dict]:
    if not PINS.exists():
        return {}
    data = yaml.safe_load(PINS.read_text()) or {}
    return {key(p["design"], p["metric"]): p for p in data.get("targets", [])}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--only", help="comma-separated design names")
    a = p.parse_args(argv)
    from accelsim.validation.registry import Runner, targets
    wanted = {d.strip().lower() for d in (a.only or "").split(",") if d.strip()}
    old = load()
    runner = Runner()
    pins = []
    for t in targets():
        k = key(t.design, t.metric)
        prev = old.get(k, {})
        if wanted and t.design.lower() not in wanted:
            if prev:
                pins.append(prev)
            continue
        m = t.measure(runner)
        ok = t.check(m)
        pin = {"design": t.design, "metric": t.metric, "expect": "pass" if ok else "miss",
               "published": t.published, "simulated": round(float(m.value), 4)}
        if not ok:
            pin["band"] = prev.get("band", 0.03)
            pin["reason"] = prev.get("reason", "")
        pins.append(pin)
        moved = prev and abs(float(prev.get("simulated", 0)) - m.value) > 1e-4
        print(f"{k}: {m.value:.4f} {'pass' if ok else 'MISS'}"
              + (f" (was {prev['simulated']})" if moved else ""), file=sys.stderr)
    PINS.write_text(HEADER + yaml.safe_dump({"targets": pins}, sort_keys=False, width=100))
    return 0


if __name__ == "__main__":
    sys.exit(main())
