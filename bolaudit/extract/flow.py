"""What a condition reads and what a statement writes, in one notation shared with the token rules.

State names: ``self.<attr>`` / ``cls.<attr>`` (instance and class attributes), ``global:<name>``
(module globals), ``local:<name>`` (locals of the function), ``item:<dotted>`` (an entry of a dict
or cache object), ``file`` (the file system), ``call:<dotted>`` (a helper whose result the
condition uses, e.g. ``self._token_is_valid()``), ``db`` (a database row, read by a query and written
by an update or commit). A token request guarded by a condition that reads state the same function
(or loop) writes after the request is a cache, not a per-call fetch. A condition on a local
(``row = cur.execute(...).fetchone(); if row and ...``) also reads what that local was read from.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import libcst as cst

from bolaudit.extract.exprtools import dotted as dotted_expr, walk as walk_expr
from bolaudit.extract.walk import children
from bolaudit.facts import Attr, CallExpr, Concat, Choice, Expr, Format, Name, Param, Subscript

FILE_CHECKS = ("exists", "is_file", "isfile", "getmtime", "stat")
FILE_WRITES = ("write_text", "write_bytes", "dump", "dumps_to", "save")
ITEM_WRITES = ("set", "setdefault", "update", "setex", "hset", "put", "__setitem__", "add")
UNAUTHORIZED_NAMES = ("UNAUTHORIZED", "unauthorized", "HTTP_401_UNAUTHORIZED")
DB_READS = ("fetchone", "fetchall", "fetchmany", "first", "one", "one_or_none", "scalar",
            "scalar_one_or_none", "find_one", "latest", "last", "query", "execute", "hget")
DB_WRITES = ("commit", "executemany", "update_one", "replace_one", "insert_one", "update_or_create",
             "upsert", "bulk_create", "merge")
SQL_WRITES = ("insert", "update", "replace", "upsert", "merge")


def dotted_node(node: cst.BaseExpression) -> str | None:
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if isinstance(node, cst.Name):
        parts.append(node.value)
        return ".".join(reversed(parts))
    return None


def state_of(dotted: str, self_names: tuple[str, ...], locals_: set[str], globals_: set[str]) -> str:
    head, _, rest = dotted.partition(".")
    if head in self_names:
        first = rest.split(".", 1)[0]
        return f"self.{first}" if first else "self"
    if head in globals_:
        return f"global:{head}"
    if head in locals_:
        return f"local:{head}"
    return f"global:{head}"


def reads(
    node: cst.CSTNode, self_names: tuple[str, ...], locals_: set[str], globals_: set[str]
) -> tuple[str, ...]:
    """State names read by a condition, in first-seen order."""
    out: list[str] = []

    def add(s: str) -> None:
        if s not in out:
            out.append(s)

    stack: list[cst.CSTNode] = [node]
    while stack:
        sub = stack.pop()
        if isinstance(sub, (cst.Attribute, cst.Name)):
            name = dotted_node(sub)
            if name is not None:
                if name not in ("True", "False", "None"):
                    add(state_of(name, self_names, locals_, globals_))
                continue
        if isinstance(sub, (cst.Lambda, cst.FunctionDef)):
            continue
        if isinstance(sub, cst.Call):
            name = dotted_node(sub.func)
            if name is not None:
                last = name.rsplit(".", 1)[-1]
                if last in FILE_CHECKS:
                    add("file")
                head = name.split(".", 1)[0]
                if head in self_names or "." not in name:
                    add(f"call:{_normal(name, self_names)}")
                elif last == "get":
                    add("item:" + _normal(name.rsplit(".", 1)[0], self_names))
                stack.extend(reversed([a.value for a in sub.args]))
                if isinstance(sub.func, cst.Attribute):
                    stack.append(sub.func.value)
                continue
        elif isinstance(sub, cst.Subscript):
            base = dotted_node(sub.value)
            if base is not None:
                add("item:" + _normal(base, self_names))
        elif isinstance(sub, cst.Comparison):
            for target in sub.comparisons:
                if isinstance(target.operator, (cst.In, cst.NotIn)):
                    base = dotted_node(target.comparator)
                    if base is not None:
                        add("item:" + _normal(base, self_names))
        stack.extend(reversed(children(sub)))
    return tuple(out)


def _normal(dotted: str, self_names: tuple[str, ...]) -> str:
    head, _, rest = dotted.partition(".")
    if head in self_names:
        return "self." + rest if rest else "self"
    return dotted


def margin(node: cst.CSTNode, number: Callable[[str], float | None] = lambda _: None,
           nodes: list[cst.CSTNode] | None = None) -> float | None:
    """The largest constant number of seconds added/subtracted in a comparison (a refresh margin);
    ``number`` reads a module constant (``LEEWAY = 5 * 60``); ``nodes``: ``_walk(node)``, if done."""
    best: float | None = None
    for sub in nodes if nodes is not None else _walk(node):
        value: float | None = None
        if isinstance(sub, cst.BinaryOperation) and isinstance(
            sub.operator, (cst.Add, cst.Subtract)
        ):
            for side in (sub.left, sub.right):
                value = _constant_seconds(side, number)
                if value is not None:
                    best = value if best is None else max(best, value)
        elif isinstance(sub, cst.Comparison):
            # ``expires_at - now > 300`` compares against a constant directly.
            for comp in sub.comparisons:
                value = _constant_seconds(comp.comparator, number)
                if value is not None and _has_subtraction(sub.left):
                    best = value if best is None else max(best, value)
    return best


CLOCKS = ("time.time", "time.monotonic", "datetime.now", "datetime.utcnow", "datetime.datetime.now",
          "datetime.datetime.utcnow", "timezone.now", "time", "monotonic", "now", "utcnow")


def validity(node: cst.CSTNode, number: Callable[[str], float | None]) -> float | None:
    """A fixed age a comparison allows a time stamp: ``clock() - stamp < N`` (either way round)
    or ``clock() < stamp + N``. ``number`` reads a module constant (``TOKEN_TTL``)."""
    for sub in _walk(node):
        if not isinstance(sub, cst.Comparison) or len(sub.comparisons) != 1:
            continue
        left, right = sub.left, sub.comparisons[0].comparator
        for clock_side, other in ((left, right), (right, left)):
            if not reads_clock(clock_side) and not reads_clock(other):
                continue
            if _is_op(clock_side, cst.Subtract) and reads_clock(clock_side):
                value = _constant_seconds(other, number)
                if value is not None:
                    return value
            if _is_op(other, cst.Add) and reads_clock(clock_side) and not reads_clock(other):
                assert isinstance(other, cst.BinaryOperation)
                for part in (other.left, other.right):
                    value = _constant_seconds(part, number)
                    if value is not None:
                        return value
    return None


def _is_op(node: cst.CSTNode, op: type) -> bool:
    return isinstance(node, cst.BinaryOperation) and isinstance(node.operator, op)


def reads_clock(node: cst.CSTNode) -> bool:
    """Whether a condition calls a clock."""
    return clock_called(walked(node))


def expr_reads_clock(expr: Expr) -> bool:
    """Whether a recorded value calls a clock (``...filter(expires_at__gt=timezone.now())``)."""
    for e in walk_expr(expr):
        if isinstance(e, CallExpr) and ((dotted_expr(e.func) or "").endswith(CLOCKS)
                                        or any(k.startswith(("exp", "valid")) for k, _ in e.kwargs)):
            return True  # a clock, or a query on an expiry column (``expires_at__gt=...``)
    return False


def number_value(node: cst.BaseExpression) -> float | None:
    """A number written as a constant expression (``300``, ``5 * 60``, ``timedelta(minutes=5)``)."""
    return _seconds(node)


def _constant_seconds(node: cst.BaseExpression, number: Callable[[str], float | None]) -> float | None:
    found = _seconds(node)
    if found is None and isinstance(node, cst.Name):
        found = number(node.value)
    return found


def stored_expiry(node: cst.CSTNode, number: Callable[[str], float | None]) -> tuple[str, float] | None:
    """What an assigned expiry says: ``now + timedelta(seconds=data["expires_in"] - 300)`` is
    ("margin", 300) taken off the token's own lifetime; ``time.time() + 3600`` is ("validity",
    3600), a lifetime of the code's own. None for anything else."""
    for sub in _walk(node):
        if _is_op(sub, cst.Subtract) and isinstance(sub, cst.BinaryOperation) and _mentions_expires_in(sub.left):
            value = _constant_seconds(sub.right, number)
            if value is not None:
                return ("margin", value)
    if _mentions_expires_in(node) or not reads_clock(node):
        return None
    for sub in _walk(node):
        if _is_op(sub, cst.Add) and isinstance(sub, cst.BinaryOperation):
            for part in (sub.left, sub.right):
                value = _constant_seconds(part, number)
                if value is not None:
                    return ("validity", value)
    return None


