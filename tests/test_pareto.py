"""The number-format family around its datapaths: the Pareto report, the transformer workloads
and the published targets it is validated against."""
import numpy as np
import pytest
from matplotlib.figure import Figure

from accelsim.engine.simulate import simulate
from accelsim.report.pareto import format_points, pareto_figure, pareto_mask
from accelsim.spec.workload import LayerKind, load_workload
from accelsim.validation import formats
from accelsim.validation.registry import Runner, targets
from test_vmac import ROOT, arch


def test_pareto_mask():
    e = np.array([1.0, 2.0, 2.0, 3.0, 0.5])
    q = np.array([10.0, 20.0, 15.0, np.inf, 5.0])
    np.testing.assert_array_equal(pareto_mask(e, q), [True, True, False, True, True])
    assert pareto_mask(np.array([1.0, 1.0]), np.array([3.0, 3.0])).all()   # ties dominate nothing


def test_points_and_figure_from_real_runs():
    w = load_workload(ROOT / "tests/data/tiny.yaml")
    results = [simulate(arch(n), w) for n in ("vmac_int8", "vmac_fp32", "vsquant_4b")]
    df = format_points(results)
    assert list(df["arch"]) == sorted(df["arch"], key=lambda a: df.set_index("arch").energy_J[a])
    row = df.set_index("arch")
    assert row.loc["vmac_fp32", "sqnr_db"] == np.inf and row.loc["vmac_fp32", "pareto"]
    assert row.loc["vsquant_4b", "sqnr_db"] < row.loc["vmac_int8", "sqnr_db"]
    assert (row["datapath_energy_J"] < row["energy_J"]).all()
    fig = pareto_figure(df)
    assert isinstance(fig, Figure) and fig.axes[0].get_xscale() == "log"
    with pytest.raises(ValueError, match="not a number-format datapath"):
        format_points([simulate(__import__("accelsim").load_arch(ROOT / "arch_configs/dadn.yaml"),
                                w.select(["fc"]))])


@pytest.mark.parametrize("name,blocks,layers,macs", [
    ("bert_base", 12, 96, 11_173_625_856),
    ("llama2_7b_prefill", 1, 9, 448_824_082_432),
    ("llama2_7b_decode", 1, 9, 219_152_384),
])
def test_transformer_workloads(name, blocks, layers, macs):
    w = load_workload(ROOT / f"workloads/{name}.yaml")
    assert len(w.layers) == layers and w.macs == macs
    assert all(l.kind is LayerKind.MATMUL and l.act_bits == l.wgt_bits == 16 for l in w.layers)
    heads = [l for l in w.layers if l.shape.groups > 1]
    assert len(heads) == 2 * blocks                   # QK^T and PV per block
    for l in heads:                       # attention: both operands are activations
        assert l.wgt.dist == "student_t" and l.shape.groups in (12, 32)
    assert all(l.act.dist in ("student_t", "half_normal") for l in w.layers)


def test_format_targets_are_registered_with_the_published_values():
    mine = {(t.design, t.published) for t in targets() if t.design in ("VS-Quant", "LNS-Madam")}
    assert mine == {("VS-Quant", 0.37), ("VS-Quant", 0.36), ("VS-Quant", 0.24), ("VS-Quant", 0.69),
                    ("VS-Quant", 0.26), ("VS-Quant", 0.28), ("LNS-Madam", 0.90), ("LNS-Madam", 0.55)}


def test_area_savings_from_the_inventories():
    r = Runner()
    four = [t for t in formats.TARGETS if t.metric.startswith("area saving vs INT8, W4A4")][0]
    m = four.measure(r)
    # CACTI SRAM buffers shrink with 4-bit storage more than the registered datapath does (75%
    # since the CACTI tables' delay bound made SRAM banks larger)
    assert 0.3 < m.value < 0.85 and m.value > m.details["datapath only"] > 0.4
    bert = [t for t in formats.TARGETS if "BERT" in t.metric][0].measure(r)
    assert 0 < bert.value < m.value
