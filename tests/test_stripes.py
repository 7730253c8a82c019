"""Stripes / Dynamic Stripes invariants against the bit-parallel baseline."""
import dataclasses

import numpy as np
import pytest

from accelsim.numerics.bits import group_precision
from accelsim.spec.workload import load_workload
from accelsim.workload.trace import build_trace
from support import arch, cycles, tiny_traces as traces

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


def test_stripes_at_16_bits_does_the_baselines_work_on_conv():
    dadn, stripes = arch("dadn"), arch("stripes")
    for t in traces(act_bits=16, wgt_bits=16):
        if t.layer.kind.value == "fc":
            continue
        s = t.shape
        windows_rounded = -(-s.windows // 16) * 16        # Stripes runs windows 16 at a time
        assert cycles(stripes, t) * s.windows == cycles(dadn, t) * windows_rounded, t.layer.name


def test_stripes_fc_runs_at_baseline_speed():
    dadn, stripes = arch("dadn"), arch("stripes")
    fc = [t for t in traces() if t.layer.kind.value == "fc"][0]
    d, s = cycles(dadn, fc), cycles(stripes, fc)
    assert d <= s <= d + fc.layer.act_bits            # staggered start: only a tail longer


def test_stripes_time_proportional_to_precision():
    s = arch("stripes")
    conv = traces()[1]
    base = cycles(s, conv)
    for p in (1, 4, 8, 12, 16):
        t = build_like(conv, act_bits=p)
        assert cycles(s, t) * conv.layer.act_bits == base * p


def build_like(trace, **changes):
    w = load_workload(ROOT / "tests/data/tiny.yaml")
    layer = dataclasses.replace(trace.layer, **changes)
    return build_trace(layer, w, 0)


def test_dstripes_never_slower_than_stripes():
    s, d = arch("stripes"), arch("dstripes")
    for t in traces():
        assert cycles(d, t) <= cycles(s, t), t.layer.name
    for reg in (0, 1, 4):
        for g in (16, 64, 256):
            dd = arch("dstripes", registers=reg, group_size=g)
            for t in traces():
                assert cycles(dd, t) <= cycles(s, t)


def test_dstripes_more_registers_never_slower_and_bigger_groups_never_faster():
    t = traces()[1]
    by_reg = [cycles(arch("dstripes", registers=r), t) for r in range(4)]
    assert by_reg == sorted(by_reg, reverse=True)
    by_group = [cycles(arch("dstripes", registers=0, group_size=g), t) for g in (16, 32, 64, 256)]
    assert by_group == sorted(by_group)


def test_cycles_monotone_in_precision():
    for name in ("stripes", "dstripes"):
        a = arch(name)
        conv = traces()[1]
        seq = [cycles(a, build_like(conv, act_bits=p)) for p in (2, 4, 6, 8, 12, 16)]
        assert seq == sorted(seq), (name, seq)


def test_group_precision_detects_leading_and_trailing_zeros():
    g = np.array([[0b0001100, 0b0000100, 0, 0], [0, 0, 0, 0], [255, 1, 0, 0], [-3, 4, 0, 0]])
    assert list(group_precision(g)) == [2, 1, 8, 4]       # -3|4 = 0b111, plus a sign bit
    assert list(group_precision(g, leading_only=True)) == [4, 1, 8, 4]


def test_bad_group_size_is_a_spec_error(tmp_path, run_cli):
    text = (ROOT / "arch_configs/dstripes.yaml").read_text().replace("group_size: 16", "group_size: 24")
    path = tmp_path / "d.yaml"
    path.write_text(text)
    code, _, err = run_cli("run", path, "tests/data/tiny.yaml")
    assert code == 2 and "datapath.params.group_size" in err and "got 24" in err


def test_potentials_are_p_times_16_per_mac_for_stripes():
    import accelsim
    w = load_workload(ROOT / "tests/data/tiny.yaml")
    r = accelsim.simulate(arch("stripes"), w)
    pot = r.potentials().set_index("layer")
    for l in w.layers:
        assert pot.loc[l.name, "design_bitops"] == l.macs * l.act_bits * 16
    assert pot.loc["total", "work_reduction"] == pytest.approx(
        256 * w.macs / sum(l.macs * l.act_bits * 16 for l in w.layers))
    d = accelsim.simulate(arch("dstripes"), w).potentials().set_index("layer")
    assert (d["design_bitops"] <= pot["design_bitops"]).all()
