"""Serializers, model forms and response models that hand a credential field out (BOL204).

* A DRF serializer (any class whose bases reach ``rest_framework.serializers``) outputs its
  declared fields and, for a ``ModelSerializer``, the model fields its ``Meta`` lists (``fields =
  "__all__"`` or ``exclude`` take the model's own fields). A field is not output when it is
  ``write_only=True`` (declared, or through ``Meta.extra_kwargs``) or a ``HiddenField``; a
  ``SerializerMethodField`` outputs what its ``get_<name>`` method returns, so a masked value is
  fine.
* A Django ``ModelForm`` renders its fields' values into the page; a ``PasswordInput`` widget
  (declared on the field or in ``Meta.widgets``) does not, unless ``render_value=True``.
* A pydantic model that a route or an MCP tool declares as its response (``response_model=``,
  or the return annotation) outputs every field, except ``SecretStr``/``SecretBytes`` fields
  (shown as ``**********``) and ``Field(exclude=True)``.

Which fields are credentials: a client secret by its name (``client_secret``, ``clientSecret``,
``bol_secret``; a bare ``secret`` only on a bol-named class or when the project sends that
attribute as a credential). A token field (``access_token``, ``token``, ``refresh_token``) by data
flow where the project shows it: the project stores a token under that name
(``BolToken.objects.create(access_token=body["access_token"])``) or sends that attribute of an
object as a Bearer token (``f"Bearer {account.access_token}"``), or a model method stores one in
that column (``self.access_token = body["access_token"]``); or when the field or its class
is bol-named (``bol_token``, ``BolCredentials``). A response model's token field counts only when
bol-named: what a route really returns is followed as a value (``exposure``), so the token a
FastAPI app issues to its own users (``Token(access_token=create_access_token(...))``) is not
mistaken for bol's.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from bolaudit.extract.exprtools import dotted
from bolaudit.facts import Attr, CallExpr, ClassFact, Const, DictExpr, Expr, Format, Concat, Seq, Subscript
from bolaudit.findings import Span
from bolaudit.records import record
from bolaudit.tokens.handlers import handler_kind
from bolaudit.tokens.secret_values import ACCESS, REFRESH, SECRET, by_name

if TYPE_CHECKING:
    from bolaudit.resolve.index import FactIndex, FuncKey
    from bolaudit.tokens.secret_values import SecretValues

SERIALIZER, FORM, MODEL = "serializer", "model form", "response model"
_PASSWORD_WIDGETS = ("PasswordInput",)
_SECRET_TYPES = ("SecretStr", "SecretBytes")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def bol_named(name: str) -> bool:
    """``BolAccount``, ``bol_token``, ``ShopBolCredentials``; not ``Symbol`` or ``Bolt``."""
    snake = _CAMEL.sub("_", name).lower()
    return re.search(r"(?:^|_)bol(?:_|$)", snake) is not None


@record
class FieldExposure:
    """``owner`` (a serializer, model form or response model) hands out ``fields`` (names, each
    holding ``what``) to clients; ``used_by`` names the routes of a response model."""

    path: str
    span: Span
    kind: str
    owner: str
    fields: tuple[str, ...]
    what: str
    used_by: tuple[str, ...] = ()


def field_exposures(index: FactIndex, values: SecretValues) -> list[FieldExposure]:
    return list(_Fields(index, values).run())


class _Fields:
    def __init__(self, index: FactIndex, values: SecretValues) -> None:
        self.p = index
        self.values = values
        self._evidence: set[str] | None = None

    def run(self) -> Iterator[FieldExposure]:
        models = self._response_models()
        for key, cls in sorted(self.p.classes.items()):
            bases = self.p.external_bases(key)
            if any(b.startswith("rest_framework.") and b.endswith("Serializer") for b in bases):
                yield from self._serializer(key, cls)
            elif any(b.startswith("django.") and b.endswith("ModelForm") for b in bases):
                yield from self._form(key, cls)
            elif key in models:
                yield from self._response_model(key, cls, models[key])

    # ------------------------------------------------------------------ which names are credentials

    def credential(self, name: str, owners: list[str], strict: bool = False) -> str | None:
        kind = by_name(name.replace("-", "_"))
        if kind is None:
            return None
        bol = bol_named(name) or any(bol_named(o.rsplit(".", 1)[-1]) for o in owners)
        if kind == SECRET:
            return kind if name.lower().lstrip("_") != "secret" or bol or name in self.evidence() else None
        if bol or (not strict and name in self.evidence()):
            return kind
        return None

    def evidence(self) -> set[str]:
        """Attribute and key names the project stores a token under or sends as a credential."""
        if self._evidence is None:
            self._evidence = set()
            for path, facts in self.p.iter_modules():
                for call in facts.calls:
                    for key, value in call.kwargs:
                        self._stored(path, key, value)
                        if isinstance(value, DictExpr):
                            for k, v in value.items:
                                if isinstance(k, Const) and isinstance(k.value, str):
                                    self._stored(path, k.value, v)
                        if key == "auth":
                            self._sent(value, SECRET)
                for cls in facts.classes:  # a model method that stores a token in its own column
                    columns = {n for n, v in cls.class_attrs if isinstance(v, CallExpr) and _column(v)}
                    for attr, value, _ in cls.instance_attrs:
                        if attr in columns:
                            self._stored(path, attr, value)
                headers = [h.headers for h in facts.http_calls if h.headers is not None]
                headers += [s.headers for s in facts.sessions if s.headers is not None]
                headers += [s.headers for s in facts.header_sets]
                for h in headers:
                    if isinstance(h, DictExpr):
                        for k, v in h.items:
                            if isinstance(k, Const) and str(k.value).lower() == "authorization":
                                self._sent(v, ACCESS)
        return self._evidence

    def _stored(self, path: str, key: str, value: Expr) -> None:
        if by_name(key) in (ACCESS, REFRESH) and not isinstance(value, Const):
            found = self.values.secret(value, path)
            if found is not None and found[0] != SECRET:
                assert self._evidence is not None
                self._evidence.add(key)

    def _sent(self, value: Expr, kind: str, depth: int = 0) -> None:
        assert self._evidence is not None
        if depth > 6:
            return
        if isinstance(value, Attr) and dotted(value.base) not in ("self", "cls"):
            if by_name(value.attr) == kind or (kind == SECRET and by_name(value.attr) is not None):
                self._evidence.add(value.attr)
        elif isinstance(value, Subscript) and isinstance(value.key, Const) and isinstance(value.key.value, str):
            if by_name(value.key.value) is not None:
                self._evidence.add(value.key.value)
        parts: tuple[Expr, ...] = ()
        if isinstance(value, Format):
            parts = (*value.args, *(v for _, v in value.kwargs))
        elif isinstance(value, (Concat,)):
            parts = value.parts
        elif isinstance(value, Seq):
            parts = value.items
        for part in parts:
            self._sent(part, kind, depth + 1)

    # ------------------------------------------------------------------ DRF serializers

    def _serializer(self, key: FuncKey, cls: ClassFact) -> Iterator[FieldExposure]:
        path = key[0]
        meta = self._meta(key)
        model = self._model(key, meta)
        extra = meta.get("extra_kwargs")
        owners = self._owners(key, model)
        exposed: dict[str, tuple[Span, str]] = {}
        declared: set[str] = set()
        for owner in self.p.mro(key):
            for name, value in self.p.classes[owner].class_attrs:
                if not (isinstance(value, CallExpr) and _field_class(value).endswith("Field")) or name in declared:
                    continue
                declared.add(name)
                source = _const_kwarg(value, "source") or name
                what = self.credential(name, owners) or self.credential(source, owners)
                if what and _shown(value, extra, name) and self._serializer_field_out(owner, name, value):
                    exposed[name] = (self._span_of(owner[0], value, cls), what)
        for name in self._meta_fields(meta, model):
            what = self.credential(name, owners)
            if what and name not in declared and _shown(None, extra, name):
                exposed[name] = (_head(cls), what)
        yield from _grouped(path, SERIALIZER, cls.qualname, exposed)

    def _serializer_field_out(self, owner: FuncKey, name: str, value: CallExpr) -> bool:
        """Whether the declared field outputs its value (a method field: what its method returns)."""
        kind = _field_class(value)
        if kind.endswith("HiddenField"):
            return False
        if kind.endswith("SerializerMethodField"):
            method = _const_kwarg(value, "method_name") or f"get_{name}"
            target = self.p.method(owner, method)
            return target is not None and self.values.returns(target) is not None
        return True

    # ------------------------------------------------------------------ Django model forms

    def _form(self, key: FuncKey, cls: ClassFact) -> Iterator[FieldExposure]:
        meta = self._meta(key)
        model = self._model(key, meta)
        widgets = meta.get("widgets")
        owners = self._owners(key, model)
        exposed: dict[str, tuple[Span, str]] = {}
        declared: set[str] = set()
        for owner in self.p.mro(key):
            for name, value in self.p.classes[owner].class_attrs:
                if isinstance(value, CallExpr) and _field_class(value).endswith("Field") and name not in declared:
                    declared.add(name)
                    widget = dict(value.kwargs).get("widget") or _item(widgets, name)
                    what = self.credential(name, owners)
                    if what and not _hides_value(widget):
                        exposed[name] = (self._span_of(owner[0], value, cls), what)
        for name in self._meta_fields(meta, model):
            what = self.credential(name, owners)
            if what and name not in declared and not _hides_value(_item(widgets, name)):
                exposed[name] = (_head(cls), what)
        yield from _grouped(key[0], FORM, cls.qualname, exposed)

    # ------------------------------------------------------------------ pydantic response models

    def _response_models(self) -> dict[FuncKey, list[str]]:
        """Project classes a route or MCP tool declares as its response, with those handlers."""
        out: dict[FuncKey, list[str]] = {}
        for (path, qual), fn in self.p.functions.items():
            if handler_kind(self.p, path, fn) is None:
                continue
            declared = [v for d in fn.decorators if isinstance(d, CallExpr) for k, v in d.kwargs if k == "response_model"]
            if fn.return_annotation is not None:
                declared.append(fn.return_annotation)
            for expr in declared:
                for name in _names_in(expr):
                    found = self.p.class_symbol(path, name)
                    if found is not None and qual not in out.setdefault(found, []):
                        out[found].append(qual)
        return out

    def _response_model(self, key: FuncKey, cls: ClassFact, routes: list[str]) -> Iterator[FieldExposure]:
        if not any(b.startswith(("pydantic", "sqlmodel")) for b in self.p.external_bases(key)):
            return
        exposed: dict[str, tuple[Span, str]] = {}
        for owner in reversed(self.p.mro(key)):
            values = dict(self.p.classes[owner].class_attrs)
            for name, annotation, span in self.p.classes[owner].annotated:
                types = [(dotted(t) or "").rsplit(".", 1)[-1] for t in _names_in(annotation)]
                hidden = any(t in _SECRET_TYPES for t in types) or _excluded(values.get(name))
                alias = _const_kwarg(values.get(name), "alias") or name
                what = self.credential(name, [cls.qualname], True) or self.credential(alias, [cls.qualname], True)
                if what and not hidden:
                    exposed[name] = (span, what)
                else:
                    exposed.pop(name, None)
        yield from _grouped(key[0], MODEL, cls.qualname, exposed, tuple(routes))

    # ------------------------------------------------------------------ helpers

    def _meta(self, key: FuncKey) -> dict[str, Expr]:
        """The ``Meta`` options, its own over those of the classes it derives from."""
        for owner in self.p.mro(key):
            meta = (owner[0], f"{owner[1]}.Meta")
            if meta in self.p.classes:
                out: dict[str, Expr] = {}
                for cls in self.p.mro(meta):
                    for name, value in self.p.classes[cls].class_attrs:
                        out.setdefault(name, value)
                return out
        return {}

    def _model(self, key: FuncKey, meta: dict[str, Expr]) -> FuncKey | None:
        model = meta.get("model")
        return self.p.class_symbol(key[0], model) if model is not None else None

    def _owners(self, key: FuncKey, model: FuncKey | None) -> list[str]:
        return [key[1]] + ([model[1]] if model is not None else [])

    def _meta_fields(self, meta: dict[str, Expr], model: FuncKey | None) -> list[str]:
        fields = meta.get("fields")
        if isinstance(fields, Seq):
            return [i.value for i in fields.items if isinstance(i, Const) and isinstance(i.value, str)]
        if fields is not None and fields != Const("__all__"):
            return []  # read from elsewhere: not known
        excluded = set(_strings(meta.get("exclude")))
        return [f for f in self._model_fields(model) if f not in excluded] if (fields or excluded) else []

    def _model_fields(self, model: FuncKey | None) -> list[str]:
        if model is None:
            return []
        out: list[str] = []
        for owner in self.p.mro(model):
            for name, value in self.p.classes[owner].class_attrs:
                if isinstance(value, CallExpr) and _field_class(value).endswith("Field") and name not in out:
                    out.append(name)
        return out

    def _span_of(self, path: str, value: CallExpr, cls: ClassFact) -> Span:
        call = self.p.calls.get((path, value.call))
        return call.span if call is not None else _head(cls)


def _grouped(path: str, kind: str, owner: str, exposed: dict[str, tuple[Span, str]],
             used_by: tuple[str, ...] = ()) -> Iterator[FieldExposure]:
    """One exposure per place: the fields reported at one line (a ``Meta``'s) go together."""
    by_span: dict[Span, list[tuple[str, str]]] = {}
    for name, (span, what) in exposed.items():
        by_span.setdefault(span, []).append((name, what))
    for span, named in sorted(by_span.items(), key=lambda kv: kv[0]):
        kinds = [w for _, w in named]
        what = SECRET if SECRET in kinds else kinds[0]
        yield FieldExposure(path, span, kind, owner, tuple(n for n, _ in named), what, used_by)


def _field_class(call: CallExpr) -> str:
    return dotted(call.func) or ""


def _column(call: CallExpr) -> bool:
    """A model field or column: ``models.TextField(...)``, ``Column(String)``, ``mapped_column()``."""
    last = _field_class(call).rsplit(".", 1)[-1]
    return last.endswith("Field") or last in ("Column", "mapped_column")


def _const_kwarg(call: Expr | None, name: str) -> str | None:
    if not isinstance(call, CallExpr):
        return None
    value = dict(call.kwargs).get(name)
    return value.value if isinstance(value, Const) and isinstance(value.value, str) else None


def _true(expr: Expr | None) -> bool:
    return isinstance(expr, Const) and expr.value is True


def _item(mapping: Expr | None, key: str) -> Expr | None:
    if isinstance(mapping, DictExpr):
        for k, v in mapping.items:
            if isinstance(k, Const) and k.value == key:
                return v
    return None


def _shown(declared: CallExpr | None, extra: Expr | None, name: str) -> bool:
    """A serializer field is output unless it is write-only (on the field or in ``extra_kwargs``)."""
    if declared is not None and _true(dict(declared.kwargs).get("write_only")):
        return False
    return not _true(_item(_item(extra, name), "write_only"))


def _hides_value(widget: Expr | None) -> bool:
    """A ``PasswordInput`` widget (class or instance) without ``render_value=True``."""
    target = widget.func if isinstance(widget, CallExpr) else widget
    name = dotted(target) if target is not None else None
    if name is None or name.rsplit(".", 1)[-1] not in _PASSWORD_WIDGETS:
        return False
    return not (isinstance(widget, CallExpr) and _true(dict(widget.kwargs).get("render_value")))


def _excluded(value: Expr | None) -> bool:
    """``Field(..., exclude=True)``: pydantic leaves the field out of its output."""
    return isinstance(value, CallExpr) and _true(dict(value.kwargs).get("exclude"))


def _strings(expr: Expr | None) -> list[str]:
    if isinstance(expr, Seq):
        return [i.value for i in expr.items if isinstance(i, Const) and isinstance(i.value, str)]
    return []


def _names_in(expr: Expr, depth: int = 0) -> list[Expr]:
    """Names and dotted names in an annotation (``list[TokenOut]``, ``Optional[X]``, ``X | None``)."""
    if depth > 6:
        return []
    if isinstance(expr, Attr) or dotted(expr) is not None:
        return [expr]
    if isinstance(expr, Subscript):
        return _names_in(expr.base, depth + 1) + _names_in(expr.key, depth + 1)
    if isinstance(expr, Seq):
        return [n for i in expr.items for n in _names_in(i, depth + 1)]
    if isinstance(expr, CallExpr):  # ``X | None`` may come as an operation the extractor keeps as a call
        return [n for a in expr.args for n in _names_in(a, depth + 1)]
    return []


def _head(cls: ClassFact) -> Span:
    """The first line of a class, where a finding about its ``Meta`` is shown."""
    short = cls.qualname.rsplit(".", 1)[-1]
    return Span(cls.span.line, cls.span.column, cls.span.line, cls.span.column + len("class ") + len(short))
