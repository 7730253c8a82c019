"""Every notebook runs top to bottom from a fresh kernel (reduced sizes: ACCELSIM_NOTEBOOK_SMALL=1)
and draws its figures; a broken notebook fails here."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_the_four_notebooks_exist():
    assert [p.stem[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path, tmp_path, monkeypatch):
    monkeypatch.setenv("ACCELSIM_NOTEBOOK_SMALL", "1")
    monkeypatch.setenv("ACCELSIM_NOTEBOOK_STORE", str(tmp_path / "store"))
    book = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(book, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(tmp_path)}})
    client.execute()          # raises CellExecutionError, naming the cell, on any error
    figures = [cell for cell in book.cells if cell.cell_type == "code"
               and any("image/png" in out.get("data", {}) for out in cell.outputs)]
    # cells that end in a figure call (plots.*, figures.*, or the report modules' *_figure functions)
    plot_cells = [cell for cell in book.cells if cell.cell_type == "code"
                  and (cell.source.strip().splitlines()[-1].startswith(("plots.", "figures."))
                       or "_figure(" in cell.source.strip().splitlines()[-1])]
    assert plot_cells and len(figures) == len(plot_cells)
    assert not any(out.get("output_type") == "error" for cell in book.cells
                   for out in cell.get("outputs", []))
    sweeps = any("run_sweep" in cell.source for cell in book.cells)
    store = tmp_path / "store"
    assert (store.is_dir() and bool(os.listdir(store))) == sweeps    # sweep results went where told
