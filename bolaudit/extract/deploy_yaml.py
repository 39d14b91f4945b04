"""The PyYAML adapter of ``deploy_sources``: parse, look up, walk, place; and collect the results.

Only PyYAML's node layer is used: nodes keep their positions, and an alias is the anchored node
itself, so what a service gets through ``*bol`` can be told from what it writes. Merge keys
(``<<: *x``) are expanded by ``items``; every walk is bounded (an alias bomb is a small file
that expands to a huge tree; a recursive anchor is a cycle). A document that does not parse
ends the file's documents: templated (Helm) or broken YAML yields what parsed so far, never an
exception.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bolaudit.facts import CredentialKind, DeployUnit, EnvDefine, SecretSource, SourceKind
from bolaudit.findings import Span
from bolaudit.records import record

__all__ = ["Collector", "UnitNode", "documents", "get", "items", "resolve",
           "scalars", "seq", "string"]
_MERGE = "tag:yaml.org,2002:merge"
_STR = "tag:yaml.org,2002:str"
_MAX_NODES = 20_000  # per walk
_MAX_MERGE_DEPTH = 4


def documents(text: str) -> Iterator[Node]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        for doc in yaml.compose_all(text, Loader=loader):
            if doc is not None:
                yield doc
    except (yaml.YAMLError, RecursionError, ValueError):
        return


def string(node: Node | None) -> str:
    return node.value if isinstance(node, ScalarNode) and isinstance(node.value, str) else ""


def items(node: Node | None, depth: int = 0) -> list[tuple[str, Node, Node]]:
    """(key, key node, value) of a mapping; merged entries come with the ``<<`` key as key node
    (where the mapping uses them), and lose to the mapping's own keys."""
    if not isinstance(node, MappingNode) or depth > _MAX_MERGE_DEPTH:
        return []
    own: list[tuple[str, Node, Node]] = []
    merged: list[tuple[str, Node, Node]] = []
    for key, value in node.value:
        if key.tag == _MERGE:
            for m in value.value if isinstance(value, SequenceNode) else [value]:
                merged += [(k, key, v) for k, _, v in items(m, depth + 1)]
        elif isinstance(key, ScalarNode):
            own.append((str(key.value), key, value))
    seen = {k for k, _, _ in own}
    return own + [m for m in merged if m[0] not in seen]


def get(node: Node | None, *path: str) -> Node | None:
    for key in path:
        node = next((v for k, _, v in items(node) if k == key), None)
    return node


def seq(node: Node | None) -> list[Node]:
    return list(node.value) if isinstance(node, SequenceNode) else []


def scalars(node: Node | None) -> Iterator[tuple[ScalarNode, str]]:
    """Every scalar under ``node``, once, with the mapping key it is the value of."""
    stack: list[tuple[Node, str]] = [(node, "")] if node is not None else []
    seen: set[int] = set()
    while stack and len(seen) < _MAX_NODES:
        current, key = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, ScalarNode):
            yield current, key
        elif isinstance(current, SequenceNode):
            stack.extend((n, key) for n in reversed(current.value))
        elif isinstance(current, MappingNode):
            stack.extend((v, k) for k, _, v in reversed(items(current)))


def resolve(base: str, relative: str) -> str:
    """``relative`` against the folder ``base`` (root-relative, posix; ``.`` is the root), or ""
    when it names nothing in the tree (a URL, a variable)."""
    if not relative or "://" in relative or relative.startswith(("git@", "$")):
        return ""
    return posixpath.normpath(posixpath.join(base.strip("/") or ".", relative))


@record
class UnitNode:
    """A unit's key (``orders:``, ``- name: app``) and body, to tell its own lines from an alias."""

    key: Node
    body: Node

    @property
    def whole(self) -> Node:
        end = self.body.end_mark if self.body.end_mark.index >= self.key.end_mark.index else self.key.end_mark
        return ScalarNode(_STR, "", self.key.start_mark, end)  # a body defined earlier is an alias

    def contains(self, node: Node) -> bool:
        whole = self.whole
        return whole.start_mark.index <= node.start_mark.index < whole.end_mark.index


@dataclass
class Collector:
    """What one file declares: secret sources, deployable units, credential variables defined."""

    path: str
    text: str
    sources: list[SecretSource] = field(default_factory=list)
    units: list[DeployUnit] = field(default_factory=list)
    defines: list[EnvDefine] = field(default_factory=list)

    def unit(self, kind: str, name: str, key: str, node: Node, folder: str = "",
             env_files: tuple[tuple[str, Span], ...] = ()) -> None:
        span = self.span(node)
        self.units.append(DeployUnit(self.path, kind, name, key, span.line, span.end_line, folder, env_files))

    def define(self, name: str, role: CredentialKind, line: int) -> None:
        self.defines.append(EnvDefine(name, role, line))

    def source(self, kind: SourceKind, name: str, role: CredentialKind, span: Span, unit: str) -> None:
        self.sources.append(SecretSource(kind, name, role, span, unit))

    def span(self, node: Node) -> Span:
        """Where the node's text is, trailing blank lines and the next item's indent left out."""
        start, end = node.start_mark, node.end_mark
        raw = self.text[start.index : end.index].rstrip()
        newlines = raw.count("\n")
        end_column = len(raw) - raw.rfind("\n") if newlines else start.column + 1 + len(raw)
        return Span(start.line + 1, start.column + 1, start.line + 1 + newlines, end_column)

    def head(self, node: Node) -> Span:
        """The node's first line: where a finding about it is shown."""
        whole = self.span(node)
        if whole.end_line == whole.line:
            return whole
        first = self.text[node.start_mark.index :].split("\n", 1)[0].rstrip()
        return Span(whole.line, whole.column, whole.line, whole.column + len(first))

    def position(self, index: int) -> tuple[int, int]:
        """(line, column), 1-based, of a character index into the text."""
        before = self.text[:index]
        return before.count("\n") + 1, index - before.rfind("\n")
