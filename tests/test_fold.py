"""fold_first_layer: stride folded into channels keeps every product and the outputs, and the
DaDN-family datapaths time the folded layer."""

import numpy as np
import pytest

from accelsim.datapaths.fold import fold_trace, foldable
from accelsim.spec.workload import LayerKind, Shape, Values, Workload, Layer
from accelsim.workload.trace import build_trace
import support


def conv(c=3, size=31, k=20, kernel=11, stride=4, pad=0, act_bits=8):
    shape = Shape(1, c, size, size, k, kernel, kernel, stride, stride, pad, pad)
    layer = Layer("conv1", LayerKind.CONV, shape, act_bits, 8,
                  Values(dist="relu_normal", density=0.8), Values(dist="normal"))
    return build_trace(layer, Workload("w", "test", 5, (layer,)), 0)


@pytest.mark.parametrize("kw", [dict(), dict(size=27, stride=2, kernel=7, pad=3),
                                dict(size=20, stride=3, kernel=5, pad=1), dict(c=1, stride=2, kernel=4)])
def test_folding_keeps_the_exact_output(kw):
    t = conv(**kw)
    f = fold_trace(t, 16)
    s = t.shape.stride_h
    assert f.shape.stride_h == 1 and f.shape.c == t.shape.c * s * s and f.shape.r == -(-t.shape.r // s)
    assert f.shape.windows == t.shape.windows
    assert np.array_equal(f.reference_output(), t.reference_output())


def test_channel_order_is_row_phase_then_column_phase_then_channel():
    t = conv()
    f = fold_trace(t, 16)
    a, b = t.act.codes, f.act.codes
    c, s = t.shape.c, 4
    for y, x, ch in [(0, 0, 0), (5, 9, 2), (13, 2, 1), (30, 30, 0)]:
        assert b[0, ((y % s) * s + x % s) * c + ch, y // s, x // s] == a[0, ch, y, x]


def test_only_shallow_strided_convs_fold():
    assert foldable(conv().shape, 16) and not foldable(conv().shape, 3)
    assert not foldable(conv(stride=1).shape, 16) and not foldable(conv(c=16).shape, 16)
    t = conv(stride=1)
    assert fold_trace(t, 16) is t


def test_dadn_conv1_time_drops_by_the_padded_lanes_and_taps():
    t = conv(size=227, k=96)                               # AlexNet conv1 (one group of 96 filters)
    base = support.cycles(support.arch("dadn"), t)
    folded = support.cycles(support.arch("dadn", fold_first_layer=True), t)
    assert base == 55 * 55 * 11 * 11 * 1                   # 3 of 16 lanes busy, 121 taps
    assert folded == 55 * 55 * 3 * 3 * 3                   # 48 channels in 3 bricks, 9 taps


@pytest.mark.parametrize("name", ["stripes", "dstripes", "loom", "pragmatic", "laconic_1k",
                                  "tactical_p", "tactical_e"])
def test_value_datapaths_run_the_folded_layer(name):
    t = conv(size=47, k=32)
    on = support.arch(name, fold_first_layer=True).build()
    off = support.arch(name).build()
    assert not on.samplable
    assert int(on.run(t).compute_cycles.sum()) == int(off.run(fold_trace(t, off.p.lanes)).compute_cycles.sum())
    assert int(on.run(t).compute_cycles.sum()) < int(off.run(t).compute_cycles.sum())


def fc_trace(n_in=700, n_out=600, act_bits=9):
    shape = Shape(1, n_in, 1, 1, n_out, 1, 1)
    layer = Layer("fc", LayerKind.FC, shape, act_bits, 8, Values(dist="relu_normal", density=0.6),
                  Values(dist="normal"))
    return build_trace(layer, Workload("w", "test", 3, (layer,)), 0)


@pytest.mark.parametrize("name", ["stripes", "dstripes", "pragmatic"])
def test_fc_pass_overlap_never_slower_and_equal_to_one_long_stream(name):
    from accelsim.datapaths.base import staggered_cycles
    t = fc_trace()
    drain = support.arch(name).build().run(t).compute_cycles
    over = support.arch(name, fc_overlap=True).build().run(t).compute_cycles
    assert over.shape == drain.shape and over.sum() < drain.sum()
    assert np.all(np.diff(drain.ravel()) == 0)          # drained passes all cost the same
    # overlapped: the passes' chunks as one stream over the columns
    a = support.arch(name).build()
    one = int(drain.ravel()[0])
    passes = drain.size
    assert one == staggered_cycles(_chunks(a, t), a.p.windows)
    assert int(over.sum()) == staggered_cycles(np.tile(_chunks(a, t), passes), a.p.windows)


def _chunks(dp, t):
    if dp.kind == "pragmatic":
        from accelsim.datapaths import grid
        from accelsim.datapaths.pragmatic import _rounds, term_masks
        view = grid.brick_view(term_masks(t.windows, dp.p.encoding), dp.p.lanes, 1)
        return _rounds(view, dp.p.first_stage_bits).reshape(-1)
    return dp.fc_chunk_cycles(t).reshape(-1)