def _mentions_expires_in(node: cst.CSTNode) -> bool:
    for sub in _walk(node):
        if isinstance(sub, cst.Name) and sub.value == "expires_in":
            return True
        if isinstance(sub, cst.Attribute) and sub.attr.value == "expires_in":
            return True
        if isinstance(sub, cst.SimpleString) and sub.value.strip("'\"") == "expires_in":
            return True
    return False


def walked(node: cst.CSTNode) -> list[cst.CSTNode]:
    """Every node of a condition, once (LibCST's ``children`` is costly: walk a test once)."""
    return list(_walk(node))


def clock_called(nodes: list[cst.CSTNode]) -> bool:
    return any(isinstance(n, cst.Call) and (dotted_node(n.func) or "").endswith(CLOCKS) for n in nodes)


def http_status(node: cst.CSTNode, nodes: list[cst.CSTNode] | None = None) -> int | None:
    """An HTTP 4xx/5xx status a condition compares with (``== 401``, ``HTTPStatus.UNAUTHORIZED``)."""
    for sub in nodes if nodes is not None else _walk(node):
        if isinstance(sub, cst.Integer):
            try:
                v = int(sub.value)
            except ValueError:
                continue
            if 400 <= v <= 599:
                return v
        if isinstance(sub, (cst.Name, cst.Attribute)):
            name = dotted_node(sub)
            if name and name.rsplit(".", 1)[-1] in UNAUTHORIZED_NAMES:
                return 401
    return None


