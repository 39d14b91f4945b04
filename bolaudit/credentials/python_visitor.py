"""Find bol client ids and secrets in Python source, in the engine's one batched LibCST traversal.

A literal is judged with the names it is bound to: the assignment target (module, class or
function scope), the keyword, the dict key, the parameter, the env var whose default it is
(``os.getenv``, ``os.environ.get``, ``x or "..."``, ``a if a else "..."``, django-environ and
decouple ``config``). The halves of an ``auth=`` tuple, ``HTTPBasicAuth(...)`` and friends get their
role from their position. Values seen together (one call's keywords, one dict, one auth tuple, one
scope's assignments, one ``Basic`` header) are paired for ``--verify-credentials``. Every other
string literal goes through the same line logic as text files, so a lone secret of the specific
shape, a ``uuid:secret`` string, a ready ``Basic`` header or an ``.env`` example in a docstring is
found too. Env reads of credential names become ``SecretSource(kind="env")`` facts for BOL103.

Strings built from literals (``+``, implicit concatenation, f-strings, ``"".join([...])``) are
read as the text they make (``credential_compose``): under a credential name as one value, else
through the line logic, with a hole for every part that is not a literal, so a form body
``"...&client_secret=" + "<piece>" + "<piece>"`` names its secret. A literal that is no whole
credential (a form body, a URL with a query) is read by the line logic even under a name.

Spans cover exactly the literal (quotes and prefix included; ``credential_readback`` turns the
text at a span back into the value); a credential inside a longer literal gets the span of its own
characters, one spread over several literals the whole expression. Such a spread credential is
reported without a credential name only when the expression's own source matches
``CANDIDATE_BYTES`` (an id, a ``Basic``, ``client_secret=``): that keeps the pre-filter free of
false negatives.
"""

from __future__ import annotations


import libcst as cst

from bolaudit.extract.visitors import FastVisitor

from bolaudit.extract.positions import Positions

from bolaudit.credentials import groups as cg
from bolaudit.catalog import credentials as cr
from bolaudit.credentials.compose import Composed, compose, composable, is_join
from bolaudit.credentials.loose import Sightings
from bolaudit.credentials.literals import (
    default_of,
    dotted,
    env_var,
    literal_value,
)
from bolaudit.facts import CredentialKind, SecretSource
from bolaudit.records import record

_AUTH_WORDS = frozenset({"auth", "credentials", "creds", "basicauth"})
_BASIC_AUTH = frozenset({"HTTPBasicAuth", "BasicAuth", "HTTPDigestAuth"})


@record(slots=True)
class _Item:
    node: cst.BaseExpression
    value: str
    names: tuple[str, ...]
    context: str
    hint: str = ""


def _fallback(env: str) -> str:
    shown = cr.telling_name(env)
    return f"fallback when {shown} is unset" if shown else "fallback when the variable is unset"


