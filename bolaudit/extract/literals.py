"""The literal part of the fact extractor: string literals that look like URLs, paths or bol media types.

Recorded with their positions as ``LiteralFact``s (read by ``resolve.literals``): the request rules point at a literal version or host even where no
request could be resolved. Docstrings and bare strings are left out; secret-shaped text is
redacted and query values are hidden, since a URL may carry a secret.
"""

from __future__ import annotations


import libcst as cst

from bolaudit.extract.core import ExtractorBase
from bolaudit.extract.exprtools import literal_value, redact
from bolaudit.facts import LiteralFact


MAX_LITERAL = 300
MAX_LITERALS = 2000

# Where a literal is only looked at, never sent: compared, searched for, replaced in a message.
_TEST_METHODS = frozenset({
    "replace", "startswith", "endswith", "find", "rfind", "index", "rindex", "count", "split",
    "rsplit", "partition", "rpartition", "removeprefix", "removesuffix", "strip", "lstrip", "rstrip",
})
_TEST_FUNCTIONS = frozenset({"search", "match", "fullmatch", "sub", "subn", "findall", "finditer", "compile"})
_MESSAGE_METHODS = frozenset({"debug", "info", "warning", "warn", "error", "exception", "critical", "log"})
_LOGGERS = ("log", "logger", "logging", "_logger", "_log", "LOGGER", "LOG", "warnings")
_NAMESPACE_KEYWORDS = frozenset({"namespaces", "nsmap", "ns", "xmlns"})


