"""Bit-Tactical: the scheduler kernel against its twin, schedule validity and function, and the
invariants against the back-ends alone."""
from pathlib import Path

import numpy as np
import pytest

from accelsim.datapaths import tactical_schedule as ts
from accelsim.engine.simulate import simulate
from accelsim.numerics import sparse_kernels as kernels
from accelsim.spec.workload import load_workload
from accelsim.workload import tensors
from accelsim.workload.trace import LayerTrace, build_trace
from support import arch, cycles

ROOT = Path(__file__).resolve().parents[1]
L_OFFSETS = ts.search_offsets("L", 2, 5, 16)

# A layer of every kind whose channels fill whole bricks (no zero padding for the scheduler to
# exploit), so dense weights leave the front-end nothing to do.
DENSE = """
name: dense
seed: 3
defaults: {act_bits: 9, wgt_bits: 8, act: {dist: relu_normal, density: 0.6}}
layers:
  - {name: conv, kind: conv, in_channels: 32, in_size: 9, out_channels: 40, kernel: 3, padding: 1}
  - {name: grouped, kind: conv, in_channels: 64, in_size: 6, out_channels: 48, kernel: 3, padding: 1, groups: 2}
  - {name: fc, kind: fc, in_features: 96, out_features: 300}
  - {name: mm, kind: matmul, m: 20, k: 48, n: 24}
"""


def front_end(**params):
    """The schedule over a DaDianNao back-end: one cycle per step, one window at a time."""
    return arch("tactical_p", backend="bitparallel", windows=1, **params)


def traces(path):
    w = load_workload(path)
    return [build_trace(l, w, i) for i, l in enumerate(w.layers)]


@pytest.fixture(scope="module")
def tiny():
    return traces(ROOT / "tests/data/tiny.yaml")


@pytest.fixture(scope="module")
def dense(tmp_path_factory):
    path = tmp_path_factory.mktemp("w") / "dense.yaml"
    path.write_text(DENSE)
    return traces(path)


def pruned(trace, fraction, seed=0):
    """The trace with a seeded ``fraction`` of its weights set to zero (nested in ``fraction``)."""
    codes = trace.wgt.codes.copy().reshape(-1)
    order = np.random.default_rng(seed).permutation(codes.size)
    codes[order[:int(round(fraction * codes.size))]] = 0
    return LayerTrace(trace.layer, trace.act,
                      tensors.Operand(codes.reshape(trace.wgt.codes.shape), trace.wgt.signed, 0.0,
                                      float("inf")))


def random_grid(rng, lanes=16):
    shape = (int(rng.integers(1, 40)), int(rng.integers(1, 5)), lanes)
    keep = rng.random(shape) < rng.uniform(0.03, 1.0)
    return (keep * rng.integers(-9, 10, shape)).astype(np.int32)


# -- the scheduler ------------------------------------------------------------------------------
def test_search_windows():
    assert [tuple(o) for o in L_OFFSETS] == [(1, 0), (2, 0), (1, 15), (1, 14), (1, 13), (1, 12), (1, 11)]
    t = {tuple(o) for o in ts.search_offsets("T", 2, 5, 16)}
    assert t == {(1, 0), (1, 15), (1, 1), (2, 0), (2, 14), (2, 2)}      # (t+1, lane+h-1) repeats
    p = arch("tactical_p").datapath.params
    assert p.select_bits == 3 and 1 + len(p.offsets) == 8               # 8-input multiplexers


@pytest.mark.parametrize("seed", range(10))
@pytest.mark.parametrize("pattern", ["L", "T"])
def test_schedule_kernel_matches_twin_and_is_valid(seed, pattern):
    rng = np.random.default_rng(seed)
    lanes = int(rng.choice([4, 8, 16]))
    h, d = int(rng.integers(1, 4)), int(rng.integers(0, lanes))
    off = ts.search_offsets(pattern, h, d, lanes)
    for _ in range(5):
        w = random_grid(rng, lanes)
        src, base = kernels.tactical_schedule(w, off, h)
        src2, base2 = kernels.tactical_schedule_numpy(w, off, h)
        assert np.array_equal(src, src2) and np.array_equal(base, base2)
        ts.check(ts.Schedule(src, base, w.shape[0], lanes), w, off, h)


