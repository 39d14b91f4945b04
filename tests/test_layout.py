"""The package layout holds: layers import downward only, no import cycle (lazy and type-only
imports count), and the wheel ships every package. A newcomer can trust the tree's shape."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]

# Lowest first. A module may import its own package and any package of a lower layer.
LAYERS: list[set[str]] = [
    {"records"},
    {"findings", "symbolic", "bounded"},
    {"facts"},
    {"config", "catalog", "clients"},
    {"extract"},
    {"resolve"},
    {"tokens"},
    {"credentials"},
    {"project"},
    {"fixes", "rulebase"},
    {"rules_api"},
    {"rules"},
    {"pipeline"},
    {"report"},
    {"commands"},
    {"cli", "__main__"},
]


def _modules() -> dict[str, Path]:
    out = {}
    for path in sorted((REPO / "bolaudit").rglob("*.py")):
        parts = path.relative_to(REPO).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    for path in sorted((REPO / "rules").glob("*.py")):
        out["bolaudit.rules" + ("" if path.stem == "__init__" else "." + path.stem)] = path
    return out


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """Every bolaudit module ``name`` imports, wherever the import statement is."""
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base)
    return {m for m in found if m in known and m != name}


def _top(module: str) -> str:
    return module.split(".")[1] if "." in module else module


def _layer(module: str) -> int:
    top = _top(module)
    return next(i for i, layer in enumerate(LAYERS) if top in layer)


def test_the_wheel_ships_every_package() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    packages = {".".join(p.relative_to(REPO).parts[:-1]) for p in (REPO / "bolaudit").rglob("__init__.py")}
    assert set(config["packages"]) == packages | {"bolaudit.rules"}


def test_every_package_is_in_a_layer() -> None:
    tops = {_top(m) for m in _modules() if m != "bolaudit"}
    assert tops <= set().union(*LAYERS)


def test_layers_import_downward_only() -> None:
    modules = _modules()
    upward = sorted(
        f"{name} -> {dep}"
        for name, path in modules.items() if name != "bolaudit"
        for dep in _imports(name, path, set(modules))
        if dep != "bolaudit" and _top(dep) != _top(name) and _layer(dep) > _layer(name)
    )
    assert upward == []


def test_no_import_cycle() -> None:
    modules = _modules()
    graph = {name: _imports(name, path, set(modules)) - {"bolaudit"} for name, path in modules.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for dep in graph[node]:
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for name in sorted(graph):
        if name not in index:
            visit(name)
    assert cycles == []


def test_rules_import_bolaudit_only_through_rules_api() -> None:
    modules = _modules()
    reached = sorted(
        f"{name} -> {dep}"
        for name, path in modules.items() if name.startswith("bolaudit.rules.")
        for dep in _imports(name, path, set(modules))
        if dep not in ("bolaudit.rules_api",)
    )
    assert reached == []
