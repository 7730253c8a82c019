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


def test_twos_complement_groups_change_cycles_not_outputs():
    """DNNsim's convention (every group a signed code) only moves the cycle count: outputs stay
    exact, and an FC layer's unsigned chunks each pay one sign bit more."""
    twos, sm = arch("diffy", signed_precision="twos_complement").build(), arch("diffy").build()
    for t in tiny_traces():
        np.testing.assert_array_equal(twos.outputs(t), t.reference_output())
    conv = _smooth(tiny_traces()[1])
    assert twos.run(conv).compute_cycles.sum() != sm.run(conv).compute_cycles.sum()
    fc = tiny_traces()[3]
    assert not fc.act.signed and fc.act.codes.min() >= 0
    a, b = twos.fc_chunk_cycles(fc), sm.fc_chunk_cycles(fc)
    np.testing.assert_array_equal(a, b + 1)      # an all-zero chunk: 1 -> 2


def test_an_unknown_signed_precision_is_a_spec_error(tmp_path):
    import pytest
    from accelsim.errors import SpecError
    from accelsim.spec.arch import load_arch
    from support import ROOT
    text = (ROOT / "arch_configs" / "shapeshifter_diffy.yaml").read_text()
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("signed_precision: sign_magnitude", "signed_precision: twos"))
    with pytest.raises(SpecError, match="signed_precision.*twos_complement"):
        load_arch(bad)
