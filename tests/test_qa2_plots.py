"""QA (installed-wheel pass): figures of several result files keep each file's results apart.

Two run outputs of one arch on one network name (the same design at two precisions) were drawn as
one bar, the geometric mean of both; a run file beside a sweep store lost its per-layer bars under
a 'nan' legend entry; designs measured against different baselines were not told apart."""
import pytest

import accelsim
from accelsim.report import figures, plots, tables

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
TINY = ROOT / "tests/data/tiny.yaml"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    from accelsim.cli import main
    tmp = tmp_path_factory.mktemp("qa2_plots")
    narrow = tmp / "narrow.yaml"                  # the same network name, 4-bit activations
    narrow.write_text(f"name: tiny\nbase: {TINY}\nset: {{act_bits: 4}}\n")
    runs = {"wide": ("stripes", TINY, "dadn"), "narrow": ("stripes", narrow, "dadn"),
            "ds_vs_stripes": ("dstripes", TINY, "stripes")}
    for out, (arch, wl, base) in runs.items():
        assert main(["run", arch, str(wl), "--baseline", base, "-q", "-o", str(tmp / f"{out}.csv")]) == 0
    assert main(["run", "loom", str(TINY), "-q", "-o", str(tmp / "alone.csv")]) == 0
    sweep = tmp / "s.yaml"
    sweep.write_text(f"name: s\narch: dstripes\nworkload: {TINY}\nbaseline: dadn\n"
                     "axes: {datapath.params.registers: [0, 2]}\n")
    accelsim.run_sweep(sweep, tmp / "store", workers=1)
    return tmp


def _total(path, col):
    df = tables.load_results(path)
    return float(df.loc[df["layer"] == "total", col].iloc[0])


def _bars(ax) -> dict[str, list[float]]:
    return {c.get_label(): [p.get_height() for p in c.patches] for c in ax.containers}


def test_same_design_in_two_files_gets_two_bars(files):
    wide, narrow = files / "wide.csv", files / "narrow.csv"
    t = plots.totals(tables.load_many([wide, narrow]))
    assert sorted(t["design"]) == ["stripes (narrow)", "stripes (wide)"]
    fig = figures.figure("speedup", [wide, narrow])
    heights = {k: v[0] for k, v in _bars(fig.axes[0]).items()}
    assert heights == pytest.approx({"stripes (wide)": _total(wide, "speedup"),
                                     "stripes (narrow)": _total(narrow, "speedup")})
    assert _total(wide, "speedup") != pytest.approx(_total(narrow, "speedup"))


def test_a_run_file_beside_a_sweep_store_keeps_its_layer_bars(files):
    run = files / "wide.csv"
    fig = figures.figure("layers", [files / "store", run])
    bars = _bars(fig.axes[0])
    assert "nan" not in bars and "stripes" in bars
    layers = tables.load_results(run)
    layers = layers[layers["layer"] != "total"]
    assert bars["stripes"] == pytest.approx(list(layers["speedup"]))


def test_designs_against_different_baselines_name_their_own(files):
    paths = [files / "wide.csv", files / "ds_vs_stripes.csv"]
    for kind in ("speedup", "layers"):
        fig = figures.figure(kind, paths)
        assert [t.get_text() for t in fig.legends[0].get_texts()] == ["stripes vs dadn",
                                                                       "dstripes vs stripes"]
    # one baseline: labels stay the design names
    fig = figures.figure("speedup", [files / "wide.csv", files / "store"])
    assert "vs" not in " ".join(t.get_text() for t in fig.legends[0].get_texts())


def _front_speedups(fig) -> list[float]:
    line = next(l for l in fig.axes[0].get_lines() if l.get_label() == "Pareto front")
    return sorted(float(v) for v in line.get_ydata(orig=True))


def test_pareto_maximises_speedup_and_minimises_costs(files):
    # --y speedup drew the front through the slowest design: every column was minimised
    store = files / "store"
    t = plots.totals(store)
    e, s = t["energy_J"].to_numpy(), t["speedup"].to_numpy()
    undominated = [s[i] for i in range(len(t)) if not any(
        e[j] <= e[i] and s[j] >= s[i] and (e[j] < e[i] or s[j] > s[i]) for j in range(len(t)))]
    fig = figures.figure("pareto", store, x="energy_J", y="speedup")
    assert _front_speedups(fig) == pytest.approx(sorted(undominated))
    assert max(_front_speedups(fig)) == pytest.approx(s.max())
    assert "higher is better" in fig.axes[0].get_ylabel()


