"""Plots: each kind draws the numbers of the results it is given, from a sweep store or a run
output file, and the ``accelsim plot`` CLI writes PNG / SVG / PDF or fails on one line."""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from matplotlib.figure import Figure

import accelsim
from accelsim.errors import SpecError
from accelsim.report import figures, plots, tables

ROOT = Path(__file__).resolve().parents[1]
TINY = ROOT / "tests" / "data" / "tiny.yaml"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plots")
    (folder / "tiny4.yaml").write_text(yaml.safe_dump(
        {"base": str(TINY), "name": "tiny4", "set": {"act_bits": 4}}))
    sweep = {"name": "p", "arch": str(ROOT / "arch_configs" / "dstripes.yaml"),
             "baseline": str(ROOT / "arch_configs" / "dadn.yaml"),
             "axes": {"workload": [str(TINY), "tiny4.yaml"],
                      "datapath.params.registers": [0, 2], "memory.dram.type": ["DDR4", "HBM2"]}}
    (folder / "s.yaml").write_text(yaml.safe_dump(sweep))
    accelsim.run_sweep(folder / "s.yaml", folder / "store", workers=1)
    return folder / "store"


@pytest.fixture(scope="module")
def run_files(tmp_path_factory):
    """``accelsim run -o`` outputs, with and without a baseline, in the three formats."""
    from accelsim.cli import main
    folder = tmp_path_factory.mktemp("runs")
    arch, base = ROOT / "arch_configs" / "stripes.yaml", ROOT / "arch_configs" / "dadn.yaml"
    for suffix in (".csv", ".json", ".parquet"):
        assert main(["run", str(arch), str(TINY), "--baseline", str(base), "-q", "-o",
                     str(folder / f"cmp{suffix}")]) == 0
    assert main(["run", str(arch), str(TINY), "-q", "-o", str(folder / "alone.csv")]) == 0
    return folder


def bar_heights(fig: Figure) -> list[float]:
    return [p.get_height() if p.get_width() < 1 else p.get_width() for p in fig.axes[0].patches]


def test_totals_sum_layers_and_recompute_ratios(store):
    df = accelsim.load_sweep(store)
    t = plots.totals(df)
    assert len(t) == 8 and set(t["workload"]) == {"tiny", "tiny4"}
    for _, row in t.iterrows():
        rows = df[df["point"] == row["point"]]
        assert row["cycles"] == rows["cycles"].sum()
        assert row["speedup"] == pytest.approx(rows["baseline_seconds"].sum() / rows["seconds"].sum())
        assert row["area_mm2"] == rows["area_m2"].iloc[0] * 1e6


def test_speedup_bars_are_the_geomean_per_design_and_network(store):
    t = plots.totals(store)
    fig = plots.speedup(store)
    assert isinstance(fig, Figure)
    # 4 designs <= PAPER_STYLE_MAX: groups = tiny, tiny4, geomean; one bar per design in each
    want = t.pivot_table(index="workload", columns="design", values="speedup", sort=False)
    heights = np.array(bar_heights(fig)).reshape(len(want.columns), 3)   # series-major
    for i, design in enumerate(want.columns):
        np.testing.assert_allclose(heights[i, :2], want[design].to_numpy())
        assert heights[i, 2] == pytest.approx(np.sqrt(want[design].prod()))
    assert fig.axes[0].get_ylabel() == "speedup over dadn"


def test_by_key_groups_designs_by_that_axis(store):
    fig = plots.energy(store, by="datapath.params.registers")
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels == ["0", "2"]
    t = plots.totals(store)
    sel = t[(t["datapath.params.registers"] == 2) & (t["workload"] == "tiny4")]["energy_efficiency"]
    assert bar_heights(fig)[3 + 1] == pytest.approx(float(np.exp(np.log(sel).mean())))


def test_breakdown_stacks_sum_to_the_energy(store):
    fig = plots.breakdown(store)
    t = plots.totals(store)
    assert [ax.get_title() for ax in fig.axes[:2]] == ["tiny", "tiny4"]
    ax = fig.axes[0]
    unit = ax.get_xlabel()
    scale = {"(nJ)": 1e9, "(µJ)": 1e6, "(mJ)": 1e3}[unit.split()[-1]]
    ends = {}
    for p in ax.patches:
        y = round(p.get_y(), 6)
        ends[y] = max(ends.get(y, 0.0), p.get_x() + p.get_width())
    tiny = t[t["workload"] == "tiny"]
    np.testing.assert_allclose(sorted(ends.values()), sorted(tiny["energy_J"] * scale), rtol=1e-9)


def test_area_stacks_sum_to_the_chip_area(store):
    fig = plots.area(store)
    t = plots.totals(store).groupby("design").first()
    ends = {}
    for p in fig.axes[0].patches:
        y = round(p.get_y(), 6)
        ends[y] = max(ends.get(y, 0.0), p.get_x() + p.get_width())
    np.testing.assert_allclose(sorted(ends.values()), sorted(t["area_mm2"]), rtol=1e-9)


