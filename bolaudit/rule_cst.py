"""The per-file rule base: a LibCST visitor run in the shared traversal of each parsed file.

Kept apart from ``bolaudit.rules_api`` so that importing the rule machinery does not import LibCST;
``from bolaudit.rules_api import Rule`` still works (a lazy re-export).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import libcst as cst

from bolaudit.extract.visitors import FastVisitor
from bolaudit.rules_api import RuleBase


@dataclass
class PendingReport:
    """A per-file report waiting for its node's position (positions are computed once, lazily)."""

    rule: Rule
    node: cst.CSTNode
    message: str
    flagged: str
    fix_replacement: str | None
    fix_description: str
    properties: tuple[tuple[str, str], ...]


class Rule(RuleBase, FastVisitor):
    """A per-file rule: define ``visit_<Node>``/``leave_<Node>`` methods and call ``self.report``."""

    def __init__(self, path: str, source: str) -> None:
        super().__init__()
        self.path = path
        self.source = source
        self.pending: list[PendingReport] = []

    def report(
        self,
        node: cst.CSTNode,
        message: str,
        *,
        flagged: str | None = None,
        fix_replacement: str | None = None,
        fix_description: str = "",
        properties: Iterable[tuple[str, str]] = (),
    ) -> None:
        if flagged is None:
            flagged = cst.Module(body=[]).code_for_node(node)
        self.pending.append(
            PendingReport(
                self, node, message, flagged, fix_replacement, fix_description, tuple(properties)
            )
        )
