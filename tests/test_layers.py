"""The house's layers: imports point one way, and no package or file imports itself in a circle.

scenarios (the input language) <- engine and strategies <- studies <- reports and consoles <- API
<- cli.py; calibration reads data and writes scenarios. Every import counts, function-level ones
included, so a circle cannot hide behind a lazy import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("scenarios", "simulator", "calibration")

# Layer of each module, by the longest matching prefix; higher layers may import lower ones.
LAYERS = {
    "smmsim.scenarios": 0,
    "smmsim.simulator": 1,
    "smmsim.simulator.studies": 2,
    "smmsim.simulator.reports": 3,
    "smmsim.simulator.consoles": 3,
    "smmsim.calibration": 3,
    "smmsim.api": 4,
    "smmsim": 4,
    "smmsim.cli": 5,
}
# Calibration reads exports and writes scenarios: beside the input language it may use only the
# model's response curves (it fits the engine's own formulas) and the HTML kit and plain figure
# specs for its page (neither knows of results or studies).
CALIBRATION_MAY_IMPORT = (
    "smmsim.scenarios",
    "smmsim.calibration",
    "smmsim.simulator.curves",
    "smmsim.simulator.reports.kit",
    "smmsim.simulator.reports.figure_specs",
)


def module_files() -> dict[str, Path]:
    files = {"smmsim": ROOT / "__init__.py", "smmsim.cli": ROOT / "cli.py"}
    files["smmsim.api"] = ROOT / "api.py"
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(("smmsim", *parts)).removesuffix(".__init__")
            files[name] = path
    return {name: path for name, path in files.items() if path.exists()}


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """Every smmsim module `path` imports, anywhere in the file; `from pkg import module` counts
    as importing the module."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names if a.name.split(".")[0] == "smmsim"}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.split(".")[0] != "smmsim":
                continue
            subs = {f"{node.module}.{a.name}" for a in node.names} & known
            found |= subs or {node.module}
    return found


def import_graph() -> dict[str, set[str]]:
    files = module_files()
    known = set(files)
    return {name: imported_modules(path, known) - {name} for name, path in files.items()}


def layer_of(module: str) -> int:
    prefix = max((p for p in LAYERS if module == p or module.startswith(p + ".")), key=len)
    return LAYERS[prefix]


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's algorithm: the components of more than one node are the import circles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph.get(node, ()):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return circles


GRAPH = import_graph()


def test_the_walk_sees_the_whole_house():
    # A walk that found nothing would pass every rule below.
    assert {"smmsim.cli", "smmsim.scenarios.schema", "smmsim.simulator.engine"} <= set(GRAPH)
    assert "smmsim.simulator.engine" in GRAPH["smmsim.simulator.studies.evaluation"]


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_point_down(module):
    upward = sorted(m for m in GRAPH[module] if layer_of(m) > layer_of(module))
    assert not upward, f"{module} (layer {layer_of(module)}) imports a higher layer: {upward}"


def test_the_input_language_imports_nothing_above_it():
    above = {
        (m, i)
        for m, imports in GRAPH.items()
        if m.startswith("smmsim.scenarios")
        for i in imports
        if not i.startswith("smmsim.scenarios")
    }
    assert not above


def test_calibration_reads_data_and_writes_scenarios():
    outside = {
        (m, i)
        for m, imports in GRAPH.items()
        if m.startswith("smmsim.calibration")
        for i in imports
        if not i.startswith(CALIBRATION_MAY_IMPORT)
    }
    assert not outside


def test_no_file_imports_itself_in_a_circle():
    assert strongly_connected(GRAPH) == []


def test_no_package_imports_itself_in_a_circle():
    def package(module: str) -> str:
        parts = module.split(".")
        return ".".join(parts[:2]) if parts[1:2] and parts[1] in PACKAGES else "smmsim"

    packages: dict[str, set[str]] = {}
    for module, imports in GRAPH.items():
        packages.setdefault(package(module), set()).update(
            package(i) for i in imports if package(i) != package(module)
        )
    assert strongly_connected(packages) == []


def test_the_circle_finder_finds_circles():
    assert strongly_connected({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
