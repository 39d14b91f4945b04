"""Entry points: functions that run once per outside event (BOL202).

A web request, a task message, a Lambda invocation, an MCP tool call or a scheduler tick each
start a fresh call of the function registered for it. A token fetched on every call of such a
function, with no cache that outlives the call, is one token per event: BOL202 names the entry
point. Recognised here:

* web: everything ``tokens.handlers`` calls a route or view (Flask, FastAPI, Starlette, Django
  function views, DRF views and viewsets, class-based views), plus the methods a class-based
  view runs per request (``setup``, ``dispatch``, ``get``/``post``..., ``list``/``create``...,
  and ``__init__``: ``as_view()`` makes one instance per request);
* Celery tasks (``@shared_task``, ``@app.task``), AWS Lambda handlers (``lambda_handler``, or
  ``handler(event, context)``), Google Cloud Functions (``@functions_framework.http``);
* MCP tool handlers (``tokens.handlers``); FastAPI dependencies (``Depends(bol_client)``), run
  for each request to a route that declares them;
* scheduler jobs: ``schedule.every(...).do(job)``, APScheduler's ``add_job(job, ...)`` and
  ``@scheduled_job(...)``;
* Odoo model methods run by a cron or a button (``_cron_*``, ``cron_*``, ``action_*``,
  ``button_*`` on a ``models.Model``).
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from bolaudit.extract.exprtools import dotted
from bolaudit.facts import Attr, CallExpr, Const, Expr, FunctionFact, Name
from bolaudit.tokens.handlers import handler_kind, web_view_class

if TYPE_CHECKING:
    from bolaudit.resolve.index import FactIndex, Scope

_TASK_DECORATORS = {"shared_task", "task", "periodic_task"}
_CLOUD_DECORATORS = {"http", "cloud_event"}
_VIEW_METHODS = {"setup", "dispatch", "get", "post", "put", "patch", "delete", "head", "options",
                 "list", "create", "retrieve", "update", "partial_update", "destroy", "perform_create",
                 "perform_update", "perform_destroy", "get_queryset", "get_object", "initial", "__init__"}
_ODOO_PREFIXES = ("_cron_", "cron_", "action_", "button_", "_action_")
_SCHEDULE_REGISTRARS = {"do": 0, "add_job": 0}
_UNITS = {"second": 1.0, "seconds": 1.0, "minute": 60.0, "minutes": 60.0, "hour": 3600.0, "hours": 3600.0,
          "day": 86400.0, "days": 86400.0, "weeks": 604800.0, "week": 604800.0}


class EntryPoints:
    def __init__(self, index: FactIndex) -> None:
        self.p = index
        self._every: dict[tuple[str, str], float] = {}  # seconds between runs of a scheduled job

    def describe(self, scope: Scope, lifetime: float) -> str | None:
        """``the web route `confirm` `` and the like when ``scope`` runs once per outside event
        more often than a token lives, else None (a job run hourly needs a new token anyway)."""
        if scope[1] is None:
            return None
        key = (scope[0], scope[1])
        found = self._all.get(key)
        every = self._every.get(key)
        if found is None or (every is not None and every >= lifetime):
            return None
        kind, _, users = found.partition(" (of ")
        return (f"{kind} `{scope[1]}`" + (f" (of {users}" if users else "")
                + (f" (every {every:g} s)" if every is not None else ""))

    def infrequent(self, scope: Scope, lifetime: float) -> bool:
        """A scheduler job run no more often than a token lives (``cron`` at a fixed minute: hourly)."""
        every = self._every.get((scope[0], scope[1])) if scope[1] is not None else None
        return every is not None and every >= lifetime

    @cached_property
    def _all(self) -> dict[tuple[str, str], str]:
        out: dict[tuple[str, str], str] = {}
        for key, fn in self.p.functions.items():
            kind = self._kind(key[0], fn)
            if kind is not None:
                out[key] = kind
        for key in self._scheduled:
            out.setdefault(key, "the scheduler job")
        for key, users in self._dependencies.items():
            routes = ", ".join(f"`{u}`" for u in sorted(users)[:4])
            out.setdefault(key, f"the FastAPI dependency (of {routes})")
        return out

    @cached_property
    def _dependencies(self) -> dict[tuple[str, str], set[str]]:
        """``bol: AsyncClient = Depends(bol_client)``: FastAPI calls ``bol_client`` for every
        request to a route that declares it (a generator dependency, once per request); with the
        functions that declare it."""
        out: dict[tuple[str, str], set[str]] = {}
        for (path, name), fn in self.p.functions.items():
            for param in fn.params:
                dep = param.default
                if (isinstance(dep, CallExpr) and (dotted(dep.func) or "").rsplit(".", 1)[-1] == "Depends"
                        and dep.args and isinstance(dep.args[0], Name)):
                    sym = self.p.symbol(path, dep.args[0].id)
                    if sym.kind == "function":
                        out.setdefault((sym.path, sym.name), set()).add(name)
        return out

    def is_dependency(self, scope: Scope) -> bool:
        """A FastAPI dependency: run per request of the routes that declare it."""
        return scope[1] is not None and (scope[0], scope[1]) in self._dependencies

    def _kind(self, path: str, fn: FunctionFact) -> str | None:
        handler = handler_kind(self.p, path, fn)
        if handler == "MCP tool":
            return "the MCP tool handler"
        if handler == "route":
            return "the web view" if fn.cls is not None or "views" in path else "the web route"
        for deco in fn.decorators:
            target = deco.func if isinstance(deco, CallExpr) else deco
            name = dotted(target) or ""
            # ``@scheduler.scheduled_job``: a module-level object may be inlined as what made it.
            last = target.attr if isinstance(target, Attr) else name.rsplit(".", 1)[-1]
            if last in _TASK_DECORATORS and (name == last or self._from(path, name, ("celery", "app", "celery_app"))):
                return "the Celery task"
            if last in _CLOUD_DECORATORS and name.startswith("functions_framework"):
                return "the Cloud Function"
            if last == "scheduled_job":
                if isinstance(deco, CallExpr):
                    every = _apscheduler_interval(deco.args[1:] if deco.args else (), deco.kwargs, deco.args[:1])
                    if every is not None:
                        self._every[(path, fn.qualname)] = every
                return "the scheduler job"
        params = [p.name for p in fn.params]
        if fn.cls is None and (fn.qualname == "lambda_handler" or (params[:2] == ["event", "context"])):
            return "the Lambda handler"
        if fn.cls is not None:
            method = fn.qualname.rsplit(".", 1)[-1]
            if method in _VIEW_METHODS and web_view_class(self.p, (path, fn.cls)):
                return "the view method"
            bases = self.p.external_bases((path, fn.cls))
            if method.startswith(_ODOO_PREFIXES) and any(b.startswith("odoo") for b in bases):
                return "the Odoo cron or button method"
        return None

    def _from(self, path: str, name: str, roots: tuple[str, ...]) -> bool:
        qual = self.p.qualified(path, name) or name
        return qual.startswith(("celery", *roots)) or name.split(".", 1)[0] in roots

    @cached_property
    def _scheduled(self) -> set[tuple[str, str]]:
        """Functions handed to a scheduler: ``schedule.every(5).minutes.do(job)``,
        ``scheduler.add_job(job, "interval", minutes=5)``."""
        out: set[tuple[str, str]] = set()
        for (path, _func), calls in self.p.calls_in.items():
            for call in calls:
                callee = call.callee
                if not isinstance(callee, Attr) or callee.attr not in _SCHEDULE_REGISTRARS or not call.args:
                    continue
                job = call.args[_SCHEDULE_REGISTRARS[callee.attr]]
                if isinstance(job, Name):
                    sym = self.p.symbol(path, job.id)
                    if sym.kind == "function":
                        out.add((sym.path, sym.name))
                        every = (_schedule_interval(callee.base) if callee.attr == "do"
                                 else _apscheduler_interval(call.args[2:], call.kwargs, call.args[1:2]))
                        if every is not None:
                            self._every[(sym.path, sym.name)] = every
        return out


def _schedule_interval(expr: Expr) -> float | None:
    """``schedule.every(5).minutes`` / ``schedule.every().hour.at(":05")``: seconds between runs."""
    while isinstance(expr, CallExpr) and isinstance(expr.func, Attr) and expr.func.attr in ("at", "to", "until", "tag"):
        expr = expr.func.base
    if not isinstance(expr, Attr) or expr.attr not in _UNITS or not isinstance(expr.base, CallExpr):
        return None
    every = expr.base
    count = every.args[0] if every.args else Const(1)
    if not isinstance(count, Const) or not isinstance(count.value, (int, float)) or isinstance(count.value, bool):
        return None
    return float(count.value) * _UNITS[expr.attr]


def _apscheduler_interval(args: tuple[Expr, ...], kwargs: tuple[tuple[str, Expr], ...],
                          trigger: tuple[Expr, ...]) -> float | None:
    """``add_job(job, "interval", minutes=1)``, ``scheduled_job("cron", minute=5)``."""
    kind = trigger[0].value if trigger and isinstance(trigger[0], Const) else None
    given = dict(kwargs)
    if kind == "interval":
        total = 0.0
        for unit, scale in (("seconds", 1.0), ("minutes", 60.0), ("hours", 3600.0), ("days", 86400.0), ("weeks", 604800.0)):
            value = given.get(unit)
            if isinstance(value, Const) and isinstance(value.value, (int, float)) and not isinstance(value.value, bool):
                total += float(value.value) * scale
        return total or None
    if kind == "cron":
        minute = given.get("minute")
        if "second" in given:
            return 1.0
        if minute is None or (isinstance(minute, Const) and str(minute.value).startswith("*")):
            return 60.0
        return 3600.0  # a fixed minute: at most once an hour
    return None
