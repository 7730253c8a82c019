"""What a wheel carries and what CI runs, checked without building (``.ci/check_wheel`` builds the
wheel, installs it outside the checkout and runs the bundled examples; it is part of CI)."""
import fnmatch
import re
import tomllib
from pathlib import Path

import accelsim
from accelsim import bundled, extras

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_ci_runs_exactly_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    block = readme[readme.index("Install and run the tests"):]
    command = next(l.strip() for l in block.splitlines() if l.startswith("    python3 -m venv"))
    ci = [l.strip() for l in (ROOT / ".ci/run").read_text().splitlines()]
    assert command in ci
    assert ci.index(command) == len(ci) - 1 and "rm -rf .venv" in ci        # fresh venv, then it
    assert ".ci/check_wheel" in command


def _shipped(package: str, folder: Path) -> list[Path]:
    """Files under ``folder`` that pyproject's package-data for ``package`` (and its sub-packages)
    puts into the wheel."""
    data = PYPROJECT["tool"]["setuptools"]["package-data"]
    out = []
    for f in folder.rglob("*"):
        if not f.is_file() or "__pycache__" in f.parts:
            continue
        rel = f.relative_to(folder)
        sub = ".".join((package, *rel.parent.parts))
        if any(fnmatch.fnmatch(rel.name, g) for g in data.get(sub, ())):
            out.append(f)
    return out


def test_every_bundled_file_ships_in_the_wheel():
    dirs = PYPROJECT["tool"]["setuptools"]["package-dir"]
    assert dirs == {"accelsim.arch_configs": "arch_configs", "accelsim.workloads": "workloads",
                    "accelsim.docs": "docs"}
    # of docs/, the wheel carries the references alone (accelsim refs)
    assert PYPROJECT["tool"]["setuptools"]["package-data"]["accelsim.docs"] == ["references.md"]
    assert bundled.references() == ROOT / "docs/references.md" and bundled.references().is_file()
    setup = (ROOT / "setup.py").read_text()
    for package, folder in dirs.items():
        if package == "accelsim.docs":
            continue
        files = [f for f in (ROOT / folder).rglob("*") if f.is_file() and "__pycache__" not in f.parts]
        assert files and sorted(_shipped(package, ROOT / folder)) == sorted(files), folder
        for sub in {f.parent for f in files}:
            assert ".".join((package, *sub.relative_to(ROOT / folder).parts)) in setup, sub


def test_bundled_names_and_folders():
    assert bundled.data_root() == ROOT          # a source checkout reads the top-level folders
    assert "stripes" in bundled.names("arch") and "alexnet" in bundled.names("workload")
    assert bundled.resolve("arch", "stripes") == ROOT / "arch_configs/stripes.yaml"
    assert bundled.resolve("workload", "workloads/x.yaml") == Path("workloads/x.yaml")


def test_extras_cover_every_optional_module():
    optional = PYPROJECT["project"]["optional-dependencies"]
    assert set(extras.PROVIDERS.values()) <= set(optional)
    pulled = re.search(r"accelsim\[([^\]]+)\]", " ".join(optional["test"])).group(1).split(",")
    assert sorted(pulled) == sorted(k for k in optional if k != "test")      # CI runs every test
    core = " ".join(PYPROJECT["project"]["dependencies"])
    for module in ("dask", "onnx", "pyarrow", "onnxruntime"):
        assert module not in core, module
    assert "numpy>=2" in core                    # np.bitwise_count


def test_version_and_licence():
    assert PYPROJECT["project"]["dynamic"] == ["version"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "accelsim.__version__"}
    assert re.fullmatch(r"\d+\.\d+\.\d+", accelsim.__version__)
    assert PYPROJECT["project"]["license"] == "MIT"
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
