"""What is not a request: calls that only look like one.

A request is a call that reaches an HTTP sink. Two shapes look like a wrapper call or an HTTP
call and are neither, and ERP code is full of them:

- a built-in value's method (``row.get("status")``, ``response.headers.get("Content-Type")``,
  ``settings: dict`` then ``settings.get("shop")``): linking it to a project method of the same
  name by name (``BolClient.get``) would invent a bol request at every dictionary look-up;
- a method of another library's client (``woocommerce.API(...).get("orders")``, a Shopify or
  payment provider's SDK): it talks to that service, not to bol.

The evaluator (``objects``) and the request resolver (``requests``) ask here.
"""

from __future__ import annotations

import re

from bolaudit import clients
from bolaudit.facts import Attr, CallExpr, Concat, Const, DictExpr, Expr, Format, Join, Name, Seq, Subscript
from bolaudit.resolve.values import Obj

_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
# Methods of dict, str and list: a call by one of these names on a built-in value is the value's.
BUILTIN_METHODS = frozenset(
    name for kind in (dict, str, list) for name in dir(kind) if not name.startswith("_")
)
# Attributes that hold a mapping in every library (a response's headers, a request's query).
_MAPPING_ATTRS = frozenset({
    "headers", "params", "cookies", "environ", "META", "GET", "POST", "COOKIES", "args", "form",
    "query_params", "path_params", "kwargs", "context", "_context", "env_vars",
})
# Calls that return a built-in value: ``r.json().get(...)``, ``dict(x).get(...)``.
_PLAIN_RESULTS = frozenset({"json", "dict", "copy", "to_dict", "model_dump", "asdict", "loads", "load",
                            "get", "items", "values", "keys", "split", "strip", "lower", "upper"})
# Annotations of built-in values (``settings: dict``, ``row: Mapping[str, Any]``).
_PLAIN_TYPES = frozenset({"dict", "Dict", "Mapping", "MutableMapping", "list", "List", "str",
                          "Sequence", "defaultdict", "OrderedDict", "TypedDict", "JSONDict"})


def builtin_receiver(callee: Attr, annotation: Expr | None = None,
                     values: tuple[Expr, ...] = (), args: tuple[Expr, ...] = ()) -> bool:
    """Whether ``x.m(...)`` is a built-in value's method: ``m`` is a dict/str/list method and
    ``x`` is certainly such a value (a subscript, a mapping attribute, ``json()``'s result, a
    parameter annotated ``dict``, a name bound to a dict/list/str literal), or the call looks
    up a key (``row.get("status")``: a word, where a wrapper takes a path with a ``/``). An
    object of unknown type calling ``get("/orders")`` stays a candidate for the project's ``get``."""
    if callee.attr not in BUILTIN_METHODS:
        return False
    first = args[0] if args else None
    text = first.value if isinstance(first, Const) and isinstance(first.value, str) else None
    if text is not None and _KEY.fullmatch(text):
        return True
    plain = (annotation is not None and _type_name(annotation) in _PLAIN_TYPES) or (bool(values) and all(
        isinstance(v, (DictExpr, Seq, Concat, Format, Join)) or (isinstance(v, Const) and isinstance(v.value, str))
        for v in values
    ))  # an endpoint table ``_api_endpoints.get(key)``, a URL template ``BASE.format(...)``
    if plain or (text is not None and "/" in text):
        # ``clients[shop].get("/orders")``: a path goes to a wrapper, whatever holds it
        return plain
    base = callee.base
    if isinstance(base, Subscript):
        return True
    if isinstance(base, Attr) and base.attr in _MAPPING_ATTRS:
        return True
    if isinstance(base, CallExpr):
        func = base.func
        last = func.attr if isinstance(func, Attr) else func.id if isinstance(func, Name) else ""
        if last in _PLAIN_RESULTS:
            return True
    return False


def _type_name(annotation: Expr) -> str:
    """``dict`` for ``dict``, ``dict[str, Any]``, ``typing.Mapping[...]``, ``"Dict"``."""
    while isinstance(annotation, Subscript):
        annotation = annotation.base
    if isinstance(annotation, Attr):
        return annotation.attr
    if isinstance(annotation, Name):
        return annotation.id
    if isinstance(annotation, Const) and isinstance(annotation.value, str):
        return annotation.value.split("[", 1)[0].rsplit(".", 1)[-1]
    return ""


def other_library(objs: list[Obj]) -> bool:
    """Whether a type annotation names another library's class (``woocommerce.API``), not an
    HTTP library's or a bol one's."""
    return bool(objs) and all(
        o.kind == "external" and o.name.split(".", 1)[0].lower() not in clients.MODULE_WORDS
        and "bol" not in o.name.lower() and o.name.split(".", 1)[0] not in ("typing", "collections")
        for o in objs
    )


def other_service(objs: list[Obj]) -> bool:
    """Whether every object a call is made on is an instance of another library's client (not an
    HTTP library, not a bol one): ``wcapi = woocommerce.API(...)``, ``mollie.api.client.Client()``.
    Such a call goes to that service; its ``get`` is not an HTTP sink bolaudit follows."""
    if not objs:
        return False
    for obj in objs:
        if obj.kind != "external" or not obj.name.endswith("()"):
            return False
        root = obj.name.split(".", 1)[0].lower()
        if root in clients.MODULE_WORDS or "bol" in obj.name.lower() or not root:
            return False
    return True


def may_be_bol(url: str) -> bool:
    """Whether a URL's known text could be bol's (a bol host, or a path under a bol API prefix):
    ``CachedSession().get("https://api.bol.com/...")`` is a bol request whatever the session."""
    low = url.lower()
    return "bol.com" in low or low.startswith(("/retailer", "/shared", "/advertiser", "{?}"))