class CredentialVisitor(FastVisitor, Sightings):
    """Collects ``sightings`` and ``secret_sources`` of one module; read them after the traversal."""

    def __init__(self, path: str, positions: Positions | None = None) -> None:
        FastVisitor.__init__(self)
        Sightings.__init__(self, positions)
        self.path = path
        self.secret_sources: list[SecretSource] = []
        self._pending_sources: list[tuple[str, CredentialKind, cst.CSTNode]] = []
        self._claimed: set[int] = set()
        self._scopes: list[tuple[str, list[_Item]]] = [("module", [])]

    # -- scopes: assignments in one module/class/function body are judged (and paired) together
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._scopes.append(("class", []))

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self._judge(self._scopes.pop()[1])

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._scopes.append(("function", []))

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self._judge(self._scopes.pop()[1])

    def leave_Module(self, original_node: cst.Module) -> None:
        for name, role, node in self._pending_sources:
            self.secret_sources.append(SecretSource("env", name, role, self._span(node)))
        while self._scopes:
            self._judge(self._scopes.pop()[1])
        self.sightings.sort(key=lambda s: (s.span, s.kind))

    # -- named contexts
    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._assign(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._assign(node.target, node.value)

    def _assign(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if isinstance(target, (cst.Tuple, cst.List)) and isinstance(value, (cst.Tuple, cst.List)):
            if len(target.elements) == len(value.elements):
                for t, v in zip(target.elements, value.elements):
                    self._assign(t.value, v.value)
            return
        name = self._target_name(target)
        if name is None:
            return
        if cr.name_parts(name)[-1:] in [(w,) for w in _AUTH_WORDS]:
            if isinstance(value, (cst.Tuple, cst.List)) and len(value.elements) == 2:
                self._auth(value.elements[0].value, value.elements[1].value, f"assignment to {name}")
                return
        kind = "class attribute" if self._scopes[-1][0] == "class" else "assignment to"
        label = dotted(target) or name
        self._scopes[-1][1].extend(self._items(value, (name,), f"{kind} {label}"))

    @staticmethod
    def _target_name(target: cst.BaseExpression) -> str | None:
        if isinstance(target, cst.Name):
            return target.value
        if isinstance(target, cst.Attribute):
            return target.attr.value
        if isinstance(target, cst.Subscript) and len(target.slice) == 1:
            index = target.slice[0].slice
            if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
                return literal_value(index.value)
        return None

    def visit_Param(self, node: cst.Param) -> None:
        if node.default is not None:
            name = node.name.value
            self._scopes[-1][1].extend(self._items(node.default, (name,), f"default of parameter {name}"))

    def visit_Dict(self, node: cst.Dict) -> None:
        items: list[_Item] = []
        for el in node.elements:
            if isinstance(el, cst.DictElement) and isinstance(el.key, cst.SimpleString):
                key = literal_value(el.key)
                if key is not None:
                    shown = cr.telling_name(key)
                    items += self._items(el.value, (key,), f"dict key '{shown}'" if shown else "dict value")
        self._judge(items)

    def visit_Call(self, node: cst.Call) -> None:
        callee = dotted(node.func) or ""
        env = env_var(node)
        if env is not None:
            self._source(env, node)
        short = callee.rsplit(".", 1)[-1]
        if short in _BASIC_AUTH:
            pos = [a.value for a in node.args if a.keyword is None]
            kws = {a.keyword.value: a.value for a in node.args if a.keyword is not None}
            user = pos[0] if pos else kws.get("username", kws.get("login"))
            password = pos[1] if len(pos) > 1 else kws.get("password")
            if user is not None and password is not None:
                self._auth(user, password, f"{short}(...)")
        items: list[_Item] = []
        for arg in node.args:
            if arg.keyword is None:
                continue
            kw = arg.keyword.value
            if kw == "auth" and isinstance(arg.value, (cst.Tuple, cst.List)) and len(arg.value.elements) == 2:
                self._auth(arg.value.elements[0].value, arg.value.elements[1].value, "auth= tuple")
            else:
                items += self._items(arg.value, (kw,), f"keyword {kw}=")
        items += self._default_items(node, ())
        self._judge(items)
        self._side_by_side([a.value for a in node.args if a.keyword is None], f"arguments of {callee or 'a call'}")
        if id(node) not in self._claimed and is_join(node):
            self._composed(node)

    def visit_Tuple(self, node: cst.Tuple) -> None:
        self._side_by_side([e.value for e in node.elements], "id and secret in a tuple")

    def visit_List(self, node: cst.List) -> None:
        self._side_by_side([e.value for e in node.elements], "id and secret in a list")

    def visit_Subscript(self, node: cst.Subscript) -> None:
        name = env_var(node)
        if name:
            self._source(name, node)

    # -- every other string literal: the text logic (lone specific secrets, Basic, uuid:secret)
    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if id(node) not in self._claimed and len(node.value) >= 38:
            self._loose(node, node.value, literal_value(node))

    def visit_FormattedString(self, node: cst.FormattedString) -> None:
        """Without placeholders: one literal. With them: the text it makes, holes and all."""
        if id(node) in self._claimed:
            return
        if any(isinstance(p, cst.FormattedStringExpression) for p in node.parts):
            self._composed(node)
            return
        self._claimed.update(id(p) for p in node.parts)
        self._loose(node, cst.Module(body=[]).code_for_node(node), literal_value(node))

    def visit_FormattedStringText(self, node: cst.FormattedStringText) -> None:
        if id(node) not in self._claimed and len(node.value) >= 36:
            self._loose(node, node.value, node.value)

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> None:
        if id(node) not in self._claimed:
            self._composed(node)

    def visit_BinaryOperation(self, node: cst.BinaryOperation) -> None:
        if isinstance(node.operator, cst.Add) and id(node) not in self._claimed:
            self._composed(node)

    def _composed(self, node: cst.BaseExpression) -> None:
        """A string built from literals (``+``, implicit concatenation, f-string, ``join``): the
        text it makes is scanned as one, with a hole for each part that is not a literal."""
        composed = compose(node)
        if composed is None:
            return  # no literal, or too many: the literals are scanned one by one
        self._claim(composed)
        if len(composed.value) >= 36:
            self._loose_composed(node, composed)

    def _claim(self, composed: Composed) -> None:
        self._claimed.update(id(n) for n in composed.nodes)

    # -- helpers
    def _items(
        self, expr: cst.BaseExpression, names: tuple[str, ...], context: str, strong: bool = False
    ) -> list[_Item]:
        """Literals ``expr`` evaluates to, with the names they are bound to; claims them.

        ``strong``: the place itself says credential (the second half of an ``auth=`` pair whose
        first half is a client id), as a credential name does.
        """
        out: list[_Item] = []
        if composable(expr):
            if id(expr) in self._claimed:
                return out
            composed = compose(expr)
            if composed is None or not composed.literal_only:
                return out  # a name or call inside: the loose scan reads the literal parts
            value = composed.value
            # Without a credential name the value must stand in the source as it is (one literal,
            # no escapes), as CANDIDATE_BYTES only sees the file's bytes.
            strong = strong or any(cr.credential_role(n) for n in names)
            if not (strong or composed.single is not None):
                return out
            if self._pair_string(expr, value, context):
                self._claim(composed)
            elif cr.UUID_RE.fullmatch(value) or cr.secret_shape(value) is not None:
                self._claim(composed)
                out.append(_Item(expr, value, names, context))
            # Anything else (a form body, a URL with a query) is left to the loose scan, which
            # reads the names inside it (``client_secret=...``).
        elif isinstance(expr, cst.BooleanOperation):
            env = env_var(expr.left) or env_var(expr.right)
            more, ctx = ((env,), _fallback(env)) if env else ((), context)
            out += self._items(expr.left, names + more, ctx, strong) + self._items(expr.right, names + more, ctx, strong)
        elif isinstance(expr, cst.IfExp):
            env = env_var(expr.test) or env_var(expr.body) or env_var(expr.orelse)
            more, ctx = ((env,), _fallback(env)) if env else ((), context)
            out += self._items(expr.body, names + more, ctx, strong) + self._items(expr.orelse, names + more, ctx, strong)
        elif isinstance(expr, cst.Call):
            out += self._default_items(expr, names)
        return out

    def _default_items(self, call: cst.Call, names: tuple[str, ...]) -> list[_Item]:
        found = default_of(call)
        if found is None:
            return []
        callee, key, default = found
        shown = cr.telling_name(key)
        return self._items(default, (*names, key), f"default of {callee}('{shown}')" if shown else f"default of {callee}(...)")

    def _auth(self, user: cst.BaseExpression, password: cst.BaseExpression, context: str) -> None:
        """The halves of a Basic-auth pair: the first is a client id if it is a UUID at all."""
        ids = [_Item(i.node, i.value, i.names, context, cr.CLIENT_ID) for i in self._items(user, (), context)]
        id_ref = dotted(user) or env_var(user) or ""
        partnered = any(cr.is_client_id(i.value) for i in ids) or cr.credential_role(id_ref) == cr.CLIENT_ID
        secrets = [
            _Item(i.node, i.value, i.names, context, cr.CLIENT_SECRET if partnered else "")
            for i in self._items(password, (), context, strong=partnered)
        ]
        self._judge(ids + secrets)

    def _side_by_side(self, values: list[cst.BaseExpression], context: str) -> None:
        for a, b in zip(values, values[1:]):
            if not (isinstance(a, cst.SimpleString) and isinstance(b, cst.SimpleString)):
                continue
            if id(a) in self._claimed or id(b) in self._claimed:
                continue
            id_value, secret = literal_value(a), literal_value(b)
            if id_value and secret and cr.is_client_id(id_value) and cr.is_secret(secret, in_context=True):
                if id_value in a.value and secret in b.value:
                    self._claimed.update((id(a), id(b)))
                    self._pair_sightings(id_value, secret, self._span(a), self._span(b), context)

    def _pair_string(self, node: cst.BaseExpression, value: str, context: str) -> bool:
        """A ``Basic`` header, bare base64 pair or ``uuid:secret`` string: both halves at the literal."""
        pair = cr.decode_basic(value) if len(value) >= 52 else None
        label = "Basic header" if value.startswith("Basic") else "base64 id:secret"
        if pair is None:
            pair, label = cr.split_pair(value), "id:secret string"
        if pair is None or not cr.is_client_id(pair[0]) or not cr.is_secret(pair[1], in_context=True):
            return False
        span = self._span(node)
        id_span = secret_span = span
        if label == "id:secret string" and isinstance(node, cst.SimpleString):
            id_found = self._sub_span(node.value, span, pair[0], value)
            secret_found = self._sub_span(node.value, span, pair[1], value)
            if id_found and secret_found:
                id_span, secret_span = id_found[0], secret_found[0]
        where = label if context in ("", "Basic header") else f"{label}, {context}"
        self._pair_sightings(pair[0], pair[1], id_span, secret_span, where)
        return True

    def _judge(self, items: list[_Item]) -> None:
        if not items:
            return
        verdicts = cg.judge([cg.Candidate(i.value, i.names, i.hint, ref=k) for k, i in enumerate(items)])
        pair_ids = {n: self._new_pair() for n in sorted({v.pair for v in verdicts if v.pair})}
        for v in verdicts:
            item = items[v.ref]
            self._add(v.kind, item.value, self._span(item.node), item.context, pair_ids.get(v.pair, ""))

    def _source(self, name: str, node: cst.CSTNode) -> None:
        role = cr.credential_role(name)
        if role:
            # ``os.environ["X"]``: placed at the key literal, whose span is cheap once visited.
            if isinstance(node, cst.Subscript) and len(node.slice) == 1:
                index = node.slice[0].slice
                if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
                    node = index.value
            self._pending_sources.append((name, role, node))


