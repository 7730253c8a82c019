"""QA (installed-wheel pass): a sweep's name cannot send its default store out of the folder."""
import pytest

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
TINY = ROOT / "tests/data/tiny.yaml"


@pytest.mark.parametrize("name", ["../escaped", "sub/dir", "..", "a\\\\b"])
def test_a_sweep_name_with_a_path_separator_is_refused(tmp_path, monkeypatch, run_cli, name):
    # 'name: ../escaped' wrote the default store ../escaped.sweep, outside the current folder
    work = tmp_path / "work"
    work.mkdir()
    (work / "s.yaml").write_text(f"name: \"{name}\"\narch: stripes\nworkload: {TINY}\n"
                                 "axes: {datapath.params.tiles: [1, 2]}\n")
    monkeypatch.chdir(work)
    code, _, err = run_cli("sweep", "s.yaml", "-j", "1")
    assert code == 2 and err.startswith("error: s.yaml: name: ") and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]
    assert sorted(p.name for p in work.iterdir()) == ["s.yaml"]
