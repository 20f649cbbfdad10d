"""The rooms of `devservers` and their arrows, read from the imports and held to docs/ARCHITECTURE.md.

A room is a feature subpackage (`requesting`, `provisioning`, …) or a top-level module (`models`,
`history`, …). The dependency table in the architecture document must say exactly which rooms each
room imports; no module may import inside a function (a hidden cycle); and the module graph has
no cycle at all.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PACKAGE = PROJECT_ROOT / "devservers"
ARCHITECTURE = PROJECT_ROOT / "docs" / "ARCHITECTURE.md"
TABLE_HEADING = "## Rooms and their arrows"
MAX_MODULE_LINES = 400


def _modules() -> dict[str, Path]:
    """Dotted module names of the package (migrations left out: Django writes them)."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PROJECT_ROOT).with_suffix("")
        if "migrations" in relative.parts:
            continue
        parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
        found[".".join(parts)] = path
    return found


def _imported_names(node: ast.Import | ast.ImportFrom, module: str) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if node.level:
        base = module.split(".")[: -node.level] if not module.endswith("__init__") else module.split(".")
        prefix = ".".join(base + ([node.module] if node.module else []))
    else:
        prefix = node.module or ""
    return [prefix, *(f"{prefix}.{alias.name}" for alias in node.names)]


def _module_imports(path: Path, module: str, known: set[str]) -> set[str]:
    tree = ast.parse(path.read_text())
    targets: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            targets.update(name for name in _imported_names(node, module) if name in known)
    return targets - {module}


def _room_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _import_graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {module: _module_imports(path, module, known) for module, path in modules.items()}


def _documented_rooms() -> dict[str, set[str]]:
    text = ARCHITECTURE.read_text()
    assert TABLE_HEADING in text, f"{ARCHITECTURE.name} has no '{TABLE_HEADING}' section"
    section = text.split(TABLE_HEADING, 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`"):
            continue
        room = cells[0].strip("`").removeprefix("devservers.").removesuffix("/").removesuffix(".py")
        rows[room] = set(re.findall(r"`([a-z_]+)`", cells[-1]))
    return rows


def test_the_documented_arrows_are_the_imports() -> None:
    actual: dict[str, set[str]] = {}
    for module, targets in _import_graph().items():
        room = _room_of(module)
        if room == "devservers":
            continue
        actual.setdefault(room, set()).update(
            _room_of(target) for target in targets if _room_of(target) not in (room, "devservers")
        )

    assert _documented_rooms() == actual


def test_no_module_imports_inside_a_function() -> None:
    hidden = []
    for module, path in _modules().items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                hidden += [
                    f"{module}:{inner.lineno}"
                    for inner in ast.walk(node)
                    if isinstance(inner, ast.Import | ast.ImportFrom)
                ]
    assert hidden == []


def test_the_module_graph_has_no_cycle() -> None:
    graph = _import_graph()
    visiting: list[str] = []
    done: set[str] = set()

    def visit(module: str) -> None:
        if module in done:
            return
        if module in visiting:
            pytest.fail("import cycle: " + " -> ".join([*visiting[visiting.index(module) :], module]))
        visiting.append(module)
        for target in sorted(graph[module]):
            visit(target)
        visiting.pop()
        done.add(module)

    for module in sorted(graph):
        visit(module)


def test_no_module_is_over_the_room_size() -> None:
    sizes = {module: len(path.read_text().splitlines()) for module, path in _modules().items()}
    assert {module: lines for module, lines in sizes.items() if lines > MAX_MODULE_LINES} == {}
