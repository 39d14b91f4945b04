"""How names, parameters and attributes get their values (one step at a time), and how a
function is entered from a call site: its arguments bound by position, keyword, default and
``**`` spread."""

from __future__ import annotations


from bolaudit.resolve.contexts import EvaluatorParts, MAX_ALTERNATIVES, MAX_DEPTH, Callee, Ctx, dedupe, func_key
from bolaudit.extract.exprtools import dotted
from bolaudit.facts import IF_ELSE, OR_DEFAULT
from bolaudit.facts import (
    Attr,
    CallExpr,
    Concat,
    Const,
    DictExpr,
    Expr,
    Format,
    LoopFact,
    LoopVar,
    Name,
    Param,
    Seq,
    Subscript,
    Unknown,
)



_ENUMS = frozenset({"Enum", "StrEnum", "IntEnum"})


class Binding:
    """The evaluator's resolve/bind (see ``bolaudit.resolve.evaluate``), a part of it."""

    def __init__(self, ev: EvaluatorParts) -> None:
        self.ev = ev
        self._binds: dict[tuple[int, int, Callee, Ctx], tuple[tuple[object, object], Ctx]] = {}
        self._overridden: dict[tuple[tuple[str, str], str, bool], bool] = {}

    def resolve(self, expr: Expr, ctx: Ctx) -> list[tuple[Expr, Ctx]]:
        """One step: what a name, parameter, attribute, loop variable or call stands for."""
        if ctx.depth > MAX_DEPTH:
            return []
        c = ctx.deeper()
        if isinstance(expr, Name):
            sym = self.ev.index.symbol(ctx.path, expr.id)
            if sym.kind == "constant" and sym.value is not None:
                return [(sym.value, Ctx(sym.path, None, None, None, c.depth))]
            return []
        if isinstance(expr, Param):
            return self._param(expr, c)
        if isinstance(expr, LoopVar):
            loop = self._loop(ctx.path, expr.loop)
            if loop is not None and isinstance(loop.iter, Seq) and len(loop.targets) == 1:
                return [(item, c) for item in loop.iter.items][:MAX_ALTERNATIVES]
            if loop is not None and loop.iter is not None and len(loop.targets) == 1:
                return [(item, ictx) for it, ictx in self.resolve(loop.iter, c) if isinstance(it, Seq) for item in it.items]
            return []
        if isinstance(expr, Attr):
            return self._attr(expr, c)
        if isinstance(expr, Subscript):
            key = self.ev.string(expr.key, c).known
            if key is None:
                return []
            return self.ev.dict_item(expr.base, key, c)
        if isinstance(expr, CallExpr):
            if expr.func == Name(OR_DEFAULT) and len(expr.args) == 2:
                return self._or_default(expr.args[0], expr.args[1], c)
            if expr.func == Name(IF_ELSE) and len(expr.args) == 3:
                return self._if_else(*expr.args, c)
            item = self._dict_method(expr, c)
            if item is not None:
                return item
            out: list[tuple[Expr, Ctx]] = []
            for callee in self.ev.callees_of(expr, c):
                fn = self.ev.index.functions.get(callee.target)
                if fn is None:
                    continue
                inner = self.bind(expr.args, expr.kwargs, callee, c)
                out.extend((r, inner) for r in fn.returns)
            return out[:MAX_ALTERNATIVES]
        return []

    def _or_default(self, given: Expr, default: Expr, c: Ctx) -> list[tuple[Expr, Ctx]]:
        """``given or default``: each value of ``given`` that is certainly truthy stays, one
        that is certainly falsy (None, "", {}) gives way to ``default``; unknown ones keep both."""
        out: list[tuple[Expr, Ctx]] = []
        subs = self.resolve(given, c) if isinstance(given, (Param, Name, Attr)) else [(given, c)]
        for sub, sctx in subs or [(given, c)]:
            truth = _truth(sub)
            if truth is not False:
                out.append((sub, sctx))
            if truth is not True:
                out.append((default, c))
        return dedupe(out)

    def _if_else(self, test: Expr, body: Expr, orelse: Expr, c: Ctx) -> list[tuple[Expr, Ctx]]:
        """``body if test else orelse``: the branch the test's values certainly take, else both."""
        truths = {True if self._required(sub, sctx) else _truth(sub) for sub, sctx in self._values(test, c)}
        if truths == {True}:
            return [(body, c)]
        if truths == {False}:
            return [(orelse, c)]
        return [(body, c), (orelse, c)]

    def _required(self, expr: Expr, c: Ctx) -> bool:
        """A parameter without a default that no known call site binds (``def get(self, order_id)``
        on a public client): the caller must pass it, and an empty id is not a request the code
        means. Taken as given in a test, as ``path`` in ``"/{}".format(path) if path else ""``."""
        if not isinstance(expr, Param):
            return False
        fn = self.ev.index.functions.get((c.path, expr.func))
        spec = next((s for s in fn.params if s.name == expr.name), None) if fn else None
        return spec is not None and spec.kind == "positional" and spec.default is None

    def _values(self, expr: Expr, c: Ctx, steps: int = 4) -> list[tuple[Expr, Ctx]]:
        """``expr`` followed through names, parameters and attributes for a few steps, to the
        values whose truth can be read; an expression that resolves to nothing stays itself."""
        todo: list[tuple[Expr, Ctx]] = [(expr, c)]
        out: list[tuple[Expr, Ctx]] = []
        for _ in range(steps):
            nxt: list[tuple[Expr, Ctx]] = []
            for sub, sctx in todo:
                if isinstance(sub, (Param, Name, Attr)):
                    found = self.resolve(sub, sctx)
                    if found:
                        nxt.extend(found)
                    else:
                        out.append((sub, sctx))
                else:
                    out.append((sub, sctx))
            todo = nxt[:MAX_ALTERNATIVES]
            if not todo:
                break
        return dedupe(out + todo)

    def _dict_method(self, expr: CallExpr, c: Ctx) -> list[tuple[Expr, Ctx]] | None:
        """``d.get(key, default)`` / ``d.pop(key, default)`` on a dict bolaudit can see;
        ``d.copy()`` is ``d``."""
        func = expr.func
        if isinstance(func, Attr) and func.attr == "copy" and not expr.args and not expr.kwargs:
            return None if self.ev.callees_of(expr, c) else [(func.base, c)]
        if not isinstance(func, Attr) or func.attr not in ("get", "pop") or not expr.args:
            return None
        if len(expr.args) > 2 or self.ev.callees_of(expr, c):
            return None
        key = self.ev.string(expr.args[0], c).known
        if key is None:
            return None
        found, complete = self.ev.dict_lookup(func.base, key, c)
        if not found and not complete:
            return None
        default: Expr = expr.args[1] if len(expr.args) > 1 else Const(None)
        return [*found, (default, c)] if not complete or not found else found

    def _loop(self, path: str, loop_id: int) -> LoopFact | None:
        return self.ev.index.loops.get((path, loop_id))

    def _param(self, expr: Param, c: Ctx) -> list[tuple[Expr, Ctx]]:
        key = (c.path, expr.func)
        fn = self.ev.index.functions.get(key)
        spec = next((s for s in fn.params if s.name == expr.name), None) if fn else None
        if c.bindings is not None and c.func == expr.func:
            spreads: list[tuple[Expr, Ctx]] = []
            for name, bound, bctx in c.bindings:
                if name == expr.name:
                    return [(bound, bctx)]
                if name == "**":
                    spreads.append((bound, bctx))
            if spec is not None and spec.kind == "**kwargs":
                return [(DictExpr(()), c)]
            default = [(spec.default, Ctx(c.path, None, None, None, c.depth))] if spec and spec.default else []
            for spread, sctx in spreads:
                # ``f(**kwargs)`` binds a named parameter when the mapping has its key.
                found, complete = self.ev.dict_lookup(spread, expr.name, sctx)
                if found:
                    return found if complete else [*found, *default]
                if not complete:
                    return []
            return default
        state = expr.func.endswith(".__init__") or c.state
        if fn is not None and fn.cls is not None and state and c.self_cls is not None:
            # ``self.ev.x`` set from a parameter of ``__init__`` (or of a setter method): the values
            # its call sites pass, on instances of self's class or of a subclass.
            out: list[tuple[Expr, Ctx]] = []
            for site_path, call, callee in self.ev.sites_of(key)[: 4 * MAX_ALTERNATIVES]:
                if callee.self_cls is None or c.self_cls not in self.ev.index.mro(callee.self_cls):
                    continue
                caller = self.ev.ctx_for(site_path, call.func)
                entered = self.bind(call.args, call.kwargs, callee, caller)
                inner = Ctx(entered.path, entered.func, c.self_cls, entered.bindings, c.depth)
                out.extend(self._param(expr, inner))
            if not out and spec is not None and spec.default is not None:
                out.append((spec.default, Ctx(c.path, None, None, None, c.depth)))
            return dedupe(out)
        return []

    def _attr(self, expr: Attr, c: Ctx) -> list[tuple[Expr, Ctx]]:
        if expr.base in (Name("self"), Name("cls")) and c.self_cls is not None:
            return self.member(c.self_cls, expr.attr, c)
        out: list[tuple[Expr, Ctx]] = []
        if expr.attr == "value":
            out = self._enum_values(expr.base, c)
            if out:
                return out[:MAX_ALTERNATIVES]
        for obj in self.ev.objects(expr.base, c):
            if obj.kind == "module":
                sym = self.ev.index.symbol(obj.path, expr.attr)
                if sym.kind == "constant" and sym.value is not None:
                    out.append((sym.value, Ctx(sym.path, None, None, None, c.depth)))
            elif obj.kind in ("instance", "class"):
                out.extend(self.member((obj.path, obj.name), expr.attr, c))
        return out[:MAX_ALTERNATIVES]

    def _enum_values(self, member: Expr, c: Ctx) -> list[tuple[Expr, Ctx]]:
        """``Endpoint.ORDERS.value`` (also ``Endpoint["ORDERS"].value``, and ``ep.value`` on a
        parameter or name that holds a member): what the Enum's class body assigns."""
        out: list[tuple[Expr, Ctx]] = []
        todo = [(member, c)]
        if isinstance(member, (Param, Name, LoopVar)):
            todo.extend(self.resolve(member, c))
        for sub, sctx in todo[:MAX_ALTERNATIVES]:
            if isinstance(sub, Attr):
                cls_expr, name = sub.base, sub.attr
            elif isinstance(sub, Subscript):
                cls_expr, name = sub.base, self.ev.string(sub.key, sctx).known or ""
            else:
                continue
            for obj in self.ev.objects(cls_expr, sctx) if name else []:
                if obj.kind == "class" and any(
                    b.rsplit(".", 1)[-1] in _ENUMS for b in self.ev.index.external_bases((obj.path, obj.name))
                ):
                    out.extend(self.member((obj.path, obj.name), name, sctx))
        return dedupe(out)

    def member(self, cls: tuple[str, str], attr: str, c: Ctx) -> list[tuple[Expr, Ctx]]:
        """Values assigned to ``self.<attr>`` in any method along the MRO, or the class attribute."""
        out: list[tuple[Expr, Ctx]] = []
        for klass in self.ev.index.mro(cls):
            fact = self.ev.index.classes[klass]
            for name, value, method in fact.instance_attrs:
                if name == attr:
                    out.append((value, Ctx(klass[0], method, cls, None, c.depth, state=True)))
            for name, value in fact.class_attrs:
                if name == attr:
                    out.append((value, Ctx(klass[0], None, cls, None, c.depth)))
            if out:
                break
        meaningful = [o for o in out if o[0] != Const(None)]
        return (meaningful or out)[:MAX_ALTERNATIVES]

    def set_by_subclass(self, expr: Expr, ctx: Ctx) -> str:
        """``path::qualname`` of the method when ``expr`` is ``self.<attr>``/``cls.<attr>`` (or
        ``self.<method>()``) read in it with the method's own class (no call site followed yet)
        and a subclass of that class sets ``<attr>`` (defines ``<method>``) itself; "" otherwise."""
        called = isinstance(expr, CallExpr)
        if isinstance(expr, CallExpr):
            expr = expr.func
        if not (isinstance(expr, Attr) and expr.base in (Name("self"), Name("cls"))):
            return ""
        if ctx.self_cls is None or ctx.func is None or ctx.bindings is not None or ctx.state:
            return ""
        if self.ev.index.class_of((ctx.path, ctx.func)) != ctx.self_cls:
            return ""
        key = (ctx.self_cls, expr.attr, called)
        hit = self._overridden.get(key)
        if hit is None:
            subs = self.ev.index.subclasses(ctx.self_cls)
            if called:
                hit = any((sub[0], f"{sub[1]}.{expr.attr}") in self.ev.index.functions for sub in subs)
            else:
                hit = any(
                    any(n == expr.attr for n, _ in fact.class_attrs)
                    or any(n == expr.attr for n, _, _ in fact.instance_attrs)
                    for fact in (self.ev.index.classes[sub] for sub in subs)
                )
            self._overridden[key] = hit
        return func_key(ctx.path, ctx.func) if hit else ""

    def bind(
        self,
        args: tuple[Expr, ...],
        kwargs: tuple[tuple[str, Expr], ...],
        callee: Callee,
        caller: Ctx,
    ) -> Ctx:
        """The context of ``callee`` entered from a call with these arguments (the same object
        for the same call and caller, so that results computed in it are shared)."""
        key = (id(args), id(kwargs), callee, caller)
        hit = self._binds.get(key)
        if hit is not None and hit[0][0] is args and hit[0][1] is kwargs:
            return Ctx(hit[1].path, hit[1].func, hit[1].self_cls, hit[1].bindings, caller.depth + 1,
                       hit[1].state, hash(hit[1]))
        entered = self._bind(args, kwargs, callee, caller)
        self._binds[key] = ((args, kwargs), entered)
        return entered

    def _bind(
        self,
        args: tuple[Expr, ...],
        kwargs: tuple[tuple[str, Expr], ...],
        callee: Callee,
        caller: Ctx,
    ) -> Ctx:
        target, how = callee.target, callee.how
        fn = self.ev.index.functions[target]
        params = list(fn.params)
        if how in ("self", "method", "init", "super", "by-name") and fn.cls is not None and params:
            deco = {dotted(d) for d in fn.decorators}
            if "staticmethod" not in deco:
                params = params[1:]
        bindings: list[tuple[str, Expr, Ctx]] = []
        positional = [p for p in params if p.kind == "positional"]
        star = next((p for p in params if p.kind == "*args"), None)
        for i, a in enumerate(args):
            if isinstance(a, Unknown) and a.reason == "*args":
                break
            if i < len(positional):
                bindings.append((positional[i].name, a, caller))
            elif star is not None:
                break
        names = {p.name for p in params}
        extra: list[tuple[Expr | None, Expr]] = []
        for k, v in kwargs:
            if k == "**":
                # Before the keywords: a key given both ways was taken out of the spread
                # (``headers = kwargs.pop("headers")``), or the call would fail.
                extra.insert(sum(1 for e in extra if e[0] is None), (None, v))
            elif k in names:
                bindings.append((k, v, caller))
            else:
                extra.append((Const(k), v))
        varkw = next((p for p in params if p.kind == "**kwargs"), None)
        if varkw is not None and extra:
            bindings.append((varkw.name, DictExpr(tuple(extra)), caller))
        bindings.extend(("**", v, caller) for k, v in kwargs if k == "**")
        self_cls = callee.self_cls
        if how in ("self", "super") and caller.self_cls is not None:
            self_cls = caller.self_cls
        return Ctx(target[0], target[1], self_cls, tuple(bindings), caller.depth + 1)


def _truth(expr: Expr) -> bool | None:
    """Whether a value is certainly truthy (True), certainly falsy (False), or not known."""
    if isinstance(expr, Const):
        return bool(expr.value)
    if isinstance(expr, DictExpr):
        return True if any(k is not None for k, _ in expr.items) else (None if expr.items else False)
    if isinstance(expr, Seq):
        return bool(expr.items)
    if isinstance(expr, Format):  # a non-empty template makes a non-empty string
        return True if isinstance(expr.template, Const) and expr.template.value else None
    if isinstance(expr, Concat):
        return True if any(isinstance(p, Const) and p.value for p in expr.parts) else None
    return None
