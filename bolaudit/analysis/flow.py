"""What a condition reads and what a statement writes, in one notation shared with the token rules.

State names: ``self.<attr>`` / ``cls.<attr>`` (instance and class attributes), ``global:<name>``
(module globals), ``local:<name>`` (locals of the function), ``item:<dotted>`` (an entry of a dict
or cache object), ``file`` (the file system), ``call:<dotted>`` (a helper whose result the
condition uses, e.g. ``self._token_is_valid()``). A token request guarded by a condition that
reads state the same function (or loop) writes after the request is a cache, not a per-call fetch.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

FILE_CHECKS = ("exists", "is_file", "isfile", "getmtime", "stat")
FILE_WRITES = ("write_text", "write_bytes", "dump", "dumps_to", "save")
ITEM_WRITES = ("set", "setdefault", "update", "setex", "hset", "put", "__setitem__", "add")
UNAUTHORIZED_NAMES = ("UNAUTHORIZED", "unauthorized", "HTTP_401_UNAUTHORIZED")


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
        stack.extend(reversed(sub.children))
    return tuple(out)


def _normal(dotted: str, self_names: tuple[str, ...]) -> str:
    head, _, rest = dotted.partition(".")
    if head in self_names:
        return "self." + rest if rest else "self"
    return dotted


def margin(node: cst.CSTNode) -> float | None:
    """The largest constant number of seconds added/subtracted in a comparison (a refresh margin)."""
    best: float | None = None
    for sub in _walk(node):
        value: float | None = None
        if isinstance(sub, cst.BinaryOperation) and isinstance(
            sub.operator, (cst.Add, cst.Subtract)
        ):
            for side in (sub.left, sub.right):
                value = _seconds(side)
                if value is not None:
                    best = value if best is None else max(best, value)
        elif isinstance(sub, cst.Comparison):
            # ``expires_at - now > 300`` compares against a constant directly.
            for comp in sub.comparisons:
                value = _seconds(comp.comparator)
                if value is not None and _has_subtraction(sub.left):
                    best = value if best is None else max(best, value)
    return best


def http_status(node: cst.CSTNode) -> int | None:
    """An HTTP 4xx/5xx status a condition compares with (``== 401``, ``HTTPStatus.UNAUTHORIZED``)."""
    for sub in _walk(node):
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
        stack.extend(reversed(cur.children))
