"""VS-Quant: the integer part equals the hardware-order per-vector computation exactly, outputs stay
within the two-level format's error bound, scales travel with their vectors, and per-vector
scaling beats per-tensor scaling at the same element width."""
import numpy as np
import pytest

from accelsim.datapaths import vmac
from accelsim.numerics import intq
from test_vmac import arch, bounded, operands, traces


def test_integer_part_is_exact_in_hardware_order():
    dp = arch("vsquant_4b").build()
    for t in traces():
        for a, w in vmac.group_operands(t, 16):
            q = dp.quantize(a, w, t, np.arange(a.shape[0]), np.arange(w.shape[0]))
            fast = dp.integer_part(q)
            qa = intq.quantize_vector(vmac.flat(a), 4, 16, scale_bits=4, signed=t.act.signed)
            qw = intq.quantize_vector(vmac.flat(w), 4, 16, scale_bits=4, signed=t.wgt.signed,
                                      gamma_axis=None if vmac.b_is_activation(t) else 0)
            # per vector: V-wide integer dot product, times sq_a x sq_w, integer accumulation
            va, vw = intq.to_vectors(qa.codes, 16), intq.to_vectors(qw.codes, 16)
            dots = np.einsum("avi,kvi->akv", va, vw)
            slow = (dots * qa.sq[:, None, :] * qw.sq[None, :, :]).sum(axis=-1)
            np.testing.assert_array_equal(fast, slow)
            assert fast.dtype == np.int64


def test_outputs_within_the_two_level_bound():
    dp = arch("vsquant_4b").build()
    for t in traces():
        a, w = operands(t)

        def err(x, bits, sbits, per_row, signed):
            """Per element: half a step of the vector's scale, plus what rounding sq_v down
            clips off the vector's largest element."""
            ea = np.zeros_like(x)
            for g in range(x.shape[0]):
                for idx in range(x.shape[1]) if per_row else [slice(None)]:
                    xs = x[g, idx]
                    q = intq.quantize_vector(np.atleast_2d(xs), bits, 16, scale_bits=sbits,
                                             signed=signed)
                    step = q.element_scale()
                    top = intq.qmax(bits, signed)
                    amax = intq.expand_vectors(np.abs(intq.to_vectors(np.atleast_2d(xs), 16)).max(-1),
                                               16, xs.shape[-1])
                    ea[g, idx] = (step / 2 + np.maximum(0, amax - top * step)).reshape(xs.shape)
            return ea
        # layouts differ (vectors per kernel position in the datapath), so compare on layers
        # whose reduction is channels only
        if t.shape.r != 1:
            continue
        per_channel = not vmac.b_is_activation(t)
        bounded(dp.outputs(t), t, err(a, 4, 4, False, t.act.signed),
                err(w, 4, 4, per_channel, t.wgt.signed))


def test_per_vector_scaling_beats_per_tensor_at_equal_width():
    t = traces(12, ["fc"])[0]
    vs = arch("vsquant_4b", wgt_bits=8, act_bits=8, wgt_scale_bits=8, act_scale_bits=8).build().run(t)
    i8 = arch("vmac_int8").build().run(t)
    assert vs.extra["fmt_wgt_sqnr_db"] > i8.extra["fmt_wgt_sqnr_db"]
    assert vs.extra["fmt_act_sqnr_db"] > i8.extra["fmt_act_sqnr_db"]


def test_scale_bits_travel_with_vectors_and_cost_energy():
    t = traces(names=["conv2"])[0]
    a = arch("vsquant_4b")
    work = a.build().run(t)
    vc = t.shape.windows * t.shape.k * 9
    assert work.actions["weights.read_bits"] == vc * (16 * 4 + 4)
    assert work.actions["vmac.scale.op"] == vc and work.actions["vmac.sqmult.op"] == vc
    inv = a.build().inventory()
    assert inv["vmac.mult"].attr("a_bits") == 4 and inv["vmac.scale"].attr("b_bits") == 8
    wider = arch("vsquant_4b", wgt_scale_bits=8, act_scale_bits=8).build()
    assert wider.run(t).actions["weights.read_bits"] == vc * (16 * 4 + 8)


def test_vsquant_4b_is_cheaper_than_int8_per_mac():
    from accelsim.cost import price
    t = traces(names=["fc"])[0]
    e = {}
    for name in ("vsquant_4b", "vmac_int8"):
        dp = arch(name).build()
        acts = {k: v for k, v in dp.run(t).actions.items() if k.startswith("vmac")}
        e[name] = price.energy(acts, dp.inventory(), 16, 0.8, 0.0)["vmac"]
    assert e["vsquant_4b"] < 0.6 * e["vmac_int8"]


def test_scale_width_out_of_range_is_a_spec_error():
    from accelsim.errors import SpecError
    from accelsim.spec.arch import arch_from_dict
    raw = {"name": "x", "clock": {"frequency_mhz": 1000}, "technology": {"node_nm": 16},
           "memory": {"dram": {"type": "HBM2"}, "buffers": {
               "weights": {"size_kib": 64}, "activations": {"size_kib": 64}}},
           "datapath": {"kind": "vsquant", "params": {"act_scale_bits": 12}}}
    with pytest.raises(SpecError, match=r"act_scale_bits: expected an integer in 1\.\.8, got 12"):
        arch_from_dict(raw, "a.yaml")
