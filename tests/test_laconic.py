"""Laconic: the lock-step kernel and its twin, cycles against a direct count from the operands,
the term-pair arithmetic against the exact integer result, the worst case, the weight interface,
and the cost hooks."""

import numpy as np
import pytest

from accelsim.datapaths import grid
from accelsim.engine.simulate import simulate
from accelsim.errors import SpecError
from accelsim.numerics.bits import terms
from accelsim.numerics.kernels import lockstep_tile_cycles, lockstep_tile_cycles_numpy
from accelsim.spec.arch import arch_from_dict
from accelsim.spec.reader import load_yaml
from accelsim.spec.workload import LayerKind, Values, load_workload
import support
from support import cycles, tiny_traces as traces, all_ones

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
SMALL = dict(tiles=2, filters=3, windows=4, lanes=4)      # small grid: many passes and groups


def arch(name="laconic_1k", **params):
    return support.arch(name, **params)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_numba_kernel_equals_numpy_twin(seed):
    rng = np.random.default_rng(seed)
    act = rng.integers(0, 10, (7, 13, 16)) * (rng.random((7, 13, 16)) < 0.5)
    wgt = rng.integers(0, 10, (5, 13, 16))
    for floor in (1, 3, 40):
        assert np.array_equal(lockstep_tile_cycles(act, wgt, floor),
                              lockstep_tile_cycles_numpy(act, wgt, floor))


def direct_conv_cycles(trace, p, enc, load, sync="window_group"):
    """Lock-step tiles counted straight from the operands, product by product (no brick views);
    tiles meet at the end of each window group, or (``step``) at every step."""
    s = trace.shape
    ta = terms(trace.windows, enc).astype(np.int64).reshape(s.groups, s.windows, -1)
    tw = terms(trace.filters, enc).astype(np.int64).reshape(s.groups, s.k_per_group, -1)
    nb = grid.bricks(s, p.lanes)
    order = np.arange(s.r * s.s * s.c_per_group).reshape(s.r * s.s, s.c_per_group)
    total = 0
    for g in range(s.groups):
        for first in range(0, s.k_per_group, p.tiles * p.filters):
            for w0 in range(0, s.windows, p.windows):
                tile_times = []
                for t0 in range(first, min(first + p.tiles * p.filters, s.k_per_group), p.filters):
                    time = []
                    for b in range(nb):
                        pos, cb = divmod(b, grid.ceil_div(s.c_per_group, p.lanes))
                        idx = order[pos, cb * p.lanes:(cb + 1) * p.lanes]
                        a = ta[g, w0:w0 + p.windows][:, idx]                       # windows, lanes
                        w = tw[g, t0:t0 + p.filters][:, idx]                       # filters, lanes
                        prod = a[:, None, :] * w[None, :, :]
                        time.append(max(load, int(prod.max()) if prod.size else 0, 1))
                    tile_times.append(time)
                steps = np.array(tile_times)                                      # tiles, steps
                total += int(steps.max(axis=0).sum() if sync == "step" else steps.sum(axis=1).max())
    return total


@pytest.mark.parametrize("enc,sync", [("booth_r4", "window_group"), ("csd", "window_group"),
                                      ("binary", "window_group"), ("dnnsim", "step"),
                                      ("booth_r4", "step")])
def test_conv_cycles_equal_a_direct_lock_step_count(enc, sync):
    for wires in (48, 1 << 12):
        a = arch(encoding=enc, weight_wires=wires, tile_sync=sync, **SMALL)
        dp = a.build()
        for t in traces():
            if t.layer.kind is LayerKind.FC:
                continue
            load = dp.load_cycles(t.layer.wgt_bits)
            assert cycles(a, t) == direct_conv_cycles(t, a.datapath.params, enc, load, sync), \
                t.layer.name


def test_step_sync_is_never_faster_than_window_group_sync():
    for t in traces():
        assert cycles(arch(tile_sync="step", **SMALL), t) >= cycles(arch(**SMALL), t)