def test_schedule_by_hand():
    # One filter, 4 lanes, L window h=2 d=1: slot lane l takes (t+1, l), (t+2, l), (t+1, l-1).
    w = np.array([[[5, 0, 0, 0]], [[0, 6, 0, 0]], [[0, 0, 7, 0]], [[0, 0, 0, 8]]], dtype=np.int32)
    s = ts.build(w, ts.search_offsets("L", 2, 1, 4), 2)
    # Row 0 keeps 5. Weight 7 at (2, 2) is reachable from slot 2 only, 6 at (1, 1) from slots 1
    # and 2: the least flexible goes first (7 -> slot 2), then 6 -> slot 1. Rows 1 and 2 are
    # then empty and skipped; the last step stands on row 3.
    assert s.base.tolist() == [0, 3]
    assert s.src[:, 0].tolist() == [[0, 5, 10, -1], [-1, -1, -1, 15]]


# One filter, 4 lanes, L window h=2 d=1; slot lane l reaches (t+1, l-1), (t+1, l), (t+2, l).
HAND = np.array([[[0, 5, 0, 7]], [[1, 2, 0, 3]], [[4, 0, 6, 0]]], dtype=np.int32)


def test_promotion_orders_by_hand():
    # least_flexible: in row 0 every weight is reached by one slot; the nearest row and lowest
    # lane goes first: 1 (1, 0) -> slot 0, 2 (1, 1) -> slot 2. In row 1, 6 (2, 2) is reached by
    # slot 2 only, 4 (2, 0) by slots 0 and 1: 6 -> slot 2, then 4 -> slot 0 (fewer candidates
    # left, lower lane). Nothing is left, so row 2 is never visited.
    off = ts.search_offsets("L", 2, 1, 4)
    s = ts.build(HAND, off, 2)
    assert s.base.tolist() == [0, 1]
    assert s.src[:, 0].tolist() == [[4, 1, 5, 3], [8, -1, 10, 7]]
    # most_candidates (DNNsim): search map sorted (1, -1), (1, 0), (2, 0). Row 0: slot 0 has three
    # candidates, slot 2 two: slot 0 takes its first, 3 at (1, 3); then slot 2 takes 2 (1, 1).
    # Row 1 holds 1 and three zero slots of one candidate each: lane 1 takes 4 (2, 0), lane 2
    # takes 6 (2, 2). Row 2 is then all zero and skipped.
    off = ts.search_offsets("L", 2, 1, 4, sort=True)
    assert [tuple(o) for o in off] == [(1, 3), (1, 0), (2, 0)]
    m = ts.build(HAND, off, 2, "most_candidates")
    assert m.base.tolist() == [0, 1]
    assert m.src[:, 0].tolist() == [[7, 1, 5, 3], [4, 8, 10, -1]]
    assert (m.zsrc == -1).all()             # lane 3 of row 1 was emptied by a promotion
    for sched in (s, m):
        ts.check(sched, HAND, off, 2)


def test_zero_slots_left_in_place_still_select_their_activation():
    w = np.array([[[0, 5, 0, 7]], [[0, 0, 0, 0]], [[0, 0, 0, 0]], [[0, 0, 9, 0]]], np.int32)
    off = ts.search_offsets("L", 2, 1, 4, sort=True)
    for scheduler in ts.SCHEDULERS:
        s = ts.build(w, off, 2, scheduler)
        assert s.src[0, 0].tolist() == [-1, 1, -1, 3]
        assert s.zsrc[0, 0].tolist() == [0, -1, 2, -1]      # own zeros, none moved
        assert s.paired().tolist()[0] == [1, 3]
        assert s.paired(fed=True).tolist()[0] == [0, 1, 2, 3]
    # DNNsim visits every row: rows 1-2 skipped, row 3 a step (9 stays), and it does not stop
    # early; ours stops once every weight is placed (the same here).
    assert ts.build(w, off, 2, "most_candidates").base.tolist() == [0, 3]
    # a padding lane (no channel) selects nothing, except DNNsim's (0, 0) origin in row 0
    real = np.array([[1, 1, 1, 0]] * 4, bool)
    m = ts.build(w, off, 2, "most_candidates", real)
    assert m.zsrc[:, 0].tolist() == [[0, -1, 2, -1], [12, 13, -1, -1]]