def test_pareto_front_is_the_undominated_set():
    rng = np.random.default_rng(3)
    x, y = rng.random(200), rng.random(200)
    keep = plots.pareto_front(x, y)
    for i in range(200):
        dominated = np.any((x <= x[i]) & (y <= y[i]) & ((x < x[i]) | (y < y[i])))
        assert keep[i] == (not dominated)
    assert plots.pareto_front([1, 2, 3], [3, 2, 1]).all()
    assert plots.pareto_front([1, 1], [2, 2]).tolist() == [True, False]     # ties: one kept


def test_pareto_figure_has_a_panel_per_network_and_the_baseline(store):
    fig = plots.pareto(store, by="memory.dram.type")
    assert [ax.get_title() for ax in fig.axes] == ["tiny", "tiny4"]
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend == ["DDR4", "HBM2", "Pareto front", "dadn"]
    assert fig.axes[0].get_xlabel() == "cycles" and fig.axes[0].get_ylabel().startswith("energy (")


@pytest.mark.parametrize("suffix", [".csv", ".json", ".parquet"])
def test_run_output_files_plot_like_sweeps(run_files, suffix):
    df = tables.load_results(run_files / f"cmp{suffix}")
    t = plots.totals(df)
    assert len(t) == 1 and t["design"].iloc[0] == "stripes"
    fig = plots.speedup(df)
    assert bar_heights(fig) == [pytest.approx(t["speedup"].iloc[0])]
    for kind in ("energy", "area", "breakdown", "pareto"):
        assert isinstance(figures.figure(kind, df), Figure)


@pytest.mark.parametrize("fmt,magic", [(".png", b"\x89PNG"), (".svg", b"<?xml"), (".pdf", b"%PDF")])
def test_cli_writes_each_format(store, tmp_path, run_cli, fmt, magic):
    out = tmp_path / f"fig{fmt}"
    code, stdout, err = run_cli("plot", store, "--kind", "breakdown", "-o", out)
    assert code == 0, err
    assert out.read_bytes().startswith(magic)


def test_cli_plots_every_kind_of_a_run_file(run_files, tmp_path, run_cli):
    for kind in figures.KINDS:
        code, _, err = run_cli("plot", run_files / "cmp.csv", "--kind", kind, "-o", tmp_path / f"{kind}.png")
        assert code == 0, err
        assert (tmp_path / f"{kind}.png").stat().st_size > 1000


BAD = [
    (lambda s, r, t: ("plot", s, "--kind", "speedup", "-o", t / "f.jpg"), "--output: expected a .png, .svg or .pdf"),
    (lambda s, r, t: ("plot", s, "--kind", "speedup", "--by", "datapath.params.registrs", "-o", t / "f.png"),
     "no column 'datapath.params.registrs' in these results (did you mean 'datapath.params.registers'?)"),
    (lambda s, r, t: ("plot", r / "alone.csv", "--kind", "speedup", "-o", t / "f.png"), "have no baseline"),
    (lambda s, r, t: ("plot", t / "none.csv", "--kind", "area", "-o", t / "f.png"), "file not found"),
    (lambda s, r, t: ("plot", r, "--kind", "area", "-o", t / "f.png"), "not a sweep results folder"),
    (lambda s, r, t: ("plot", s, "--kind", "pareto", "--x", "cycls", "-o", t / "f.png"), "no column 'cycls'"),
]


@pytest.mark.parametrize("args,text", BAD, ids=[b[1][:24] for b in BAD])
def test_cli_bad_plot_requests_fail_on_one_line(store, run_files, tmp_path, run_cli, args, text):
    code, out, err = run_cli(*args(store, run_files, tmp_path))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: ") and text in err


def test_plot_functions_raise_spec_errors_for_missing_columns(store):
    with pytest.raises(SpecError, match="no column 'nope'"):
        plots.area(store, by="nope")
    with pytest.raises(SpecError, match="--kind"):
        figures.figure("histogram", store)
    with pytest.raises(SpecError, match="not accelsim results"):
        pd.DataFrame({"a": [1]}).to_csv(store.parent / "other.csv")
        tables.load_results(store.parent / "other.csv")


# -- what a paper needs: colours, grids, plain ticks, log ratios, captions, several files, layers ----
def test_palette_stays_distinguishable_for_21_components():
    from matplotlib.colors import to_rgb
    from skimage.color import deltaE_ciede2000, rgb2lab
    from accelsim.report import style
    lab = rgb2lab(np.array([[to_rgb(c) for c in style.colors(21)]]))[0]
    closest = min(deltaE_ciede2000(lab[i], lab[j]) for i in range(21) for j in range(i + 1, 21))
    assert closest >= 12
    # beyond the palette, colours repeat with a hatch: (colour, hatch) pairs stay unique
    assert len(set(zip(style.colors(42), style.hatches(42)))) == 42


