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
