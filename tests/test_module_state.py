"""The library keeps no state in module globals: caches belong to the object that uses them (a
sweep's Worker, a SweepSpec's parsed arch files), so nothing stays filled in the caller's process."""
import ast
from pathlib import Path

from accelsim import run_sweep

ROOT = Path(__file__).resolve().parents[1]
# the one process-wide table by design: datapath kinds registered in this process
ALLOWED = {("accelsim/registry.py", "_CLASSES")}
CONTAINERS = ("dict", "list", "set", "OrderedDict", "defaultdict", "Counter", "deque")


def _empty_container(value) -> bool:
    if isinstance(value, ast.Dict):
        return not value.keys
    if isinstance(value, (ast.List, ast.Set)):
        return not value.elts
    return (isinstance(value, ast.Call) and not value.args
            and ast.unparse(value.func).split(".")[-1] in CONTAINERS)


def test_no_module_level_containers_to_fill():
    found = []
    for path in sorted((ROOT / "accelsim").rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None \
                    and _empty_container(node.value):
                target = node.targets[0] if isinstance(node, ast.Assign) else node.target
                where = (str(path.relative_to(ROOT)), ast.unparse(target))
                if where not in ALLOWED:
                    found.append(where)
    assert not found, f"module-level state (own it by an object instead): {found}"


def test_a_sweep_in_this_process_leaves_no_cache(tmp_path):
    from accelsim.sweep import run
    before = run._PROCESS_WORKER
    report = run_sweep({"name": "t", "arch": "arch_configs/dadn.yaml", "workload": "tests/data/tiny.yaml",
                        "axes": {"datapath.params.tiles": [8, 16]}},
                       tmp_path / "t.sweep", workers=1, folder=ROOT)
    assert report.computed == 2
    assert run._PROCESS_WORKER is before         # the sweep's own Worker went with the sweep
