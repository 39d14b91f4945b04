"""Which functions answer a client, and which calls build a response for one (BOL204).

What a web route, a Django view or an MCP tool returns goes to whoever called the app: a browser,
another service, a language model and its transcript. So does what a response object is built
from (``JsonResponse(...)``, DRF's ``Response(...)``, ``jsonify(...)``), wherever it is built.

Handlers: functions decorated as routes (``@app.get("/x")``, ``@bp.route("/x")``,
``@router.post("/x")``, DRF's ``@api_view``, Django's ``@require_POST``...); Django views (a
function whose first parameter is ``request``, in a ``views.py`` or returning a response object);
methods taking ``request`` of a class-based view or a DRF view or viewset; and MCP tools
(``@mcp.tool()`` on a FastMCP server, ``@server.call_tool()`` on the low-level one). Their
parameters are what the client sent, never a secret the server holds.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from bolaudit.extract.exprtools import dotted
from bolaudit.facts import Attr, CallExpr, CallFact, Const, Expr, FunctionFact

if TYPE_CHECKING:
    from bolaudit.resolve.index import FactIndex

ROUTE_METHODS = {"route", "get", "post", "put", "patch", "delete", "api_route", "head", "options", "websocket"}
ROUTE_NAMES = {"api_view", "require_GET", "require_POST", "require_http_methods", "require_safe"}
MCP_METHODS = {"tool", "call_tool"}
MCP_MODULES = ("mcp.", "fastmcp")
# Frameworks whose response classes and helpers send their argument to the client.
WEB_MODULES = ("django.", "rest_framework.", "flask", "fastapi", "starlette.", "quart", "sanic", "litestar",
               "aiohttp.web", "werkzeug.")
RESPONSE_NAMES = {"JsonResponse", "HttpResponse", "StreamingHttpResponse", "Response", "JSONResponse",
                  "ORJSONResponse", "UJSONResponse", "PlainTextResponse", "HTMLResponse", "jsonify",
                  "make_response", "json_response"}


def handler_kind(index: FactIndex, path: str, fn: FunctionFact) -> str | None:
    """``"route"`` (a web route or view) or ``"MCP tool"`` when ``fn`` answers a client, else None."""
    for deco in fn.decorators:
        if isinstance(deco, CallExpr) and isinstance(deco.func, Attr) and deco.func.attr in ROUTE_METHODS:
            kwargs = dict(deco.kwargs)
            first = deco.args[0] if deco.args else kwargs.get("path", kwargs.get("rule"))
            if isinstance(first, Const) and isinstance(first.value, str) and first.value.startswith("/"):
                return "route"
        target = deco.func if isinstance(deco, CallExpr) else deco
        name = dotted(target) or ""
        if name.rsplit(".", 1)[-1] in ROUTE_NAMES:
            return "route"
        if isinstance(target, Attr) and target.attr in MCP_METHODS and _is_mcp_server(index, path, target.base):
            return "MCP tool"
    params = [p.name for p in fn.params]
    if fn.cls is None and params[:1] == ["request"]:
        in_views = re.search(r"(?:^|/)views(?:\.py$|/)", path) is not None
        return "route" if in_views or _returns_response(index, path, fn) else None
    if fn.cls is not None and params[1:2] == ["request"] and web_view_class(index, (path, fn.cls)):
        return "route"  # a class-based view's or a DRF viewset's method
    return None


def _returns_response(index: FactIndex, path: str, fn: FunctionFact) -> bool:
    for ret in fn.returns:
        if isinstance(ret, CallExpr):
            call = index.calls.get((path, ret.call))
            if call is not None and response_call(index, path, call):
                return True
    return False


def web_view_class(index: FactIndex, key: tuple[str, str]) -> bool:
    """A Django class-based view or a DRF view or viewset (``View``, ``APIView``, ``ModelViewSet``):
    ``as_view()`` makes one instance per request."""
    return any(b.startswith(("django.", "rest_framework.")) and "View" in b.rsplit(".", 1)[-1]
               for b in index.external_bases(key))


def _is_mcp_server(index: FactIndex, path: str, expr: Expr) -> bool:
    """``mcp`` in ``@mcp.tool()`` is a server made by the MCP SDK (``FastMCP(...)``, ``Server(...)``)."""
    if isinstance(expr, CallExpr):  # a module-level server, inlined: ``FastMCP("shop")``
        made_by = dotted(expr.func)
        qual = index.qualified(path, made_by) if made_by is not None else None
        return qual is not None and qual.startswith(MCP_MODULES)
    name = dotted(expr)
    if name is None or "." in name:
        return False
    sym = index.symbol(path, name)
    if sym.kind == "constant" and isinstance(sym.value, CallExpr):
        made_by = dotted(sym.value.func)
        qual = index.qualified(sym.path, made_by) if made_by is not None else None
        return qual is not None and qual.startswith(MCP_MODULES)
    return sym.kind == "external" and sym.name.startswith(MCP_MODULES)


def response_call(index: FactIndex, path: str, call: CallFact) -> bool:
    """``call`` builds a response for the client (``JsonResponse(...)``, ``jsonify(...)``)."""
    name = dotted(call.callee)
    if name is None or name.rsplit(".", 1)[-1] not in RESPONSE_NAMES:
        return False
    qual = index.qualified(path, name) or ""
    return qual.startswith(WEB_MODULES)
