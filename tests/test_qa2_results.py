"""QA (installed-wheel pass): a comparison is only made between results of the same layers."""
import pytest

import accelsim

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
TINY = ROOT / "tests/data/tiny.yaml"


def _derived(tmp_path, name: str, body: str):
    path = tmp_path / f"{name}.yaml"
    path.write_text(f"name: tiny\nbase: {TINY}\n{body}")
    return accelsim.load_workload(path)


def test_compare_refuses_a_baseline_run_on_other_layers_of_the_same_names(tmp_path):
    # AlexNet and VGG-M share the names conv1..fc8: stripes on one against dadn on the other gave
    # speedups of 8x on conv4 without a word
    bigger = _derived(tmp_path, "bigger", "overrides: {conv1: {in_size: 40}}\n")
    mine = accelsim.simulate(accelsim.load_arch("stripes"), accelsim.load_workload(TINY))
    other = accelsim.simulate(accelsim.load_arch("dadn"), bigger)
    with pytest.raises(ValueError, match="layer conv1: .*same workload"):
        mine.compare(other)


def test_compare_accepts_the_same_layers_at_other_precisions(tmp_path):
    # a design on a re-quantized workload against a baseline on the original is a fair comparison
    work = accelsim.load_workload(TINY)
    narrow = _derived(tmp_path, "narrow", "set: {act_bits: 4}\n")
    mine = accelsim.simulate(accelsim.load_arch("stripes"), narrow)
    base = accelsim.simulate(accelsim.load_arch("dadn"), work)
    table = mine.compare(base).set_index("layer")
    assert table.loc["total", "speedup"] == pytest.approx(base.seconds / mine.seconds)


def test_datapath_energy_scope_leaves_out_leakage_like_the_format_targets():
    # registry.scoped_joules kept the leakage of every part (buffers' included) in its datapath
    # scope, which the README and formats.scoped_energy define as arithmetic, registers, clock
    # tree and wires
    from accelsim.validation import formats
    from accelsim.validation.registry import scoped_joules
    result = accelsim.simulate(accelsim.load_arch("vmac_int8"), accelsim.load_workload(TINY))
    by = result.energy_by_component()
    assert by["leakage"] > 0
    datapath = scoped_joules(result, "datapath")
    assert datapath == pytest.approx(formats.scoped_energy(result, "datapath"))
    assert datapath == pytest.approx(sum(v for k, v in by.items()
                                         if k not in ("weights", "activations", "outputs", "dram", "leakage")))
    assert scoped_joules(result, "on-chip") == pytest.approx(result.joules - by.get("dram", 0.0))


def test_density_sweep_refuses_operands_read_from_files(tmp_path):
    # with_density set the density of a file-backed operand, which keeps the file's zeros: a
    # density study reported weights at 0.2 that were 99.5% non-zero
    import numpy as np
    from accelsim.report.density import with_density
    np.save(tmp_path / "w.npy", np.random.default_rng(0).integers(-50, 50, size=(30, 400)).astype(np.int8))
    wl = tmp_path / "w.yaml"
    wl.write_text(f"name: tiny\nbase: {TINY}\noverrides: {{fc: {{wgt: {{file: w.npy}}}}}}\n")
    with pytest.raises(ValueError, match=r"fc\.wgt read from tensor files"):
        with_density(accelsim.load_workload(wl), 0.2)
    assert with_density(accelsim.load_workload(TINY), 0.2).layers[3].wgt.density == 0.2