@pytest.mark.parametrize("kind", ["speedup", "breakdown", "layers", "pareto"])
def test_by_a_column_some_results_lack_is_refused_not_dropped(files, kind, tmp_path, run_cli):
    # the run file's stripes has no registers value: its bars were dropped without a word
    paths = [files / "store", files / "wide.csv"]
    from accelsim.errors import SpecError
    with pytest.raises(SpecError, match="'datapath.params.registers' has no value for stripes"):
        figures.figure(kind, tables.load_many(paths), by="datapath.params.registers")
    code, _, err = run_cli("plot", *paths, "-k", kind, "--by", "datapath.params.registers",
                           "-o", tmp_path / "f.png")
    assert code == 2 and err.count("\n") == 1 and "stripes" in err


def test_area_bars_of_points_sharing_a_label_are_their_mean(tmp_path):
    # --by an axis that leaves another axis inside a bar drew the first point's area only
    sweep = tmp_path / "a.yaml"
    sweep.write_text(f"name: a\narch: dstripes\nworkload: {TINY}\n"
                     "axes: {datapath.params.registers: [0, 1], "
                     "memory.buffers.activations.size_kib: [1024, 4096]}\n")
    accelsim.run_sweep(sweep, tmp_path / "store", workers=1)
    t = plots.totals(tmp_path / "store")
    fig = figures.figure("area", tmp_path / "store", by="datapath.params.registers")
    widths = {}
    for p in fig.axes[0].patches:
        y = round(p.get_y(), 6)
        widths[y] = widths.get(y, 0.0) + p.get_width()
    per_bar = sorted(widths.values())
    expected = sorted(t.groupby("datapath.params.registers")["area_mm2"].mean())
    assert per_bar == pytest.approx(expected)
    assert t["area_mm2"].nunique() == 4        # buffer sizes and run-ahead registers both take area


@pytest.mark.parametrize("kind", ["speedup", "energy", "layers"])
def test_ratio_figures_refuse_results_without_a_baseline_beside_ones_with(files, kind):
    # loom, run without --baseline, stood in the legend with no bar
    from accelsim.errors import SpecError
    with pytest.raises(SpecError, match="loom: no baseline"):
        figures.figure(kind, [files / "wide.csv", files / "alone.csv"])
    figures.figure("breakdown", [files / "wide.csv", files / "alone.csv"])    # no ratio: drawn


def test_sweep_totals_sum_every_count_and_recompute_every_ratio(files):
    # a point's utilization, mapping efficiency, potential bit-ops and memory reads were its first
    # layer's: --x buffer_weights_read_bits or --y utilization plotted one layer of the network
    import dataclasses
    t = plots.totals(files / "store").set_index("datapath.params.registers")
    arch = accelsim.load_arch("dstripes")
    arch = dataclasses.replace(arch, datapath=dataclasses.replace(
        arch.datapath, params=dataclasses.replace(arch.datapath.params, registers=2)))
    direct = accelsim.simulate(arch, accelsim.load_workload(TINY)).totals().iloc[0]
    row = t.loc[2]
    counts = [c for c in direct.index if c.endswith(("_bits", "_accesses"))] + ["potential_bitops"]
    assert len(counts) > 3
    for col in counts + ["utilization", "mapping_efficiency", "cycles", "energy_J"]:
        assert row[col] == pytest.approx(direct[col]), col


@pytest.mark.parametrize("axis", ["--x", "--y"])
def test_pareto_on_a_text_column_is_one_line_not_a_traceback(files, tmp_path, run_cli, axis):
    code, _, err = run_cli("plot", files / "store", "-k", "pareto", axis, "arch", "-o", tmp_path / "p.png")
    assert code == 2 and err == f"error: {files / 'store'}: {axis}: expected a numeric column " \
                                 "(cycles, energy_J, dram_bytes, speedup, ...), got 'arch'\n"