@pytest.mark.parametrize("enc", ["booth_r4", "csd", "binary"])
@pytest.mark.parametrize("bits", [3, 8, 16])
def test_term_pairs_equal_the_exact_integer_result(enc, bits):
    dp = arch(encoding=enc).build()
    signed = Values(dist="normal", density=0.8)
    for t in traces(act_bits=bits, wgt_bits=bits, act=signed):  # conv, strided grouped, dw, fc, matmul
        assert np.array_equal(dp.outputs(t), t.reference_output()), t.layer.name


def test_potential_is_the_sum_of_term_pair_products():
    for t in traces():
        s = t.shape
        ta = terms(t.windows, "booth_r4").astype(np.int64).reshape(s.groups, s.windows, -1)
        tw = terms(t.filters, "booth_r4").astype(np.int64).reshape(s.groups, s.k_per_group, -1)
        want = int(np.matmul(ta, tw.transpose(0, 2, 1)).sum())
        work = arch().build().run(t)
        assert work.potential == want and work.actions["lpe.lane.op"] == want


def test_never_exceeds_the_worst_case_and_all_ones_reach_it():
    for enc in ("booth_r4", "csd", "binary"):
        for wires in (128, 1024):
            dp = arch(encoding=enc, weight_wires=wires).build()
            for t in traces():
                assert int(dp.run(t).compute_cycles.sum()) <= dp.worst_case_cycles(t), t.layer.name
    for wires in (128, 1 << 14):
        dp = arch(encoding="binary", weight_wires=wires).build()
        for t in all_ones():
            assert int(dp.run(t).compute_cycles.sum()) == dp.worst_case_cycles(t), t.layer.name


def test_narrower_weight_interface_is_never_faster_and_bounds_each_step():
    for t in traces(act_bits=4, wgt_bits=4):
        by_wires = [cycles(arch(weight_wires=w), t) for w in (1 << 14, 1024, 256, 128)]
        assert by_wires == sorted(by_wires), t.layer.name
        if t.layer.kind is not LayerKind.FC:
            s = t.shape
            steps = grid.passes(s, 256) * grid.ceil_div(s.windows, 16) * grid.bricks(s, 16)
            assert by_wires[-1] >= steps * (256 * 4 // 128)


def test_fewer_terms_never_cost_cycles():
    for t in traces():
        booth, csd = cycles(arch(encoding="booth_r4"), t), cycles(arch(encoding="csd"), t)
        binary = cycles(arch(encoding="binary"), t)
        assert csd <= booth and csd <= binary, t.layer.name


def test_simulation_prices_every_action():
    w = load_workload(ROOT / "tests/data/tiny.yaml")
    r = simulate(arch(), w)
    energy = r.energy_by_component()
    for component in ("lpe", "tgen", "weights", "activations"):
        assert energy[component] > 0, component
    assert {"lpe", "tgen"} <= set(r.area)


def test_eight_bit_resnet_is_resnet_at_eight_bits():
    base, w8 = (load_workload(ROOT / f"workloads/{n}.yaml") for n in ("resnet50", "resnet50_8b"))
    assert [l.shape for l in w8.layers] == [l.shape for l in base.layers]
    assert {(l.act_bits, l.wgt_bits) for l in w8.layers} == {(8, 8)}
    assert w8.seed == base.seed


def test_bad_encoding_is_a_spec_error():
    raw = load_yaml(ROOT / "arch_configs/laconic_1k.yaml")
    raw["datapath"]["params"]["encoding"] = "booth"
    with pytest.raises(SpecError, match="encoding"):
        arch_from_dict(raw, "laconic_1k.yaml")
    raw["datapath"]["params"]["encoding"] = "csd"
    raw["datapath"]["params"]["weight_wires"] = 0
    with pytest.raises(SpecError, match="weight_wires"):
        arch_from_dict(raw, "laconic_1k.yaml")
