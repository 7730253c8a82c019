"""No import cycles, lazy or not: a static check of every import statement in accelsim/ (those
inside functions included, ``if TYPE_CHECKING:`` blocks excluded, ``importlib.import_module`` of
a literal name counted), between modules and between the sub-packages they belong to.

There are none today. A cycle would have to be listed with its reason; the test fails when a new
one appears and when a listed one is gone, so the lists can only shrink."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "accelsim"

# Known cycles, each with the reason it is tolerated; none is left. A new one fails the tests
# below unless it is listed here with its reason.
MODULE_CYCLES_INSIDE: dict[str, str] = {}          # sub-package -> why it has module cycles inside
PACKAGE_CYCLES: dict[frozenset, str] = {}          # sub-packages that import each other -> why


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts}


def _type_checking(node) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def imports(path: Path) -> set[str]:
    """accelsim modules that ``path`` imports, anywhere in it."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    name = _name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    skipped = {id(n) for block in ast.walk(tree) if _type_checking(block) for n in ast.walk(block)}
    found = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            for a in node.names:
                found.add(f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base)
        elif (isinstance(node, ast.Call) and ast.unparse(node.func) in
              ("importlib.import_module", "import_module", "__import__")
              and node.args and isinstance(node.args[0], ast.Constant)):
            found.add(node.args[0].value)
    return {m for m in found if m in MODULES and m != name}


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = set()
            while True:
                w = stack.pop()
                on.discard(w)
                comp.add(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(comp)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


GRAPH = {m: imports(p) for m, p in MODULES.items()}


def _subpackage(module: str) -> str:
    return ".".join(module.split(".")[:2])


def test_the_check_sees_lazy_imports():
    # spec.arch imports the registry inside functions; the facade's names are never imported
    assert "accelsim.registry" in GRAPH["accelsim.spec.arch"]
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [{"a", "b", "c"}]


def test_no_module_imports_itself_back():
    found = cycles(GRAPH)
    unexpected = [sorted(c) for c in found if len({_subpackage(m) for m in c}) > 1
                  or _subpackage(next(iter(c))) not in MODULE_CYCLES_INSIDE]
    assert not unexpected, f"import cycles: {unexpected}"
    stale = set(MODULE_CYCLES_INSIDE) - {_subpackage(next(iter(c))) for c in found}
    assert not stale, f"no module cycle left in {stale}: delete it from MODULE_CYCLES_INSIDE"


def test_subpackages_are_layered():
    graph: dict[str, set[str]] = {}
    for module, targets in GRAPH.items():
        for target in targets:
            a, b = _subpackage(module), _subpackage(target)
            if a != b and a != "accelsim" and b != "accelsim":
                graph.setdefault(a, set()).add(b)
    found = {frozenset(c) for c in cycles(graph)}
    assert found <= set(PACKAGE_CYCLES), f"new cycles between sub-packages: " \
        f"{[sorted(c) for c in found - set(PACKAGE_CYCLES)]}"
    assert set(PACKAGE_CYCLES) <= found, "a listed cycle is gone: delete it from PACKAGE_CYCLES"
    # the layers the issue named: spec and datapaths, cost and datapaths, engine and report
    for low, high in (("accelsim.spec", "accelsim.datapaths"), ("accelsim.cost", "accelsim.datapaths"),
                      ("accelsim.registry", "accelsim.spec"), ("accelsim.errors", "accelsim.spec")):
        assert high not in graph.get(low, set()), f"{low} imports {high}"
