"""Clients generated from bol's OpenAPI documents: each operation is a request.

* openapi-generator's Python client: 7.x ends every operation in
  ``self.api_client.param_serialize(method='PUT', resource_path='/retailer/orders/cancellation',
  header_params=_header_params, ...)``, where ``_header_params['Accept'] =
  self.api_client.select_header_accept([...media types...])``; 5.x and 6.x call
  ``self.api_client.call_api('/retailer/orders/{order-id}', 'GET', path_params, ...)``. The
  host is the ``Configuration``'s, set by the user; urllib3 sends it.
* openapi-python-client: ``_get_kwargs(...)`` returns ``{"method": "get", "url": "/retailer/..."}``
  and ``client.get_httpx_client().request(**kwargs)`` (``get_async_httpx_client`` for asyncio)
  sends it through the user's ``Client(base_url=..., headers=...)``.

Both only carry the path of bol's document; ``GENERATED_ORIGIN`` is the host such a path is taken
to go to (the generated client exists to call it), when the path starts with a bol API prefix.
"""

from __future__ import annotations

from collections.abc import Mapping

from collections.abc import Iterator

from bolaudit.facts import Attr, CallExpr, Choice, Const, DictExpr, Expr, Subscript
from bolaudit.records import record

GENERATED_ORIGIN = "https://api.bol.com"
# ``self.api_client.select_header_accept([...])``: the first media type the document lists is sent.
HEADER_SELECTORS = frozenset({"select_header_accept", "select_header_content_type"})
_OPC_CLIENT_GETTERS = frozenset({"get_httpx_client", "get_async_httpx_client"})


@record(slots=True)
class Operation:
    method: Expr
    path: Expr
    headers: Expr | None
    spread: Expr | None = None


def operation(name: str, receiver: Expr | None, args: tuple[Expr, ...],
              kwargs: Mapping[str, Expr]) -> Operation | None:
    """The request a generated operation makes at this call, or None when it is none."""
    if name == "param_serialize" and "resource_path" in kwargs and "method" in kwargs:
        return Operation(kwargs["method"], kwargs["resource_path"], selected_headers(kwargs.get("header_params")))
    if name == "call_api" and _api_client(receiver):
        path = args[0] if args else kwargs.get("resource_path")
        method = args[1] if len(args) > 1 else kwargs.get("method")
        if path is not None and method is not None and _pathish(path):
            headers = args[4] if len(args) > 4 else kwargs.get("header_params")
            return Operation(method, path, selected_headers(headers))
    if (name == "request" and isinstance(receiver, CallExpr) and isinstance(receiver.func, Attr)
            and receiver.func.attr in _OPC_CLIENT_GETTERS and "**" in kwargs):
        spread = kwargs["**"]
        return Operation(Subscript(spread, Const("method")), Subscript(spread, Const("url")), None, spread)
    return None


def selected_headers(headers: Expr | None) -> Expr | None:
    """The media types the generated code itself puts in the headers (``_header_params['Accept'] =
    self.api_client.select_header_accept([...])``, set unless the caller passed its own): the
    default a generated operation sends. The headers as given when it sets none."""
    found: list[tuple[Expr | None, Expr]] = []
    for e in _dicts(headers, 0) if headers is not None else ():
        if isinstance(e, DictExpr):
            for key, value in e.items:
                if (isinstance(key, Const) and isinstance(value, CallExpr) and isinstance(value.func, Attr)
                        and value.func.attr in HEADER_SELECTORS and (key, value) not in found):
                    found.append((key, value))
    return DictExpr(tuple(found)) if found else headers


def _dicts(expr: Expr, depth: int) -> Iterator[DictExpr]:
    """The dict displays a header value is built from: choices and ``{**old, k: v}`` spreads."""
    if depth > 20:
        return
    if isinstance(expr, Choice):
        for option in expr.options:
            yield from _dicts(option, depth + 1)
    elif isinstance(expr, DictExpr):
        yield expr
        for key, value in expr.items:
            if key is None:
                yield from _dicts(value, depth + 1)


def _api_client(receiver: Expr | None) -> bool:
    return isinstance(receiver, Attr) and receiver.attr == "api_client"


def _pathish(expr: Expr) -> bool:
    return isinstance(expr, Const) and isinstance(expr.value, str) and expr.value.startswith("/")


def package_root(path: str) -> str:
    """The generated package a module belongs to: what comes before its ``api/`` folder
    (``bol_retailer/api/orders_api.py`` -> ``bol_retailer/``)."""
    head, sep, _ = path.rpartition("/api/")
    return head + "/" if sep else path.rpartition("/")[0] + "/"
