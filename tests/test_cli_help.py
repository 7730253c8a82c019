"""The CLI as a new user meets it: help texts, --version, bundled names from any folder, the hints
for swapped or unknown names, missing extras, and light commands that stay light."""
import argparse
import subprocess
import sys

import pytest

import accelsim
from accelsim.cli import build_parser

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]


def _subparsers(parser, prefix=""):
    """(command path, parser) for every command and sub-command, e.g. ("import onnx", ...)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield f"{prefix}{name}", sub
                yield from _subparsers(sub, f"{prefix}{name} ")


def test_every_command_and_argument_is_described_with_its_default():
    commands = dict(_subparsers(build_parser()))
    assert {"run", "list", "validate", "sweep", "plot", "import onnx"} <= set(commands)
    for name, sub in commands.items():
        for action in sub._actions:
            if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
                continue
            where = f"{name} {'/'.join(action.option_strings) or action.dest}"
            assert action.help and len(action.help) > 10, f"{where}: no help"
            if action.option_strings and not action.required:
                assert "default" in action.help, f"{where}: help does not state the default"


def test_version(run_cli, capsys):
    with pytest.raises(SystemExit) as stop:
        build_parser().parse_args(["--version"])
    assert stop.value.code == 0
    assert capsys.readouterr().out.strip() == f"accelsim {accelsim.__version__}"


def test_top_level_help_is_for_users():
    text = build_parser().format_help()
    assert "accelsim run stripes alexnet" in text and "--version" in text
    assert "SpecError" not in text and "``" not in text


def test_bundled_names_resolve_from_any_folder(run_cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "r.csv"
    code, _, err = run_cli("run", "stripes", "alexnet", "--baseline", "dadn", "--layers", "conv2",
                           "-o", out, "-q")
    assert code == 0, err
    assert "conv2" in out.read_text()
    # a file path still works, relative to the current folder
    (tmp_path / "mine.yaml").write_text((ROOT / "arch_configs/stripes.yaml").read_text())
    code, _, err = run_cli("run", "mine.yaml", "alexnet", "--layers", "conv2", "-q")
    assert code == 0, err


@pytest.mark.parametrize("args", [("alexnet", "stripes"),
                                  (ROOT / "workloads/alexnet.yaml", ROOT / "arch_configs/stripes.yaml")])
def test_swapped_arch_and_workload_get_a_hint(run_cli, args):
    code, _, err = run_cli("run", *args)
    assert code == 2
    assert err.count("\n") == 1 and "look swapped" in err and "accelsim run" in err


def test_unknown_bundled_name_suggests_close_ones(run_cli):
    code, _, err = run_cli("run", "stripes", "alexnt")
    assert code == 2 and err.count("\n") == 1
    assert "WORKLOAD" in err and "'alexnet'" in err


@pytest.mark.parametrize("only", ["Stripes,FOO", "bogus", ","])
def test_validate_rejects_unknown_designs(run_cli, only):
    code, out, err = run_cli("validate", "--only", only)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: --only:") and "Stripes" in err


def test_missing_extra_names_it(run_cli, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)       # as if not installed
    code, out, err = run_cli("run", "stripes", "alexnet", "-o", tmp_path / "r.parquet", "-q")
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and "'parquet' extra" in err and "accelsim[parquet]" in err


def test_plot_kinds_listed_by_the_cli_are_the_plots_kinds():
    from accelsim.report.figures import KINDS
    plot = dict(_subparsers(build_parser()))["plot"]
    kind = next(a for a in plot._actions if "--kind" in a.option_strings)
    assert kind.metavar == "{" + ",".join(KINDS) + "}"


def test_list_and_help_import_nothing_heavy():
    # The timing is benchmarks/bench_startup.py's; this checks the reason it is fast.
    code = ("import sys, io, contextlib\n"
            "from accelsim.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()) as out: main(['list'])\n"
            "assert 'stripes.yaml' in out.getvalue() and 'bitparallel' in out.getvalue()\n"
            "print(sorted(m for m in ('pandas', 'matplotlib', 'numba', 'simpy', 'dask', 'onnx',"
            " 'pyarrow', 'accelsim.datapaths.stripes') if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
