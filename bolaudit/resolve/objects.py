"""What an expression denotes when it is not a plain value (a session, an instance of a
project class, a module, a function), and which project functions a call reaches."""

from __future__ import annotations

from functools import cached_property

from bolaudit import clients
from bolaudit.resolve.contexts import EvaluatorParts, MAX_DEPTH, Callee, Ctx, dedupe, describe, param_key
from bolaudit.extract.exprtools import dotted
from bolaudit.resolve import sinks
from bolaudit.resolve.values import Obj
from bolaudit.facts import (
    Attr,
    CallExpr,
    CallFact,
    Choice,
    Const,
    Expr,
    HttpCall,
    Name,
    Param,
)



class Objects:
    """The evaluator's objects/callees (see ``bolaudit.resolve.evaluate``), a part of it."""

    def __init__(self, ev: EvaluatorParts) -> None:
        self.ev = ev

    def objects(self, expr: Expr, ctx: Ctx) -> list[Obj]:
        if ctx.depth > MAX_DEPTH:
            return []
        found = self.ev.memoised("o", expr, ctx, self._objects)
        if found is None:
            return []
        assert isinstance(found, list)
        return found

    def _objects(self, expr: Expr, ctx: Ctx) -> list[Obj]:
        c = ctx.deeper()
        if isinstance(expr, Name):
            if expr.id in ("self", "cls") and ctx.self_cls is not None:
                kind = "instance" if expr.id == "self" else "class"
                return [Obj(kind, ctx.self_cls[0], ctx.self_cls[1])]
            sym = self.ev.index.symbol(ctx.path, expr.id)
            if sym.kind in ("class", "function", "module"):
                return [Obj(sym.kind, sym.path, sym.name)]
            if sym.kind == "external":
                return [Obj("external", name=sym.name)]
            if sym.kind == "unknown" and expr.id in ("super", "map", "dict", "str", "print", "open"):
                return [Obj("external", name=expr.id)]
        if isinstance(expr, Attr) and expr.base not in (Name("self"), Name("cls")):
            out: list[Obj] = []
            for base in self.objects(expr.base, c):
                if base.kind == "module":
                    sym = self.ev.index.symbol(base.path, expr.attr)
                    if sym.kind in ("class", "function", "module"):
                        out.append(Obj(sym.kind, sym.path, sym.name))
                    elif sym.kind == "external":
                        out.append(Obj("external", name=sym.name))
                elif base.kind == "external":
                    out.append(Obj("external", name=f"{base.name}.{expr.attr}"))
                elif base.kind in ("instance", "class"):
                    m = self.ev.index.method((base.path, base.name), expr.attr)
                    if m is not None:
                        out.append(Obj("function", m[0], m[1], extra=("bound", base.path, base.name)))
            if out:
                return out
        if isinstance(expr, CallExpr):
            return self._call_objects(expr, c)
        if isinstance(expr, Param):
            subs = self.ev.resolve(expr, c)
            if subs:
                return dedupe(o for sub, sctx in subs for o in self.objects(sub, sctx))
            fn = self.ev.index.functions.get((ctx.path, expr.func))
            spec = next((s for s in fn.params if s.name == expr.name), None) if fn else None
            if spec is not None and spec.annotation is not None:
                cls = self.ev.index.class_symbol(ctx.path, spec.annotation)
                if cls is not None:
                    return [Obj("instance", cls[0], cls[1])]
            return [Obj("unknown", name=describe(expr), extra=(param_key(expr, ctx),))]
        if isinstance(expr, Choice):
            return dedupe(o for opt in expr.options for o in self.objects(opt, c))
        if isinstance(expr, Const) and expr.value is None:
            return []
        found = dedupe(o for sub, sctx in self.ev.resolve(expr, c) if sub != expr for o in self.objects(sub, sctx))
        return found or [Obj("unknown", name=describe(expr), extra=(param_key(expr, ctx),))]

    def _call_objects(self, expr: CallExpr, c: Ctx) -> list[Obj]:
        out: list[Obj] = []
        for f in self.objects(expr.func, c):
            if f.kind == "external":
                lib = clients.SESSION_CONSTRUCTORS.get(f.name)
                if lib is not None:
                    out.append(Obj("session", c.path, str(expr.call), lib, (f.name,)))
                else:
                    out.append(Obj("external", name=f.name + "()"))
            elif f.kind == "class":
                bases = self.ev.index.external_bases((f.path, f.name))
                lib = next((clients.SESSION_CONSTRUCTORS[b] for b in bases if b in clients.SESSION_CONSTRUCTORS), None)
                if lib is not None:
                    out.append(Obj("session", c.path, str(expr.call), lib, (f"{f.path}:{f.name}",)))
                out.append(Obj("instance", f.path, f.name))
        for sub, sctx in self.ev.resolve(expr, c):
            out.extend(self.objects(sub, sctx))
        return dedupe(out)

    def callees_of(self, expr: CallExpr, ctx: Ctx) -> list[Callee]:
        return self._callees(expr.func, ctx, expr.args)

    def callees(self, path: str, call: CallFact) -> list[Callee]:
        found = self._callees(call.callee, self.ev.ctx_for(path, call.func), call.args)
        if found and found[0].how == "by-name":
            if found[0].target == (path, call.func):
                return []  # ``self.session.get`` inside ``get``: not a recursion by name
            http = self._http_sends.get((path, call.id))
            if http is not None and (clients.library(http.library).known or self._absolute(path, http)):
                return []  # a request on a client, not a project method of the same name
        return found

    @cached_property
    def _http_sends(self) -> dict[tuple[str, int], HttpCall]:
        return {(path, h.call): h for (path, _), calls in self.ev.index.http_in.items() for h in calls}

    def _absolute(self, path: str, h: HttpCall) -> bool:
        """Whether a call sends to a full URL (a project wrapper takes a path, like
        ``api.get("/orders")``)."""
        values = self.ev.strings(h.url, self.ev.ctx_for(path, h.func))
        return any(v.prefix().startswith(("http://", "https://")) for v in values)

    def _callees(self, callee: Expr, ctx: Ctx, args: tuple[Expr, ...] = ()) -> list[Callee]:
        """The project functions a call reaches, how, and the class ``self`` has there."""
        if isinstance(callee, Attr) and isinstance(callee.base, CallExpr):
            if dotted(callee.base.func) == "super" and ctx.func is not None:
                cls = self.ev.index.class_of((ctx.path, ctx.func))
                if cls is not None:
                    start = ctx.self_cls or cls
                    m = self.ev.index.method(start, callee.attr, after=cls)
                    return [Callee(m, "super", start)] if m is not None else []
        if isinstance(callee, Attr) and callee.base == Name("self") and ctx.self_cls is not None:
            m = self.ev.index.method(ctx.self_cls, callee.attr)
            return [Callee(m, "self", ctx.self_cls)] if m is not None else []
        out: list[Callee] = []
        for obj in self.objects(callee, ctx):
            if obj.kind == "function":
                key = (obj.path, obj.name)
                if obj.extra[:1] == ("bound",):
                    out.append(Callee(key, "method", (obj.extra[1], obj.extra[2])))
                else:
                    out.append(Callee(key, "direct", self.ev.index.class_of(key)))
            elif obj.kind == "class":
                init = self.ev.index.method((obj.path, obj.name), "__init__")
                if init is not None:
                    out.append(Callee(init, "init", (obj.path, obj.name)))
        if (
            not out
            and self.ev.allow_by_name
            and isinstance(callee, Attr)
            and not callee.attr.startswith("__")
            and all(o.kind == "unknown" for o in self.objects(callee.base, ctx))
            and not self._builtin(callee, ctx, args)
        ):
            out = self._by_name(callee)
        return out

    def _builtin(self, callee: Attr, ctx: Ctx, args: tuple[Expr, ...]) -> bool:
        """``row.get("status")`` on a built-in value (``resolve.sinks.builtin_receiver``)."""
        base, annotation = callee.base, None
        if isinstance(base, Param):
            fn = self.ev.index.functions.get((ctx.path, base.func))
            spec = next((s for s in fn.params if s.name == base.name), None) if fn else None
            annotation = spec.annotation if spec is not None else None
        if isinstance(annotation, (Name, Attr)) and sinks.other_library(self.objects(annotation, ctx)):
            return True  # ``shop: woocommerce.API``: that library's ``get``
        values = tuple(v for v, _ in self.ev.resolve(base, ctx)) if isinstance(base, (Name, Param)) else ()
        return sinks.builtin_receiver(callee, annotation, values, args)

    def _by_name(self, callee: Attr) -> list[Callee]:
        """``x.method()`` on an object of unknown type: the project method of that name, if only
        one class hierarchy defines it (a documented approximation; ``get``-like names that
        several classes define stay unresolved)."""
        candidates = self.ev.index.methods_named(callee.attr)
        unread = self.ev.index.deferred_methods(callee.attr)
        if len(candidates) + len(unread) > 3:
            return []  # (counted without analysing modules not read yet: ``to_dict`` of 600 models)
        if unread:
            self.ev.index.ask(unread)  # they decide; the next round has them
            return []
        if not candidates:
            return []
        classes = [self.ev.index.class_of(c) for c in candidates]
        roots = {c for c in classes if c is not None and not any(
            o != c and o is not None and o in self.ev.index.mro(c) for o in classes
        )}
        if len(roots) != 1:
            return []
        root = roots.pop()
        target = self.ev.index.method(root, callee.attr)
        return [Callee(target, "by-name", root)] if target is not None else []

