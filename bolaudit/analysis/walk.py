"""One traversal of a LibCST module by a batch of visitors, without rebuilding the tree.

LibCST's own traversal reconstructs every node it passes (``_visit_and_replace_children`` calls
each node's constructor and its validation), even for visitors that change nothing: measured at
three quarters of the per-file time on a bol-heavy tree. This walk visits the same children in
the same (source) order (``cst_order.fields``) and calls the same methods LibCST would:
``visit_<Node>``, ``visit_<Node>_<field>``, ``leave_<Node>_<field>``, ``leave_<Node>``. Whitespace
and punctuation nodes are not entered unless a visitor asks for them. A visitor's ``visit_``
return value does not prune children (as in LibCST's batched traversal).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import libcst as cst

from bolaudit.analysis.cst_order import all_node_classes, fields

Method = Callable[[cst.CSTNode], object]

_LEAFISH = {
    getattr(cst, name)
    for name in (
        "SimpleWhitespace ParenthesizedWhitespace TrailingWhitespace EmptyLine Newline Comment "
        "Comma Dot Colon Semicolon AssignEqual LeftParen RightParen LeftSquareBracket "
        "RightSquareBracket LeftCurlyBrace RightCurlyBrace ImportStar"
    ).split()
}


class _Dispatch:
    def __init__(self, visitors: Sequence[cst.BatchableCSTVisitor]) -> None:
        self.visit: dict[str, list[Method]] = {}
        self.leave: dict[str, list[Method]] = {}
        self.visit_attr: dict[tuple[str, str], list[Method]] = {}
        self.leave_attr: dict[tuple[str, str], list[Method]] = {}
        for v in visitors:
            for name, fn in v.get_visitors().items():
                kind, _, rest = name.partition("_")
                node, _, attr = rest.partition("_")
                if attr:
                    table = self.visit_attr if kind == "visit" else self.leave_attr
                    table.setdefault((node, attr), []).append(fn)
                else:
                    (self.visit if kind == "visit" else self.leave).setdefault(node, []).append(fn)
        wanted = set(self.visit) | set(self.leave)
        self.skip = {c for c in _LEAFISH if c.__name__ not in wanted}


# ``isinstance(x, cst.CSTNode)`` goes through ABC machinery; a set lookup of the type does not.
_NODE_TYPES = frozenset(all_node_classes())


def walk(module: cst.Module, visitors: Sequence[cst.BatchableCSTVisitor]) -> None:
    d = _Dispatch(visitors)
    visit, leave, visit_attr, leave_attr = d.visit, d.leave, d.visit_attr, d.leave_attr
    wanted = _NODE_TYPES - d.skip

    def rec(node: cst.CSTNode) -> None:
        cls = type(node)
        name = cls.__name__
        for fn in visit.get(name, ()):
            fn(node)
        for field in fields(cls):
            child = getattr(node, field)
            hooks = visit_attr.get((name, field))
            if hooks:
                for fn in hooks:
                    fn(node)
            kind = type(child)
            if kind in wanted:
                rec(child)
            elif kind is list or kind is tuple:
                for item in child:
                    if type(item) in wanted:
                        rec(item)
            hooks = leave_attr.get((name, field))
            if hooks:
                for fn in hooks:
                    fn(node)
        for fn in leave.get(name, ()):
            fn(node)

    rec(module)
