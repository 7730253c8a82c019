"""Bit-Pragmatic: the oneffset-round kernel and its twin, the first-stage limits, synchronisation,
the term arithmetic against the exact integer result, the worst case, and the cost hooks."""

import numpy as np
import pytest

from accelsim.datapaths import grid
from accelsim.datapaths.pragmatic import pragmatic_step_cycles, term_masks
from accelsim.engine.simulate import simulate
from accelsim.errors import SpecError
from accelsim.numerics.bits import terms
from accelsim.numerics.kernels import oneffset_rounds, oneffset_rounds_numpy
from accelsim.spec.arch import arch_from_dict
from accelsim.spec.reader import load_yaml
from accelsim.spec.workload import LayerKind, Values, load_workload
import support
from support import cycles, tiny_traces as traces, all_ones

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


def arch(name="pragmatic", **params):
    return support.arch(name, **params)


def random_bricks(seed, steps=400, lanes=16, bits=16, density=0.6, signed=False):
    rng = np.random.default_rng(seed)
    lo = -(1 << (bits - 1)) + 1 if signed else 0
    hi = (1 << (bits - 1)) if signed else 1 << bits
    return rng.integers(lo, hi, (steps, lanes)) * (rng.random((steps, lanes)) < density)


# -- the kernel -------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("window", [1, 2, 4, 8, 32])
def test_numba_kernel_equals_numpy_twin(seed, window):
    for enc in ("binary", "booth_r4"):
        masks = term_masks(random_bricks(seed, signed=bool(seed % 2)), enc)
        assert np.array_equal(oneffset_rounds(masks, window), oneffset_rounds_numpy(masks, window))


def test_full_reach_takes_the_most_terms_of_any_lane():
    for enc, bits in (("binary", 4), ("booth_r4", 5)):             # 16 / 17 term positions
        x = random_bricks(4)
        want = np.maximum(terms(x, enc).max(axis=-1), 1)
        assert np.array_equal(pragmatic_step_cycles(x, bits, enc), want)


def test_reach_one_takes_the_distinct_positions_of_the_brick():
    for enc in ("binary", "booth_r4"):
        x = random_bricks(5)
        union = np.bitwise_or.reduce(term_masks(x, enc), axis=-1)
        want = np.maximum(np.bitwise_count(union), 1)
        assert np.array_equal(pragmatic_step_cycles(x, 0, enc), want)


def test_more_first_stage_reach_never_costs_cycles():
    x = random_bricks(6, steps=2000)
    for enc in ("binary", "booth_r4"):
        runs = [pragmatic_step_cycles(x, L, enc) for L in range(6)]
        assert all(np.all(a >= b) for a, b in zip(runs, runs[1:]))


def test_step_cycles_keep_the_leading_shape_and_zero_bricks_take_one_cycle():
    x = random_bricks(7).reshape(4, 5, 20, 16)
    x[1, 2, 3] = 0
    out = pragmatic_step_cycles(x, 2, "booth_r4")
    assert out.shape == (4, 5, 20) and out[1, 2, 3] == 1 and out.min() >= 1


# -- the datapath -----------------------------------------------------------------------------------
@pytest.mark.parametrize("enc", ["binary", "booth_r4", "csd", "dnnsim"])
@pytest.mark.parametrize("bits,signed", [(4, False), (8, True), (11, False), (16, True)])
def test_term_arithmetic_equals_the_exact_integer_result(enc, bits, signed):
    act = Values(dist="normal" if signed else "relu_normal", density=0.7)
    dp = arch(encoding=enc).build()
    for t in traces(act_bits=bits, wgt_bits=bits, act=act):   # conv, strided grouped, dw, fc, matmul
        assert np.array_equal(dp.outputs(t), t.reference_output()), t.layer.name


def test_never_exceeds_the_worst_case_and_all_ones_reach_it():
    for enc in ("binary", "booth_r4", "csd", "dnnsim"):
        for L in (0, 2, 4):
            dp = arch(encoding=enc, first_stage_bits=L).build()
            for t in traces():
                assert int(dp.run(t).compute_cycles.sum()) <= dp.worst_case_cycles(t), t.layer.name
    dp = arch(encoding="binary").build()
    for t in all_ones():
        assert int(dp.run(t).compute_cycles.sum()) == dp.worst_case_cycles(t), t.layer.name


def test_binary_oneffsets_are_never_slower_than_stripes():
    stripes = arch("stripes")
    for L in (0, 2):
        for reg in (0, 1):
            a = arch(encoding="binary", first_stage_bits=L, registers=reg)
            for t in traces():
                assert cycles(a, t) <= cycles(stripes, t), t.layer.name


def test_lock_step_is_the_sum_of_per_step_maxima_and_registers_help():
    t = traces()[0]
    p = arch(registers=0).datapath.params
    view = grid.brick_view(t.windows, p.lanes, p.windows)           # g, wg, nb, cols, lanes
    cost = pragmatic_step_cycles(view, p.first_stage_bits, p.encoding)
    assert cycles(arch(registers=0), t) == int(cost.max(axis=-1).sum())
    by_reg = [cycles(arch(registers=r), t) for r in (0, 1, 2, 8)]
    assert by_reg == sorted(by_reg, reverse=True) and by_reg[-1] < by_reg[0]


def test_potential_is_popcount_times_weight_width_per_product():
    for t in traces():
        work = arch(encoding="binary").build().run(t)
        pop = terms(t.windows, "binary").reshape(t.shape.groups, t.shape.windows, -1)
        assert work.potential == float(pop.sum(dtype=np.int64)) * t.shape.k_per_group * 16


def test_fc_takes_about_the_baselines_time_per_chunk():
    fc = [t for t in traces() if t.layer.kind is LayerKind.FC][0]
    got = cycles(arch(), fc)
    chunks = fc.shape.n * grid.bricks(fc.shape, 16)
    assert chunks <= got <= chunks + 16                        # staggered issue, short tail


def test_simulation_prices_every_action():
    w = load_workload(ROOT / "tests/data/tiny.yaml")
    r = simulate(arch(), w)
    energy = r.energy_by_component()
    for component in ("pip", "offgen", "colsync", "wreg", "weights", "activations"):
        assert energy[component] > 0, component
    assert {"pip", "offgen", "colsync", "wreg"} <= set(r.area)


def test_bad_first_stage_is_a_spec_error():
    raw = load_yaml(ROOT / "arch_configs/pragmatic.yaml")
    raw["datapath"]["params"]["first_stage_bits"] = 9
    with pytest.raises(SpecError, match="first_stage_bits"):
        arch_from_dict(raw, "pragmatic.yaml")
    raw["datapath"]["params"]["first_stage_bits"] = 2
    raw["datapath"]["params"]["encoding"] = "booth"
    with pytest.raises(SpecError, match="encoding"):
        arch_from_dict(raw, "pragmatic.yaml")
