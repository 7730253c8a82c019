"""QA: figures of several run outputs on different networks keep one colour and one legend entry
per design, and draw no empty groups."""
import pytest
from matplotlib.colors import to_hex

from accelsim.report.figures import figure

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    from accelsim.cli import main
    tmp = tmp_path_factory.mktemp("runs")
    tiny = ROOT / "tests/data/tiny.yaml"
    other = tmp / "tiny2.yaml"                      # the same shapes under another network name
    other.write_text(f"name: tiny2\nbase: {tiny}\n")
    outs = []
    for arch, wl, out in (("stripes", tiny, "a.csv"), ("dstripes", other, "b.csv")):
        assert main(["run", arch, str(wl), "--baseline", "dadn", "-q", "-o", str(tmp / out)]) == 0
        outs.append(tmp / out)
    return outs


def _bar_colours(ax) -> dict[str, set]:
    # colours of the bars a series actually draws (a design absent from a network draws NaN)
    return {c.get_label(): {to_hex(p.get_facecolor()) for p in c.patches if p.get_height() > 0}
            for c in ax.containers}


def test_per_layer_figure_keeps_each_designs_colour_and_legend(two_runs):
    # the second network's only design was drawn in the first one's colour, and the legend,
    # taken from the first network's panel, left it out
    fig = figure("layers", list(two_runs))
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["stripes", "dstripes"]
    top_a, top_b = fig.axes[0], fig.axes[2]
    colours_a, colours_b = _bar_colours(top_a), _bar_colours(top_b)
    assert colours_a["stripes"] and not colours_a["dstripes"]
    assert colours_b["dstripes"] and not colours_b["stripes"]
    assert colours_a["stripes"] != colours_b["dstripes"]


def test_speedup_draws_no_geomean_group_when_no_design_ran_every_network(two_runs):
    fig = figure("speedup", list(two_runs))
    ax = fig.axes[0]
    labels = [t.get_text() for t in (ax.get_xticklabels() or ax.get_yticklabels())]
    assert "geomean" not in labels and len(labels) == 2
