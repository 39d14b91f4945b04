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

Spans cover exactly the literal (quotes and prefix included; ``credentials.read_back`` turns the
text at a span back into the value); a credential inside a longer literal gets the span of its own
characters. An implicitly concatenated literal is judged as a whole only under a credential
name or when it starts with ``"Basic "``: that keeps ``CANDIDATE_BYTES`` free of false negatives.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from bolaudit.analysis.visitors import FastVisitor

from bolaudit.analysis.positions import Positions

from bolaudit.analysis import credential_groups as cg
from bolaudit.analysis import credential_lines as cl
from bolaudit.analysis import credentials as cr
from bolaudit.analysis.credential_literals import (
    LITERALS,
    Literal,
    default_of,
    dotted,
    env_var,
    literal_value,
    parts,
    verbatim,
)
from bolaudit.facts import CredentialSighting, SecretSource
from bolaudit.findings import Span

_AUTH_WORDS = frozenset({"auth", "credentials", "creds", "basicauth"})
_BASIC_AUTH = frozenset({"HTTPBasicAuth", "BasicAuth", "HTTPDigestAuth"})
_BASIC_PREFIX = re.compile(r"Basic\s+[A-Za-z0-9+/]{16}|[\"']Basic\s[\"']")
_RUNS = (cr.SECRET_RUN_RE, cr.UUID_RUN_RE, cr.BASIC_RUN_RE)


@dataclass(frozen=True, slots=True)
class _Item:
    node: Literal
    value: str
    names: tuple[str, ...]
    context: str
    hint: str = ""


def _fallback(env: str) -> str:
    shown = cr.telling_name(env)
    return f"fallback when {shown} is unset" if shown else "fallback when the variable is unset"


