"""What an ``if`` test says about a parameter, read from the syntax.

``if method == "GET": requests.get(...)`` sends only when ``method`` is "GET"; ``if path is
None: path = "/orders"`` fills in a default. The extractor records these so the project stage
can drop a request whose arguments certainly fail its branch, and keep an argument over a
default it replaces.
"""

from __future__ import annotations

import libcst as cst

# (parameter, the values it is compared with, negated, compared case-insensitively)
Condition = tuple[str, list[str], bool, bool]


def conditions(test: cst.BaseExpression, positive: bool, params: set[str]) -> list[Condition]:
    """What ``test`` (true when ``positive``) says about a parameter compared with strings:
    ``method == "GET"``, ``method.upper() in ("PUT", "POST")``, ``not ...``, ``a and b``."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        return conditions(test.expression, not positive, params)
    if isinstance(test, cst.BooleanOperation):
        both_hold = isinstance(test.operator, cst.And) == positive
        if not both_hold:
            return []  # "a or b" true, or "a and b" false: neither side is known
        return conditions(test.left, positive, params) + conditions(test.right, positive, params)
    if not isinstance(test, cst.Comparison) or len(test.comparisons) != 1:
        return []
    target = test.comparisons[0]
    op = target.operator
    if isinstance(op, (cst.Equal, cst.In)):
        negated = not positive
    elif isinstance(op, (cst.NotEqual, cst.NotIn)):
        negated = positive
    else:
        return []
    for side, other in ((test.left, target.comparator), (target.comparator, test.left)):
        name, folded = _param_of(side, params)
        values = _strings_of(other)
        if name is not None and values is not None:
            return [(name, [v.lower() if folded else v for v in values], negated, folded)]
    return []


def _param_of(node: cst.BaseExpression, params: set[str]) -> tuple[str | None, bool]:
    folded = False
    if (
        isinstance(node, cst.Call)
        and not node.args
        and isinstance(node.func, cst.Attribute)
        and node.func.attr.value in ("upper", "lower", "casefold")
    ):
        node, folded = node.func.value, True
    if isinstance(node, cst.Name) and node.value in params:
        return node.value, folded
    return None, False


def _strings_of(node: cst.BaseExpression) -> list[str] | None:
    items: list[cst.BaseExpression] = [node]
    if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
        items = [e.value for e in node.elements]
    out: list[str] = []
    for item in items:
        if not isinstance(item, cst.SimpleString):
            return None
        value = item.evaluated_value
        if not isinstance(value, str):
            return None
        out.append(value)
    return out


def tests_falsy(test: cst.BaseExpression, name: str) -> bool | None:
    """True when ``test`` is ``name is None`` / ``not name`` / ``name == ""``, False for the
    opposite test, None when it does not test ``name`` alone."""
    if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
        inner = tests_falsy(test.expression, name)
        return None if inner is None else not inner
    if isinstance(test, cst.Name):
        return False if test.value == name else None
    if isinstance(test, cst.Comparison) and len(test.comparisons) == 1 and isinstance(test.left, cst.Name):
        if test.left.value != name:
            return None
        target = test.comparisons[0]
        empty = (isinstance(target.comparator, cst.Name) and target.comparator.value == "None") or (
            isinstance(target.comparator, cst.SimpleString) and target.comparator.evaluated_value == ""
        )
        if not empty:
            return None
        if isinstance(target.operator, (cst.Is, cst.Equal)):
            return True
        if isinstance(target.operator, (cst.IsNot, cst.NotEqual)):
            return False
    return None
