"""The package's floor plan: imports point down the layers and never form a cycle.

Counts every import, those inside functions too; imports under ``if TYPE_CHECKING:``
are type-only and do not run, so they are left out (issue 11).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "openskies"

# Lowest first: a module may import only from its own layer or a lower one.
LAYERS = (
    ("errors", "options", "caching", "arguments", "violations"),
    ("files", "clients"),
    ("treaty",),
    ("geo",),
    ("value types",),
    ("rules",),
    ("allocation", "calendar", "routing"),
    ("output",),
    ("annual",),
    ("ledger",),
    ("cli",),
)
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}
# The value types and problem facts of the solver packages sit below rules/: the
# independent validators read them, never the solvers that produce them.
VALUE_TYPES = {
    "openskies.allocation.problem",
    "openskies.calendar.types",
    "openskies.calendar.chart",  # draws missions (ScheduleResult.plot_calendar)
}
# the package root re-exports the public API; versions reports library versions
TOP = {"openskies", "openskies.__main__", "openskies.versions"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def runtime_imports(path: Path, name: str) -> set[str]:
    """Return the openskies modules that ``path`` imports at run time."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    type_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            type_only.update(id(child) for child in ast.walk(node))
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("openskies"))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            if not base.startswith("openskies"):
                continue
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in MODULES else base)
    return {m for m in found if m != name}


MODULES = {module_name(p): p for p in PACKAGE.rglob("*.py")}
GRAPH = {name: runtime_imports(path, name) for name, path in MODULES.items()}


def layer(module: str) -> int | None:
    if module in VALUE_TYPES:
        return RANK["value types"]
    parts = module.split(".")
    return RANK.get(parts[1]) if len(parts) > 1 else None


def test_every_subpackage_has_a_layer() -> None:
    unplaced = {m for m in MODULES if m not in TOP and layer(m) is None}
    assert not unplaced, f"modules outside the layers: {sorted(unplaced)}"


def test_imports_point_down_the_layers() -> None:
    upward = [
        f"{a} -> {b}"
        for a, targets in GRAPH.items()
        for b in targets
        if a not in TOP
        and layer(a) is not None
        and layer(b) is not None
        and layer(b) > layer(a)  # type: ignore[operator]
    ]
    assert not upward, "imports pointing up:\n" + "\n".join(sorted(upward))


def test_no_import_cycle() -> None:
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in GRAPH.get(v, ()):
            if w not in GRAPH:
                continue
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert not cycles, "import cycles:\n" + "\n".join(map(str, cycles))


@pytest.mark.parametrize("module", sorted(MODULES))
def test_no_module_is_a_kitchen_sink(module: str) -> None:
    lines = MODULES[module].read_text(encoding="utf-8").count("\n")
    assert lines <= 550, f"{module} has {lines} lines; split it by responsibility"
