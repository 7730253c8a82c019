"""Diffy on Dynamic Stripes: exact outputs through deltas and reconstruction, fewer cycles on
smooth maps than Dynamic Stripes, the same cycles on FC layers, reconstruction adders counted."""
import dataclasses

import numpy as np

from support import arch, tiny_traces


def _smooth(trace):
    """The trace with activations that vary slowly along x (a smooth feature map)."""
    n, c, h, w = trace.act.codes.shape
    x = np.arange(w)
    codes = (100 + 20 * np.sin(x / 4.0)[None, None, None, :] + np.zeros((n, c, h, 1))).astype(np.int32)
    codes += np.arange(c, dtype=np.int32)[None, :, None, None] % 3
    return dataclasses.replace(trace, act=dataclasses.replace(trace.act, codes=codes, signed=False))


def test_outputs_equal_the_exact_matmul():
    d = arch("diffy").build()
    for t in tiny_traces():
        out = d.outputs(t)
        np.testing.assert_array_equal(out, t.reference_output())


def test_fewer_cycles_on_smooth_maps_same_on_fc():
    diffy, dstr = arch("diffy").build(), arch("dstripes").build()
    conv = _smooth(tiny_traces()[1])
    w_diffy, w_dstr = diffy.run(conv), dstr.run(conv)
    assert w_diffy.compute_cycles.sum() < w_dstr.compute_cycles.sum()
    s = conv.shape
    assert w_diffy.actions["recon.op"] == s.n * s.out_h * (s.out_w - 1) * s.k
    fc = tiny_traces()[3]
    np.testing.assert_array_equal(diffy.run(fc).compute_cycles, dstr.run(fc).compute_cycles)
    assert "recon.op" not in diffy.run(fc).actions
