"""The bad-input corpus (tests/bad_inputs.py): every case ends in one ``error:`` line, exit 2, no
traceback, nothing on stdout, run in-process through accelsim.cli.main."""
from __future__ import annotations

import numpy as np
import pytest

from bad_inputs import Case, cases

CASES = cases()


def test_corpus_is_large_and_ids_unique():
    assert len(CASES) >= 200
    assert len({c.id for c in CASES}) == len(CASES)


def _write(folder, files) -> None:
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, np.ndarray):
            np.save(path, data)
        elif isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8", errors="surrogateescape")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_rejected_in_one_line(case: Case, tmp_path, capsys, monkeypatch):
    from accelsim.cli import main
    _write(tmp_path, case.files)
    for k, v in case.env.items():
        monkeypatch.setenv(k, v)
    argv = [a.replace("{d}", str(tmp_path)) for a in case.argv]
    try:
        code = main(argv)
    except SystemExit as exc:          # argparse usage errors
        code = exc.code
    out = capsys.readouterr()
    lines = out.err.strip().splitlines()
    assert code == 2, (code, out.err[-2000:])
    assert out.out == ""
    assert len(lines) == 1 and lines[0].startswith("error: "), out.err[-2000:]
    assert "Traceback" not in out.err
