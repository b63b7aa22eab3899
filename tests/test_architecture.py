"""The library's shape, drawn from the code: floors without cycles or upward imports, small modules.

The import graph is the one the build uses ([`clusteremu.repro.depscan`][]), so what this
test sees is what decides which steps rerun after an edit.
"""

import ast
from pathlib import Path

import pytest

from clusteremu.repro.depscan import PACKAGE_DIR, _direct

ROOT = PACKAGE_DIR.parents[1]

#: Lowest first. A module may import its own floor or any floor below it, never one above.
FLOORS = [
    {"_jaxconfig", "compilation_cache", "config", "config_schema", "units", "prior"},
    {"repro"},
    {"datasets"},
    {"simulation"},
    {"emulators"},
    {"inference"},
    {"evaluation"},
    {"paper"},
    {"cli", "__main__", "__init__"},
]
MAX_MODULE_LINES = 350
MAX_MAIN_LINES = 30


def _unit(path: Path) -> str:
    """The subpackage of a library file, or the top-level module's name."""
    rel = path.relative_to(PACKAGE_DIR)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _floor(path: Path) -> int:
    unit = _unit(path)
    return next(i for i, units in enumerate(FLOORS) if unit in units)


LIBRARY = sorted(PACKAGE_DIR.rglob("*.py"))
GRAPH = {path: {dep for dep in _direct(path, PACKAGE_DIR) if dep.suffix == ".py"} for path in LIBRARY}


def test_every_module_has_a_floor():
    for path in LIBRARY:
        _floor(path)  # StopIteration names an unplaced subpackage


def test_no_upward_import():
    upward = [
        f"{p.relative_to(PACKAGE_DIR)} -> {d.relative_to(PACKAGE_DIR)}"
        for p, deps in GRAPH.items()
        for d in deps
        if d.name != "__init__.py" and _floor(d) > _floor(p)
    ]
    assert not upward, upward


def test_no_import_cycle():
    state: dict[Path, int] = {}  # 1: on the current path, 2: done

    def visit(node: Path, trail: list[Path]) -> None:
        state[node] = 1
        for dep in sorted(GRAPH[node]):
            if dep.name == "__init__.py":  # executed first by Python, never a real dependency edge
                continue
            if state.get(dep) == 1:
                cycle = [*trail[trail.index(dep) :], dep]
                pytest.fail("import cycle: " + " -> ".join(str(p.relative_to(PACKAGE_DIR)) for p in cycle))
            if dep not in state:
                visit(dep, [*trail, dep])
        state[node] = 2

    for path in LIBRARY:
        if path not in state:
            visit(path, [path])


def test_subpackage_inits_import_nothing():
    """A script that imports one module of a subpackage depends on that module alone (the
    command line, which no script imports, is the one package whose `__init__` is its entry)."""
    for init in sorted(set(PACKAGE_DIR.glob("*/__init__.py")) - {PACKAGE_DIR / "cli" / "__init__.py"}):
        tree = ast.parse(init.read_text())
        assert not [n for n in tree.body if isinstance(n, ast.Import | ast.ImportFrom)], init


def test_modules_are_small():
    long = {str(p.relative_to(ROOT)): n for p in LIBRARY if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert not long, long


def test_script_mains_are_wires():
    long = {}
    for script in sorted((ROOT / "analysis").glob("[0-9]*.py")):
        for node in ast.parse(script.read_text()).body:
            is_main = isinstance(node, ast.FunctionDef) and node.name == "main"
            if is_main and (n := node.end_lineno - node.lineno + 1) > MAX_MAIN_LINES:
                long[script.name] = n
    assert not long, long