@pytest.mark.parametrize("value,label", [(0.6, "0.6"), (0.05, "0.05"), (2, "2"), (300, "300"),
                                         (4000, "4,000"), (40000, "40k"), (125000, "125k"), (1.5e6, "1.5M")])
def test_tick_labels_are_plain_numbers(value, label):
    from accelsim.report import style
    assert style.plain(value) == label


def test_ratios_spanning_decades_get_a_log_axis_with_plain_ticks(store):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    t = plots.totals(store)
    slow = t.assign(design="slow", point=t["point"] + "-slow", seconds=t["seconds"] * 40)
    wide = pd.concat([t, slow], ignore_index=True)
    fig = plots.speedup(wide)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    FigureCanvasAgg(fig).draw()
    labels = [tl.get_text() for tl in ax.get_yticklabels() if tl.get_text()]
    assert labels and all(re.fullmatch(r"[\d.,]+[kMG]?", lab) for lab in labels), labels
    assert plots.speedup(store).axes[0].get_yscale() == "linear"     # within a decade: linear


def test_caption_names_node_clock_and_baseline(run_files):
    fig = plots.speedup(run_files / "cmp.csv")
    caption = fig._supxlabel.get_text()
    assert "node 65 nm" in caption and "MHz" in caption and "baseline dadn" in caption
    assert "no baseline" in plots.area(run_files / "alone.csv")._supxlabel.get_text()


def test_zero_components_are_dropped(run_files):
    t = plots.totals(run_files / "alone.csv")
    assert t["energy_dram_J"].iloc[0] == 0                 # the tiny layers stay on chip
    for fig in (plots.breakdown(run_files / "alone.csv"), plots.area(run_files / "alone.csv")):
        labels = [tx.get_text() for tx in fig.legends[0].get_texts()]
        assert "dram" not in labels and labels


def test_many_networks_draw_a_grid_not_a_row(store):
    t = plots.totals(store)
    five = pd.concat([t.assign(workload=f"net{i}", point=t["point"] + f"-{i}") for i in range(5)],
                     ignore_index=True)
    for fig in (plots.breakdown(five), plots.pareto(five)):
        rows = {round(ax.get_position().y0, 3) for ax in fig.axes}
        assert len(fig.axes) == 5 and len(rows) == 2
        assert fig.get_size_inches()[0] < 16


def test_pareto_colours_each_design_by_default(store):
    fig = figures.figure("pareto", store)
    t = plots.totals(store)
    colours = {tuple(c.get_facecolor()[0]) for c in fig.axes[0].collections if len(c.get_offsets())}
    assert len(colours) >= t["design"].nunique()


def test_several_result_files_in_one_figure(run_files, tmp_path, run_cli):
    from accelsim.cli import main
    loom = tmp_path / "loom.csv"
    assert main(["run", str(ROOT / "arch_configs" / "loom.yaml"), str(TINY), "--baseline",
                 str(ROOT / "arch_configs" / "dadn.yaml"), "-q", "-o", str(loom)]) == 0
    df = tables.load_many([run_files / "cmp.csv", loom])
    t = plots.totals(df)
    assert sorted(t["design"]) == ["loom", "stripes"]
    fig = plots.speedup(df)
    assert sorted(bar_heights(fig)) == pytest.approx(sorted(t["speedup"]))
    code, _, err = run_cli("plot", run_files / "cmp.csv", loom, "-k", "speedup", "-o", tmp_path / "two.png")
    assert code == 0, err


def test_layers_figure_draws_each_layers_ratios(run_files):
    df = tables.load_results(run_files / "cmp.csv")
    fig = figures.figure("layers", df)
    layers = df[df["layer"] != "total"]
    speed = [p.get_height() for p in fig.axes[0].patches]
    eff = [p.get_height() for p in fig.axes[1].patches]
    assert speed == pytest.approx(list(layers["speedup"]))
    assert eff == pytest.approx(list(layers["energy_efficiency"]))
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == list(layers["layer"])


def test_layers_figure_without_baseline_stacks_energy_by_component(run_files):
    df = tables.load_results(run_files / "alone.csv")
    fig = figures.figure("layers", df)
    layers = df[df["layer"] != "total"]
    tops = {}
    for p in fig.axes[1].patches:
        x = round(p.get_x(), 6)
        tops[x] = max(tops.get(x, 0.0), p.get_y() + p.get_height())
    scale = {"(nJ)": 1e9, "(µJ)": 1e6, "(mJ)": 1e3}[fig.axes[1].get_ylabel().split()[-1]]
    np.testing.assert_allclose([tops[k] for k in sorted(tops)], layers["energy_J"] * scale, rtol=1e-9)