class CredentialVisitor(FastVisitor):
    """Collects ``sightings`` and ``secret_sources`` of one module; read them after the traversal."""

    def __init__(self, path: str, positions: Positions | None = None) -> None:
        super().__init__()
        self.path = path
        self.positions = positions
        self.sightings: list[CredentialSighting] = []
        self.secret_sources: list[SecretSource] = []
        self._pending_sources: list[tuple[str, str, cst.CSTNode]] = []
        self._claimed: set[int] = set()
        self._scopes: list[tuple[str, list[_Item]]] = [("module", [])]
        self._pairs = 0

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
        """Without placeholders: one literal. With them: each text part is scanned on its own."""
        if any(isinstance(p, cst.FormattedStringExpression) for p in node.parts):
            return
        self._claimed.update(id(p) for p in node.parts)
        if id(node) not in self._claimed:
            self._loose(node, cst.Module(body=[]).code_for_node(node), literal_value(node))

    def visit_FormattedStringText(self, node: cst.FormattedStringText) -> None:
        if id(node) not in self._claimed and len(node.value) >= 36:
            self._loose(node, node.value, node.value)

    def visit_ConcatenatedString(self, node: cst.ConcatenatedString) -> None:
        if id(node) in self._claimed:
            return
        first = node.left
        while isinstance(first, cst.ConcatenatedString):
            first = first.left
        if isinstance(first, cst.SimpleString) and _BASIC_PREFIX.search(first.value):
            value = literal_value(node)
            if value is not None and self._pair_string(node, value, "Basic header"):
                self._claimed.update(id(p) for p in parts(node))

    def _loose(self, node: cst.CSTNode, raw: str, value: str | None) -> None:
        if value is None or len(value) < 36:
            return
        seen: dict[str, int] = {}  # where to look for the next occurrence of a text in ``raw``
        spans: list[Span] = []  # the literal's own, looked up once it is needed (it can be slow)

        def whole_span() -> Span:
            if not spans:
                spans.append(self._span(node))
            return spans[0]

        def span_of(text: str) -> Span | None:
            found = self._sub_span(raw, whole_span(), text, value, seen.get(text, 0))
            if found is not None:
                seen[text] = found[1]
            return found[0] if found else None

        candidates: list[cl.LineCandidate] = []
        for line in value.split("\n"):
            found, pairs = cl.read_line(line, cl.find_matches(line))
            for p in pairs:
                id_span = span_of(line[p.id_span[0] : p.id_span[1]])
                secret_span = id_span if p.id_span == p.secret_span else span_of(
                    line[p.secret_span[0] : p.secret_span[1]]
                )
                if id_span and secret_span:
                    self._pair_sightings(p.client_id, p.secret, id_span, secret_span, p.context)
            candidates += found
        # Judge first: a literal full of order ids costs no position look-ups.
        verdicts = cg.judge([cg.Candidate(c.value, c.names, ref=i) for i, c in enumerate(candidates)])
        pair_ids = {n: self._new_pair() for n in sorted({v.pair for v in verdicts if v.pair})}
        for v in verdicts:
            c = candidates[v.ref]
            span = span_of(c.value)
            if span is None:
                continue
            where = "string literal" if span == whole_span() else "inside a string literal"
            name = cr.best_name(c.names)
            context = f"{cr.shown_name(name)} {where}" if cr.credential_role(name) else where
            self._add(v.kind, c.value, span, context, pair_ids.get(v.pair, ""))

    @staticmethod
    def _sub_span(raw: str, whole: Span, text: str, value: str, start: int = 0) -> tuple[Span, int] | None:
        """Where ``text`` sits in the source (verbatim only), and where to look for the next one;
        the whole literal when it is the value."""
        if text == value:
            return (whole, len(raw)) if text in raw else None
        i = raw.find(text, start)
        # The detectors must match the source bytes too (CANDIDATE_BYTES sees only those):
        # ``"\x41<secret>"`` reads as a longer run there.
        if i < 0 or not any(m and m.end() == i + len(text) for m in (r.match(raw, i) for r in _RUNS)):
            return None
        before = raw[:i]
        newlines = before.count("\n")
        column = whole.column + i if not newlines else i - before.rfind("\n")
        line_no = whole.line + newlines
        return Span(line_no, column, line_no, column + len(text)), i + len(text)

    # -- helpers
    def _items(self, expr: cst.BaseExpression, names: tuple[str, ...], context: str) -> list[_Item]:
        """Literals ``expr`` evaluates to, with the names they are bound to; claims them."""
        out: list[_Item] = []
        if isinstance(expr, LITERALS):
            if id(expr) in self._claimed:
                return out
            value = literal_value(expr)
            # Without a credential name the value must stand in the source as it is (no
            # concatenation, no escapes), as CANDIDATE_BYTES only sees the file's bytes.
            strong = any(cr.credential_role(n) for n in names)
            if value is None or not (strong or verbatim(expr, value)):
                return out
            self._claimed.update(id(p) for p in parts(expr))
            if not self._pair_string(expr, value, context):
                out.append(_Item(expr, value, names, context))
        elif isinstance(expr, cst.BooleanOperation):
            env = env_var(expr.left) or env_var(expr.right)
            more, ctx = ((env,), _fallback(env)) if env else ((), context)
            out += self._items(expr.left, names + more, ctx) + self._items(expr.right, names + more, ctx)
        elif isinstance(expr, cst.IfExp):
            env = env_var(expr.test) or env_var(expr.body) or env_var(expr.orelse)
            more, ctx = ((env,), _fallback(env)) if env else ((), context)
            out += self._items(expr.body, names + more, ctx) + self._items(expr.orelse, names + more, ctx)
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
            for i in self._items(password, (), context)
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

    def _pair_string(self, node: Literal, value: str, context: str) -> bool:
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

    def _pair_sightings(self, id_value: str, secret: str, id_span: Span, secret_span: Span, context: str) -> None:
        pair = self._new_pair()
        self._add(cr.CLIENT_ID, id_value, id_span, context, pair)
        self._add(cr.CLIENT_SECRET, secret, secret_span, context, pair)

    def _new_pair(self) -> str:
        self._pairs += 1
        return f"pair-{self._pairs}"

    def _add(self, kind: str, value: str, span: Span, context: str, pair: str) -> None:
        self.sightings.append(
            CredentialSighting(kind, cr.fingerprint(value), cr.mask(value), span, context, pair)
        )

    def _source(self, name: str, node: cst.CSTNode) -> None:
        role = cr.credential_role(name)
        if role:
            # ``os.environ["X"]``: placed at the key literal, whose span is cheap once visited.
            if isinstance(node, cst.Subscript) and len(node.slice) == 1:
                index = node.slice[0].slice
                if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
                    node = index.value
            self._pending_sources.append((name, role, node))

    def _span(self, node: cst.CSTNode) -> Span:
        assert self.positions is not None, "run through positions.traverse"
        return self.positions.span(node)
