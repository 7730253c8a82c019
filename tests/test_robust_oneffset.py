"""Pragmatic's oneffset rounds (numerics.kernels.oneffset_rounds) for windows whose reach
``base << window`` overflows int64: the kernel used to loop forever there (a 32-bit activation's
top term with first_stage_bits 5 reaches it). Each check runs in a child process with a time
limit, so a hang fails the test instead of stalling the suite."""
import subprocess
import sys
import textwrap

import numpy as np

from support import ROOT

LIMIT_S = 300     # numba compiles the kernels on a cold cache; a correct run takes seconds


def _run(code: str) -> str:
    try:
        done = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                              text=True, cwd=ROOT / "tests", timeout=LIMIT_S)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"did not finish in {LIMIT_S} s (the kernel loops forever)") from None
    assert done.returncode == 0, done.stderr
    return done.stdout


def reference_rounds(lanes: list[int], window: int) -> int:
    """The rule in Python's unbounded integers: each round the lowest pending term over the lanes
    sets the base, and every lane whose lowest pending term lies below base * 2^window takes it."""
    m = list(lanes)
    rounds = 0
    while any(m):
        base = min(v & -v for v in m if v)
        m = [v ^ (v & -v) if v and (v & -v) < base << window else v for v in m]
        rounds += 1
    return max(rounds, 1)


def test_rounds_match_unbounded_arithmetic_for_every_window():
    rng = np.random.default_rng(3)
    # terms at positions 0..62 (int64 masks); high positions alone exercise the overflow
    masks = rng.integers(0, 1 << 62, size=(40, 8), dtype=np.int64) * 2 + rng.integers(0, 2, (40, 8))
    masks[::4] &= ~((1 << 30) - 1)
    masks[1::4] = np.int64(1) << rng.integers(28, 63, size=(10, 8))
    windows = (1, 2, 4, 16, 32, 33, 62, 63, 64, 100)
    out = _run(f"""
        import numpy as np
        from accelsim.numerics.kernels import oneffset_rounds, oneffset_rounds_numpy
        masks = np.array({masks.tolist()}, dtype=np.int64)
        for w in {windows}:
            print(w, *oneffset_rounds(masks, w), sep=",")
            print(w, *oneffset_rounds_numpy(masks, w), sep=",")
    """)
    lines = out.split()
    assert len(lines) == 2 * len(windows)
    for i, w in enumerate(windows):
        want = [reference_rounds([int(v) for v in row], w) for row in masks]
        for line in lines[2 * i: 2 * i + 2]:
            got = [int(v) for v in line.split(",")]
            assert got[0] == w and got[1:] == want, (w, line)


def test_pragmatic_and_tcle_finish_on_32_bit_activations_with_the_widest_first_stage():
    """first_stage_bits 5 (a 32-position reach, the spec's limit) on a 32-bit datapath, signed
    32-bit activations (the widest a workload may ask for): their top terms overflowed the reach
    and the simulation never ended."""
    out = _run("""
        import dataclasses
        import accelsim
        from support import ROOT, arch
        w = accelsim.load_workload(ROOT / "tests/data/tiny.yaml")
        conv = dataclasses.replace(w.layers[0], act_bits=32)     # normal, signed activations
        for name in ("pragmatic", "tactical_e"):
            a = arch(name, width=32, first_stage_bits=5)
            print(accelsim.simulate(a, dataclasses.replace(w, layers=(conv,))).layers[0].compute_cycles)
    """)
    cycles = [int(v) for v in out.split()]
    assert len(cycles) == 2 and all(c > 0 for c in cycles)