@pytest.mark.parametrize("seed", range(6))
def test_most_candidates_schedules_are_valid(seed):
    rng = np.random.default_rng(seed)
    lanes = int(rng.choice([4, 8, 16]))
    h, d = int(rng.integers(1, 4)), int(rng.integers(0, lanes))
    off = ts.search_offsets("L", h, d, lanes, sort=True)
    for _ in range(5):
        w = random_grid(rng, lanes)
        s = ts.build(w, off, h, "most_candidates")
        ts.check(s, w, off, h)
        live = s.zsrc >= 0
        assert not (live & (s.src >= 0)).any()
        pos = s.zsrc[live]                                   # only zero weights still select
        f_idx = np.nonzero(live)[1]
        assert (w[pos // lanes, f_idx, pos % lanes] == 0).all()


def test_per_filter_rounds_never_exceed_the_column_rounds():
    from accelsim.datapaths.tactical import step_costs
    from accelsim.numerics.kernels import oneffset_rounds
    rng = np.random.default_rng(0)
    w = ((rng.random((9, 4, 16)) < 0.4) * rng.integers(1, 9, (9, 4, 16))).astype(np.int32)
    s = ts.build(w, ts.search_offsets("L", 2, 5, 16, sort=True), 2, "most_candidates")
    acts = rng.integers(0, 1 << 12, (40, 9 * 16 + 1))
    acts[:, -1] = 0

    def rule(v):
        return oneffset_rounds(np.ascontiguousarray(v.reshape(-1, v.shape[-1])), 4).reshape(v.shape[:-1])
    column = step_costs(acts, s.paired(fed=True), rule)
    per = step_costs(acts, s.paired(fed=True, per_filter=True), rule)
    by_hand = np.stack([rule(acts[:, s.paired(fed=True, per_filter=True)[:, f]])
                        for f in range(4)]).max(axis=0)
    assert np.array_equal(per, by_hand)
    assert (per <= column).all() and (per < column).any()


def test_all_zero_rows_are_skipped_at_most_h_in_a_row():
    w = np.zeros((9, 1, 16), dtype=np.int32)
    w[8, 0, 0] = 1
    s = ts.build(w, L_OFFSETS, 2)
    assert s.base.tolist() == [2, 5, 8]       # the window refills whole at most once per step
    ts.check(s, w, L_OFFSETS, 2)
    assert ts.build(np.zeros((5, 2, 16), np.int32), L_OFFSETS, 2).steps == 0


def test_check_rejects_invalid_schedules():
    rng = np.random.default_rng(4)
    w = (rng.random((12, 2, 16)) < 0.3).astype(np.int32)
    s = ts.build(w, L_OFFSETS, 2)
    moved = np.argwhere((s.src >= 0) & (s.src // 16 != s.base[:, None, None]))[0]
    bad = [s.src.copy() for _ in range(3)]
    bad[0][tuple(moved)] = -1                                      # a weight dropped
    first = tuple(np.argwhere(s.src >= 0)[0])
    free = tuple(np.argwhere(s.src < 0)[0])
    bad[1][free] = s.src[first]                                   # a weight twice (or far away)
    far = bad[2]
    far[tuple(moved)] = (s.src[tuple(moved)] + 5 * 16) % (12 * 16)  # outside its window
    for src in bad:
        with pytest.raises(ValueError):
            ts.check(ts.Schedule(src, s.base, 12, 16), w, L_OFFSETS, 2)


def test_schedule_never_longer_than_dense():
    rng = np.random.default_rng(11)
    for _ in range(200):
        w = random_grid(rng)
        assert ts.build(w, L_OFFSETS, 2).steps <= w.shape[0]


def test_greedy_is_close_to_monotone():
    """Extra zeros can change the greedy's choices; the schedule is then rarely one step longer
    (the scheduler is a heuristic, not optimal). Pins that this stays rare and small."""
    rng = np.random.default_rng(5)
    longer, trials = 0, 600
    for _ in range(trials):
        w = random_grid(rng)
        nz = np.argwhere(w)
        if len(nz) == 0:
            continue
        less = w.copy()
        less[tuple(nz[rng.choice(len(nz), int(rng.integers(1, len(nz) + 1)), replace=False)].T)] = 0
        grow = ts.build(less, L_OFFSETS, 2).steps - ts.build(w, L_OFFSETS, 2).steps
        assert grow <= 1
        longer += grow > 0
    assert longer <= trials // 100


def test_one_extra_zero_can_lengthen_the_greedy_schedule():
    # Without the zero, row 0 keeps a weight and the greedy drains row 1 from it; with it, row 0 is
    # skipped and the window standing on row 1 cannot drain row 2 (a limit of any greedy).
    rows = [[0, 1, 0, 0], [0, 1, 0, 1], [0, 1, 1, 0], [1, 0, 0, 0], [0, 0, 1, 0]]
    w = np.array(rows, np.int32)[:, None]
    off = ts.search_offsets("L", 2, 3, 4)
    less = w.copy()
    less[0, 0, 1] = 0
    assert ts.build(w, off, 2).steps == 2 and ts.build(less, off, 2).steps == 3


# -- the datapath: function -------------------------------------------------------------------------
@pytest.mark.parametrize("scheduler", ts.SCHEDULERS)
@pytest.mark.parametrize("pattern", ["L", "T"])
@pytest.mark.parametrize("fraction", [0.0, 0.6])
def test_scheduled_layer_computes_the_reference_output(tiny, pattern, fraction, scheduler):
    dp = arch("tactical_p", pattern=pattern, scheduler=scheduler).build()
    lanes, filters = dp.p.lanes, dp.p.filters
    for trace in (pruned(t, fraction, seed=2) for t in tiny):
        out = []
        for g, sets in enumerate(dp.schedules(trace)):
            acts = ts.activation_rows(trace.windows[g], lanes)
            grid_w = ts.weight_grid(trace.filters[g], lanes)
            pad = np.zeros((grid_w.shape[0], len(sets) * filters, lanes), np.int32)
            pad[:, :grid_w.shape[1]] = grid_w
            parts = []
            for i, sched in enumerate(sets):
                w = pad[:, i * filters:(i + 1) * filters]
                ts.check(sched, w, dp.offsets, dp.p.lookahead)
                parts.append(ts.outputs(sched, w, acts))
            out.append(np.concatenate(parts, axis=1)[:, :trace.shape.k_per_group])
        assert np.array_equal(np.stack(out), trace.reference_output()), trace.layer.name


# -- the datapath: invariants -----------------------------------------------------------------------
@pytest.mark.parametrize("config", ["tactical_p", "tactical_e"])
def test_fed_zero_lanes_cost_at_least_gated_ones(tiny, dense, config):
    """A fed zero lane adds its activation to the step's precision / oneffsets; dense weights
    leave no zero lane to feed."""
    more = 0
    for t in tiny:
        p = pruned(t, 0.5, seed=3)
        for scheduler in ts.SCHEDULERS:
            gated = cycles(arch(config, scheduler=scheduler), p)
            fed = cycles(arch(config, scheduler=scheduler, zero_lanes="fed"), p)
            assert fed >= gated, (t.layer.name, scheduler)
            more += fed > gated
    assert more >= 3
    t = dense[0]
    assert cycles(arch(config, zero_lanes="fed", scheduler="most_candidates",
                       step_rounds="filter"), t) == cycles(arch(config), t)


@pytest.mark.parametrize("group_size,registers", [(16, 0), (16, 1), (64, 0), (64, 2), (256, 1)])
def test_tclp_on_dense_weights_is_dynamic_stripes(dense, group_size, registers):
    p = arch("tactical_p", group_size=group_size, registers=registers)
    d = arch("dstripes", group_size=group_size, registers=registers)
    for t in dense:
        assert cycles(p, t) == cycles(d, t), t.layer.name


@pytest.mark.parametrize("registers,first_stage_bits,enc", [(0, 2, "booth_r4"), (1, 2, "dnnsim"),
                                                            (1, 0, "binary")])
def test_tcle_on_dense_weights_is_pragmatic(dense, registers, first_stage_bits, enc):
    kw = dict(registers=registers, first_stage_bits=first_stage_bits, encoding=enc)
    e, pra = arch("tactical_e", **kw), arch("pragmatic", **kw)
    for t in dense:
        assert cycles(e, t) == cycles(pra, t), t.layer.name


def test_front_end_on_dense_weights_is_dadn(dense):
    for t in dense:
        assert cycles(front_end(), t) == cycles(arch("dadn"), t), t.layer.name


def test_without_a_window_the_back_end_runs_alone(tiny):
    # h = 0: nothing moves and no row is skipped, even where padding lanes are zero.
    off = dict(lookahead=0, lookaside=0)
    for t in tiny:
        assert cycles(arch("tactical_p", **off), t) == cycles(arch("dstripes"), t)
        assert cycles(arch("tactical_e", **off), t) == cycles(arch("pragmatic"), t)
        assert cycles(front_end(**off), t) == cycles(arch("dadn"), t)


def test_front_end_skips_zero_weights_and_never_exceeds_dense(tiny, dense):
    for t in tiny + dense:
        base = cycles(arch("dadn"), t)
        seq = [cycles(front_end(), pruned(t, f)) for f in (0.0, 0.5, 0.8, 0.95)]
        assert all(c <= base for c in seq), t.layer.name
        assert seq == sorted(seq, reverse=True), (t.layer.name, seq)      # coarse steps
        assert seq[0] * 3 >= base      # a step covers at most h+1 = 3 rows


def test_pruning_speeds_up_the_serial_back_ends(dense):
    """Coarse pruning steps shorten TCLp and TCLe. Finer steps need not: a promoted weight brings
    its activation into an earlier step, whose precision or oneffset count can only grow, while
    its own row may still not empty (see test_a_promotion_can_slow_tclp)."""
    for name in ("tactical_p", "tactical_e"):
        for t in dense:
            seq = [cycles(arch(name), pruned(t, f)) for f in (0.0, 0.6, 0.9)]
            assert seq[0] > seq[1] > seq[2], (name, t.layer.name, seq)


def test_a_promotion_can_slow_tclp():
    # Two filters, two rows, one window. Filter 1 fills row 0 and has a weight at (1, 0) that
    # nothing can take; filter 0 has a weight at (1, 1) on a 12-bit activation. With filter 0's
    # row 0 full, step 1 pairs {10, 4095}: 1 + 12 cycles. Zeroing filter 0's weight at (0, 1)
    # lets (1, 1) move up: step 0 pairs {1, 4095} (12) and step 1 still runs for 10 (3 bits).
    from accelsim.numerics.bits import group_precision
    acts = np.zeros(2 * 16 + 1, np.int32)
    acts[:16], acts[16], acts[17] = 1, 10, 4095
    w = np.zeros((2, 2, 16), np.int32)
    w[0] = 1
    w[1, 0, 1] = w[1, 1, 0] = 1
    less = w.copy()
    less[0, 0, 1] = 0
    spent = [int(group_precision(acts[ts.build(x, L_OFFSETS, 2).paired()], axis=-1).sum())
             for x in (w, less)]
    assert spent == [13, 15]


# -- costs, workloads, errors ---------------------------------------------------------------------
def test_select_bits_are_weight_traffic(dense):
    t = dense[0]                                  # 40 filters (sets of 16, 16, 8), 18 rows
    with_mux = arch("tactical_p").build().run(t).actions["weights.read_bits"]
    without = arch("tactical_p", lookahead=0, lookaside=0).build().run(t).actions["weights.read_bits"]
    groups = -(-t.shape.windows // 16)            # the schedule is read once per window group
    assert without == groups * 18 * 40 * 16 * 16
    # the same dense schedule, each weight with 3 select bits, each step of a set 2 advance bits
    assert with_mux == groups * 18 * (40 * 16 * (16 + 3) + 3 * 2)


def test_every_back_end_is_priced(tiny):
    w = load_workload(ROOT / "tests/data/tiny.yaml")
    for a in (arch("tactical_p"), arch("tactical_e"), front_end()):
        r = simulate(a, w)
        assert r.joules > 0 and r.area["mux"] > 0 and r.area["abuf"] > 0
        assert all(l.energy["mux"] > 0 for l in r.layers)


def test_pruned_alexnet_workload():
    base = load_workload(ROOT / "workloads/alexnet.yaml")
    pr = load_workload(ROOT / "workloads/alexnet_pruned.yaml")
    dens = [l.wgt.density for l in pr.layers]
    assert dens == [0.84, 0.38, 0.35, 0.37, 0.37, 0.09, 0.09, 0.25]
    assert [l.shape for l in pr.layers] == [l.shape for l in base.layers]
    assert [l.act for l in pr.layers] == [l.act for l in base.layers]


@pytest.mark.parametrize("key,value,expect", [
    ("lookaside: 5", "lookaside: 16", "datapath.params.lookaside"),
    ("pattern: L", "pattern: X", "datapath.params.pattern"),
    ("backend: precision", "backend: exact", "datapath.params.backend"),
    ("group_size: 16", "group_size: 24", "datapath.params.group_size"),
])
def test_bad_params_are_spec_errors(tmp_path, run_cli, key, value, expect):
    text = (ROOT / "arch_configs/tactical_p.yaml").read_text()
    assert key in text
    path = tmp_path / "t.yaml"
    path.write_text(text.replace(key, value))
    code, _, err = run_cli("run", path, "tests/data/tiny.yaml")
    assert code == 2 and expect in err and len(err.strip().splitlines()) == 1


def test_sampling_windows_estimates_the_full_run():
    from accelsim.engine.sampling import Sampling
    w = load_workload(ROOT / "tests/data/tiny.yaml").select(["conv1", "conv2"])
    a = arch("tactical_p")
    full = simulate(a, w)
    est = simulate(a, w, sample=Sampling(0.5, seed=1))
    assert any("cycles_rel_stderr" in l.extra for l in est.layers)      # it did sample
    assert est.cycles == pytest.approx(full.cycles, rel=0.1)
