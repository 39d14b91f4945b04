"""Give an integration's module-level names a per-copy suffix, consistently across its files.

The bol-heavy corpus copies each integration many times; renaming what each copy defines at
module level (constants, functions, classes) makes every copy's files differ in their code, not
only in a comment, while each copy still resolves within itself. Done once per integration with
LibCST: names become ``NAME`` + ``PLACEHOLDER``, and each copy replaces the placeholder by its
own suffix with a plain string replace.

Only what cannot change meaning is renamed: names defined at module level in the integration,
never a builtin or a name imported from outside it, never a module's own name, never a method
or attribute (``client.get`` stays), never a keyword argument (``headers=`` stays). Attribute
access is renamed only for constants (``config.BASE_URL``). A file that does not parse, or would
not parse afterwards, is left as it is.
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterable
from pathlib import PurePosixPath

import libcst as cst

PLACEHOLDER = "__bench_copy__"


def vary_names(files: dict[str, str]) -> dict[str, str]:
    """``files`` with their module-level names suffixed by ``PLACEHOLDER``."""
    modules: dict[str, cst.Module] = {}
    for rel, text in files.items():
        if rel.endswith(".py"):
            try:
                ast.parse(text)
                modules[rel] = cst.parse_module(text)
            except (SyntaxError, ValueError, cst.ParserSyntaxError, RecursionError):
                continue
    names = _defined(modules.values()) - _imported(modules.values(), files) - _module_names(files)
    names -= set(dir(builtins))
    names = {n for n in names if not n.startswith("__") and len(n) > 2}
    out = dict(files)
    for rel, module in modules.items():
        varied = module.visit(_Rename(names)).code
        try:
            ast.parse(varied)
        except (SyntaxError, ValueError, RecursionError):
            continue
        out[rel] = varied
    return out


def _defined(modules: Iterable[cst.Module]) -> set[str]:
    names: set[str] = set()
    for module in modules:
        for statement in module.body:
            if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                names.add(statement.name.value)
            elif isinstance(statement, cst.SimpleStatementLine):
                for small in statement.body:
                    targets: list[cst.BaseAssignTargetExpression] = []
                    if isinstance(small, cst.Assign):
                        targets = [t.target for t in small.targets]
                    elif isinstance(small, cst.AnnAssign):
                        targets = [small.target]
                    names.update(t.value for t in targets if isinstance(t, cst.Name))
    return names


def _imported(modules: Iterable[cst.Module], files: dict[str, str]) -> set[str]:
    """Names imported from modules outside the integration: they are not ours to rename."""
    ours = _module_names(files)
    names: set[str] = set()
    for module in modules:
        for node in _walk(module):
            if isinstance(node, cst.ImportFrom) and not node.relative and node.module is not None:
                top = _dotted(node.module).split(".")[0]
                if top not in ours and not isinstance(node.names, cst.ImportStar):
                    for alias in node.names:
                        names.add(_dotted(alias.name).split(".")[0])
                        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                            names.add(alias.asname.name.value)
            elif isinstance(node, cst.Import):
                for alias in node.names:
                    names.add(_dotted(alias.name).split(".")[0])
                    if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                        names.add(alias.asname.name.value)
    return names


def _module_names(files: dict[str, str]) -> set[str]:
    names: set[str] = set()
    for rel in files:
        path = PurePosixPath(rel)
        names.update(path.parts[:-1])
        names.add(path.name.removesuffix(".py"))
    return names


def _walk(node: cst.CSTNode) -> list[cst.CSTNode]:
    out: list[cst.CSTNode] = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(current.children)
    return out


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


class _Rename(cst.CSTTransformer):
    def __init__(self, names: set[str]) -> None:
        super().__init__()
        self.names = names
        self.depth = 0  # inside how many defs/classes: nested ones keep their names

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.depth += 1
        return True

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        self.depth -= 1
        return updated if self.depth == 0 else updated.with_changes(name=original.name)

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.depth += 1
        return True

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.ClassDef:
        self.depth -= 1
        return updated if self.depth == 0 else updated.with_changes(name=original.name)

    def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
        if original.value in self.names:
            return updated.with_changes(value=original.value + PLACEHOLDER)
        return updated

    def leave_Attribute(self, original: cst.Attribute, updated: cst.Attribute) -> cst.Attribute:
        if original.attr.value.isupper():
            return updated  # module.CONSTANT: renamed with its definition
        return updated.with_changes(attr=original.attr)

    def leave_Arg(self, original: cst.Arg, updated: cst.Arg) -> cst.Arg:
        return updated.with_changes(keyword=original.keyword)
