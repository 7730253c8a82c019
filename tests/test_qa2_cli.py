"""QA (installed-wheel pass): what `accelsim run` prints agrees with what it writes."""
import pandas as pd
import pytest

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
TINY = ROOT / "tests/data/tiny.yaml"


def _rows(text: str) -> dict[str, list[str]]:
    lines = text.splitlines()
    out = {}
    for line in lines[2:]:
        if not line.strip():
            break
        cells = line.split()
        out[cells[0]] = cells
    return out


def test_small_layer_times_and_energies_print_their_value_not_zero(tmp_path, run_cli):
    # a 32-cycle FC layer printed 'time us 0.0' and a whole 0.33 us workload 'time 0.0003 ms'
    out = tmp_path / "r.csv"
    code, text, err = run_cli("run", "stripes", TINY, "-o", out)
    assert code == 0, err
    df = pd.read_csv(out).set_index("layer")
    printed = _rows(text)
    for layer in ("fc", "mm", "conv2"):
        time_us, energy_uj = float(printed[layer][-2]), float(printed[layer][-1])
        assert time_us == pytest.approx(df.loc[layer, "seconds"] * 1e6, rel=5e-3)
        assert energy_uj == pytest.approx(df.loc[layer, "energy_J"] * 1e6, rel=5e-3)
    line = next(l for l in text.splitlines() if l.strip().startswith("time "))
    value, unit = line.split()[1:3]
    scale = {"ms": 1e3, "us": 1e6}[unit]
    assert float(value) == pytest.approx(df.loc["total", "seconds"] * scale, rel=1e-3)


def test_a_sub_microsecond_workload_prints_its_time_in_us(tmp_path, run_cli):
    wl = tmp_path / "fc_only.yaml"
    wl.write_text(f"name: fc_only\nbase: {TINY}\n")
    code, text, err = run_cli("run", "stripes", wl, "--layers", "fc", "-o", tmp_path / "fc.json")
    assert code == 0, err
    seconds = pd.read_json(tmp_path / "fc.json").set_index("layer").loc["total", "seconds"]
    assert seconds < 1e-6
    line = next(l for l in text.splitlines() if l.strip().startswith("time "))
    assert line.split()[2] == "us" and float(line.split()[1]) == pytest.approx(seconds * 1e6, rel=1e-3)


def test_a_sampled_runs_total_row_carries_the_printed_standard_error(tmp_path, run_cli):
    # the summary printed the whole run's error, the written total row left it empty
    out = tmp_path / "s.csv"
    code, text, err = run_cli("run", "pragmatic", "alexnet", "--layers", "conv1,conv2,fc8", "--sample",
                              "0.1", "-o", out)
    assert code == 0, err
    df = pd.read_csv(out).set_index("layer")
    sampled = df["cycles_rel_stderr"].drop("total").dropna()
    assert len(sampled) >= 1
    total = df.loc["total", "cycles_rel_stderr"]
    by_hand = ((sampled * df.loc[sampled.index, "cycles"]) ** 2).sum() ** 0.5 / df.loc["total", "cycles"]
    assert total == pytest.approx(by_hand)
    line = next(l for l in text.splitlines() if l.strip().startswith("sampled"))
    assert f"+/- {100 * total:.2f}%" in line