def _seconds(node: cst.BaseExpression) -> float | None:
    if isinstance(node, cst.BinaryOperation) and isinstance(node.operator, (cst.Multiply, cst.Add, cst.Subtract)):
        left, right = _seconds(node.left), _seconds(node.right)  # ``5 * 60``
        if left is None or right is None:
            return None
        if isinstance(node.operator, cst.Multiply):
            return left * right
        return left + right if isinstance(node.operator, cst.Add) else left - right
    if isinstance(node, (cst.Integer, cst.Float)):
        try:
            return float(node.evaluated_value)
        except (ValueError, SyntaxError):
            return None
    if isinstance(node, cst.Call) and dotted_node(node.func) in ("timedelta", "datetime.timedelta"):
        total = 0.0
        scale = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "milliseconds": 0.001}
        for arg in node.args:
            key = arg.keyword.value if arg.keyword else "days"
            num = _seconds(arg.value)
            if num is None:
                return None
            total += num * scale.get(key, 86400.0)
        return total
    return None


def _has_subtraction(node: cst.BaseExpression) -> bool:
    return any(
        isinstance(s, cst.BinaryOperation) and isinstance(s.operator, cst.Subtract)
        for s in _walk(node)
    )


def _walk(node: cst.CSTNode) -> Iterator[cst.CSTNode]:
    stack = [node]
    while stack:
        cur = stack.pop()
        yield cur
        if isinstance(cur, (cst.Lambda, cst.FunctionDef)):
            continue
        stack.extend(reversed(children(cur)))


def expr_states(expr: Expr, depth: int = 0) -> list[str]:
    """State names a value was read from, for a local a condition tests (same notation as ``reads``).

    ``self._tokens.get(account)`` -> ``item:self._tokens``; ``self._token`` -> ``self._token``;
    ``cur.execute(...).fetchone()`` -> ``db``; ``json.load(open(path))`` -> ``file``.
    """
    out: list[str] = []
    if depth > 12:
        return out
    d = depth + 1
    if isinstance(expr, (Name, Attr)):
        head = _expr_dotted(expr)
        if head is not None:
            first, _, rest = head.partition(".")
            if first in ("self", "cls"):
                attr = rest.split(".", 1)[0]
                out.append(f"{first}.{attr}" if attr else first)
            elif isinstance(_expr_root(expr), Name):
                out.append(f"global:{first}")
        elif isinstance(expr, Attr):
            out.extend(expr_states(expr.base, d))
    elif isinstance(expr, Subscript):
        base = _expr_dotted(expr.base)
        if base is not None:
            out.append("item:" + base)
        out.extend(expr_states(expr.base, d))
    elif isinstance(expr, CallExpr):
        name = _expr_dotted(expr.func)
        last = name.rsplit(".", 1)[-1] if name else (
            expr.func.attr if isinstance(expr.func, Attr) else "")
        if last in DB_READS:
            out.append("db")
        if last == "open" or last in ("read_text", "read_bytes", "load") or last in FILE_CHECKS:
            out.append("file")
        if name is not None and (name.startswith("self.") or "." not in name):
            out.append(f"call:{name}")
        elif last == "get" and isinstance(expr.func, Attr):
            base = _expr_dotted(expr.func.base)
            if base is not None:
                out.append("item:" + base)
        if isinstance(expr.func, Attr):
            out.extend(expr_states(expr.func.base, d))
        for arg in expr.args:
            out.extend(expr_states(arg, d))
    elif isinstance(expr, (Concat, Choice)):
        for part in expr.parts if isinstance(expr, Concat) else expr.options:
            out.extend(expr_states(part, d))
    elif isinstance(expr, Format):
        for arg in expr.args:
            out.extend(expr_states(arg, d))
    return out


def _expr_root(expr: Expr) -> Expr:
    while isinstance(expr, Attr):
        expr = expr.base
    return expr


def _expr_dotted(expr: Expr) -> str | None:
    """``self._cache`` / ``_TOKENS`` / a parameter's name followed by attributes, else None."""
    parts: list[str] = []
    while isinstance(expr, Attr):
        parts.append(expr.attr)
        expr = expr.base
    if isinstance(expr, Name):
        parts.append(expr.id)
    elif isinstance(expr, Param):
        parts.append(expr.name)
    else:
        return None
    return ".".join(reversed(parts))


def is_sql_write(sql: object) -> bool:
    return isinstance(sql, str) and sql.lstrip().split(" ", 1)[0].lower() in SQL_WRITES
