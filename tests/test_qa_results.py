"""QA: result tables a user sums or plots have no holes and add up."""
import accelsim

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


def test_energy_columns_are_zero_where_a_layer_does_not_use_a_part():
    # Tartan's FC activation registers stay idle on conv layers: 0 J, not an empty cell
    r = accelsim.simulate(accelsim.load_arch(ROOT / "arch_configs/tartan.yaml"),
                          accelsim.load_workload(ROOT / "tests/data/tiny.yaml"))
    df = r.per_layer()
    parts = [c for c in df.columns if c.startswith("energy_") and c.endswith("_J") and c != "energy_J"]
    assert "energy_actreg_J" in parts
    assert not df[parts].isna().any().any()
    assert (df.loc[df["kind"] == "conv", "energy_actreg_J"] == 0).all()
    assert (df[parts].sum(axis=1) - df["energy_J"]).abs().max() <= 1e-12 * df["energy_J"].max()


def test_systolic_rows_keep_the_results_own_mapping_efficiency_and_utilization():
    # the systolic datapath's SCALE-Sim figures overwrote these columns: ResNet-50's FC layer on a
    # 32x32 WS array printed a mapping efficiency of 97.7% at a utilization of 1.0%
    r = accelsim.simulate(accelsim.load_arch(ROOT / "arch_configs/systolic_32x32_ws.yaml"),
                          accelsim.load_workload(ROOT / "tests/data/tiny.yaml"))
    df = r.per_layer()
    assert (df["mapping_efficiency"] == df["ideal_cycles"] / df["compute_cycles"]).all()
    assert (df["utilization"] == df["ideal_cycles"] / df["cycles"]).all()
    assert df["scalesim_mapping_efficiency"].between(0, 1).all()


def test_fit_residency_on_a_model_larger_than_the_buffer_is_noted(tmp_path, run_cli):
    # DPRed on AlexNet read 'dram 0.00' with no word that 116 MiB of weights were taken as on chip
    code, _, err = run_cli("run", "dpred", "alexnet", "-q", "--layers", "conv2,fc6")
    assert code == 0
    assert err.startswith("warning: ") and "memory.weights_resident: fit: alexnet's weights are 72.6 MiB" in err
    code, _, err = run_cli("run", "vmac_int8", ROOT / "tests/data/tiny.yaml", "-q")
    assert code == 0 and err == ""                   # the whole model fits: nothing assumed
