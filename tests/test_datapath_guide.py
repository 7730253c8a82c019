"""The datapath contract and docs/datapath_guide.md: the guide's example module and config run
end to end, registered from user code and as an entry-point plug-in; the guide quotes the example
as it is; every built-in datapath meets the Protocol."""
import importlib.util
import re
import subprocess
import sys

import numpy as np
import pytest

import accelsim
from accelsim import registry
from accelsim.datapaths import base

ROOT = __import__("pathlib").Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "docs/examples"
GUIDE = ROOT / "docs/datapath_guide.md"


@pytest.fixture(scope="module")
def zeroskip():
    """docs/examples/zeroskip.py imported as user code (outside the package): registers itself."""
    spec = importlib.util.spec_from_file_location("zeroskip", EXAMPLES / "zeroskip.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["zeroskip"] = module            # as `import zeroskip` would
    spec.loader.exec_module(module)
    yield module
    registry._CLASSES.pop("zeroskip", None)
    sys.modules.pop("zeroskip", None)


def _lane_steps_by_hand(windows, lanes):
    g, w, r, s, c = windows.shape
    out = np.zeros((g, w), dtype=np.int64)
    for gi in range(g):
        for wi in range(w):
            counts = [sum(int(windows[gi, wi, y, x, ch] != 0) for y in range(r) for x in range(s)
                          for ch in range(lane, c, lanes)) for lane in range(lanes)]
            out[gi, wi] = max(1, max(counts))
    return out


def test_example_registered_from_user_code_runs_end_to_end(zeroskip):
    assert base.get("zeroskip") is zeroskip.ZeroSkip
    arch = accelsim.load_arch(EXAMPLES / "zeroskip.yaml")
    work = accelsim.load_workload(ROOT / "tests/data/tiny.yaml")
    result = accelsim.simulate(arch, work)
    dadn = accelsim.simulate(accelsim.load_arch(ROOT / "arch_configs/dadn.yaml"), work)
    ours = result.per_layer().set_index("layer")["compute_cycles"]
    theirs = dadn.per_layer().set_index("layer")["compute_cycles"]
    # conv2 and fc have ReLU zeros (density 0.6): fewer cycles; never more than the baseline
    assert (ours <= theirs).all() and ours["conv2"] < theirs["conv2"] and ours["fc"] < theirs["fc"]
    # the cycles are the lanes' non-zero counts, counted here one activation at a time
    from accelsim.workload.trace import build_trace
    layer = work.layers[1]
    trace = build_trace(layer, work, 1)
    steps = _lane_steps_by_hand(trace.windows, 16)
    passes = -(-layer.shape.k_per_group // 256)
    assert ours["conv2"] == steps.sum() * passes
    # hooks it does not define got their defaults; the ones it states are kept
    dp = arch.build()
    assert dp.needs_values is True and dp.samplable is True and dp.outputs(trace) is None
    assert dp.limits() == (16, 16)


def test_plugin_from_an_entry_point_runs_through_the_cli(tmp_path):
    """A distribution outside the package declares the entry point; a fresh process finds it."""
    dist = tmp_path / "accelsim_zeroskip-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: accelsim-zeroskip\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[accelsim.datapaths]\nzeroskip = zeroskip:ZeroSkip\n")
    (tmp_path / "zeroskip.py").write_text((EXAMPLES / "zeroskip.py").read_text())
    env = {**__import__("os").environ, "PYTHONPATH": f"{tmp_path}:{ROOT}"}
    run = lambda *args: subprocess.run([sys.executable, "-m", "accelsim.cli", *map(str, args)],
                                       capture_output=True, text=True, env=env, cwd=tmp_path)
    listed = run("list")
    assert listed.returncode == 0, listed.stderr
    assert re.search(r"^  zeroskip +plug-in zeroskip:ZeroSkip$", listed.stdout, re.M)
    done = run("run", EXAMPLES / "zeroskip.yaml", ROOT / "tests/data/tiny.yaml", "--baseline", "dadn",
               "-q", "-o", tmp_path / "out.csv")
    assert done.returncode == 0, done.stderr
    assert "conv2" in (tmp_path / "out.csv").read_text()


def test_guide_quotes_the_example_as_it_is():
    guide = GUIDE.read_text()
    module = (EXAMPLES / "zeroskip.py").read_text()
    config = (EXAMPLES / "zeroskip.yaml").read_text()
    blocks = re.findall(r"```(python|yaml|toml)\n(.*?)```", guide, re.S)
    quoted = [(lang, code) for lang, code in blocks if "import accelsim" not in code and lang != "toml"]
    assert len(quoted) >= 5
    for lang, code in quoted:
        assert code in (module if lang == "python" else config), code[:80]


def test_guide_api_snippet_runs(zeroskip, tmp_path, monkeypatch):
    """The guide's Python snippet, on a one-layer workload instead of AlexNet to stay fast."""
    snippet = next(code for lang, code in re.findall(r"```(python)\n(.*?)```", GUIDE.read_text(), re.S)
                   if "import accelsim" in code)
    monkeypatch.chdir(ROOT)
    snippet = snippet.replace('"workloads/alexnet.yaml"', '"tests/data/tiny.yaml"')
    printed = []
    exec(compile(snippet, str(GUIDE), "exec"), {"print": printed.append})
    assert list(printed[0]["layer"])[-1] == "total" and printed[0]["speedup"].iloc[-1] > 1


def test_every_builtin_datapath_meets_the_protocol():
    classes = base.registry()
    assert set(classes) == set(base.catalog())          # the source scan finds every kind
    for kind, cls in classes.items():
        assert cls.kind == kind
        for hook in ("run", "inventory", "limits", "outputs"):
            assert callable(getattr(cls, hook)), (kind, hook)
        # samplable may also be set per instance in __init__ (it can depend on parameters)
        assert isinstance(cls.needs_values, bool) and isinstance(cls.samplable, bool), kind


def test_register_completes_or_rejects_a_class():
    class Incomplete:
        kind = "incomplete"
    with pytest.raises(TypeError, match="lacks Params, run, inventory"):
        base.register(Incomplete)
    assert base.get("incomplete") is None


def test_engine_calls_hooks_without_probing():
    for path in (ROOT / "accelsim/engine").glob("*.py"):
        text = path.read_text()
        assert not re.search(r"(hasattr|getattr)\(\s*datapath", text), path.name