class LiteralsMixin(ExtractorBase):
    """Literals: a part of ``FactExtractor`` (``extract.core`` declares what it shares)."""

    def __init__(self) -> None:
        self._bare_strings: set[cst.CSTNode] = set()
        self._literal_use: dict[cst.CSTNode, str] = {}
        self.literals: list[LiteralFact] = []
        # ``NAME = "literal"`` at module level: the literal's node -> NAME, and where NAME is read
        # (the uses marked on it; "" where it may be sent).
        self._constant_of: dict[cst.CSTNode, str] = {}
        self._targets: set[cst.CSTNode] = set()
        self._name_uses: dict[str, set[str]] = {}
        self._constant_literals: list[tuple[int, str]] = []

    # -- where a literal goes: marked on the parent, read when the literal is visited -----------

    def _mark_use(self, node: cst.BaseExpression, use: str) -> None:
        if isinstance(node, (cst.SimpleString, cst.FormattedString, cst.Name)):
            self._literal_use.setdefault(node, use)
        elif isinstance(node, cst.ConcatenatedString):
            self._mark_use(node.left, use)
            self._mark_use(node.right, use)
        elif isinstance(node, (cst.Tuple, cst.List, cst.Set)):
            for element in node.elements:
                self._mark_use(element.value, use)
        elif isinstance(node, cst.Dict) and use == "namespace":
            for el in node.elements:
                if isinstance(el, cst.DictElement):
                    self._mark_use(el.value, use)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        # ``url == "https://plazaapi.bol.com/..."``, ``"v3+json" in content_type``: a test.
        self._mark_use(node.left, "test")
        for target in node.comparisons:
            self._mark_use(target.comparator, "test")

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        # ``"{%s}Order" % NS``: ElementTree's ``{namespace}tag``.
        left = node.left
        if (isinstance(node.operator, cst.Modulo) and isinstance(left, cst.SimpleString)
                and left.value.strip("'\"rbuRBU").startswith("{%s}")):
            self._mark_use(node.right, "namespace")

    def visit_Module(self, node: cst.Module) -> None:
        for stmt in node.body:
            if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
                continue
            assign = stmt.body[0]
            if (isinstance(assign, cst.Assign) and len(assign.targets) == 1
                    and isinstance(assign.targets[0].target, cst.Name)
                    and isinstance(assign.value, (cst.SimpleString, cst.FormattedString))):
                self._constant_of[assign.value] = assign.targets[0].target.value
                self._targets.add(assign.targets[0].target)

    def visit_Name(self, node: cst.Name) -> None:
        if node not in self._targets:
            self._name_uses.setdefault(node.value, set()).add(self._literal_use.get(node, ""))

    def leave_Module(self, original_node: cst.Module) -> None:
        """A module constant read only where nothing is sent (compared, logged, an XML
        namespace) takes that use, with its name: the project stage still judges it when another
        module imports it (``resolve.literals``)."""
        for at, name in self._constant_literals:
            uses = self._name_uses.get(name, set())
            if uses and "" not in uses and not self.literals[at].use:
                lit = self.literals[at]
                self.literals[at] = LiteralFact(lit.span, lit.text, min(uses), name)

    def visit_Raise(self, node: cst.Raise) -> None:
        if isinstance(node.exc, cst.Call):
            for arg in node.exc.args:
                self._mark_use(arg.value, "message")

    def visit_DictElement(self, node: cst.DictElement) -> None:
        key = node.key
        if isinstance(key, cst.SimpleString) and key.value.strip("'\"").startswith("xmlns"):
            self._mark_use(node.value, "namespace")

    def note_literal_uses(self, node: cst.Call) -> None:
        """The extractor calls this for every call: arguments only tested or logged."""
        func = node.func
        name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else ""
        owner = func.value if isinstance(func, cst.Attribute) else None
        use = ""
        if isinstance(func, cst.Attribute) and name in _TEST_METHODS:
            use = "test"
        elif name in _TEST_FUNCTIONS and isinstance(owner, cst.Name) and owner.value in ("re", "regex"):
            use = "test"
        elif name == "print" or (name in _MESSAGE_METHODS and isinstance(owner, (cst.Name, cst.Attribute))
                                 and _tail(owner).endswith(_LOGGERS)):
            use = "message"
        elif name == "register_namespace":
            use = "namespace"
        elif name == "set" and node.args and isinstance(node.args[0].value, cst.SimpleString) \
                and node.args[0].value.value.strip("'\"").startswith("xmlns"):
            use = "namespace"  # ``root.set("xmlns", NS)``
        for arg in node.args:
            if arg.keyword is not None and arg.keyword.value in _NAMESPACE_KEYWORDS:
                self._mark_use(arg.value, "namespace")
            elif use:
                self._mark_use(arg.value, use)

    def visit_Expr(self, node: cst.Expr) -> None:
        # A string on its own line is a docstring or a comment, not a value the code sends.
        self._bare_strings.add(node.value)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if node in self._bare_strings:
            return
        if "b" in node.prefix.lower():
            return  # bytes are not a URL or header value the code sends as text
        value = literal_value(node.value)  # an odd literal is None: simply not recorded
        if value is not None:
            self._note_literal(node, value)

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        if node not in self._bare_strings:
            text = "".join(
                p.value if isinstance(p, cst.FormattedStringText) else "{}" for p in node.parts
            )
            self._note_literal(node, text)

    def _note_literal(self, node: cst.CSTNode, text: str) -> None:
        if len(text) > MAX_LITERAL or len(self.literals) >= MAX_LITERALS:
            return
        if "/" not in text and "vnd." not in text and "bol.com" not in text:
            return
        use = self._literal_use.get(node, "")
        if not use and text.startswith("{http"):
            use = "namespace"  # ElementTree's ``{namespace}tag``
        if node in self._constant_of:
            self._constant_literals.append((len(self.literals), self._constant_of[node]))
        self.literals.append(LiteralFact(self.span(node), mask_query(redact(text)), use))


def _tail(node: cst.BaseExpression) -> str:
    """The last name of ``self.logger`` / ``logging``."""
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return node.value if isinstance(node, cst.Name) else ""


def mask_query(text: str) -> str:
    """A URL with the values of its query parameters hidden (they may be secrets)."""
    if "?" not in text:
        return text
    head, _, query = text.partition("?")
    pairs = []
    for pair in query.split("&"):
        key, eq, value = pair.partition("=")
        pairs.append(f"{key}={'…' if value else ''}" if eq else key)
    return head + "?" + "&".join(pairs)
