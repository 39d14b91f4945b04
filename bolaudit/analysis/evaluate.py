"""Evaluate symbolic expressions across the project: strings, header dicts and objects.

An expression is evaluated in a ``Ctx``: the module it was written in, the function whose
parameters it may mention, the class ``self`` is an instance of, and (when a call site is being
followed) the arguments bound to the parameters. Results are small lists of alternatives (a name
assigned on two paths, a loop over a literal list of paths); unknown parts are ``Hole``s with a
reason, never guesses. Results are memoised per (expression, context); recursion ends in a hole.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bolaudit.analysis import clients
from bolaudit.analysis.exprs import dotted
from bolaudit.analysis.values import DVal, Hole, Obj, SVal
from bolaudit.facts import (
    Attr,
    CallExpr,
    CallFact,
    Choice,
    Concat,
    Const,
    DictExpr,
    EnvVar,
    Expr,
    Format,
    Join,
    LoopFact,
    LoopVar,
    Name,
    Param,
    Seq,
    Subscript,
    Unknown,
    UrlJoin,
)

if TYPE_CHECKING:
    from bolaudit.analysis.project import FuncKey, Project

MAX_ALTERNATIVES = 16
MAX_DEPTH = 30


@dataclass(frozen=True, slots=True)
class Ctx:
    path: str
    func: str | None = None
    self_cls: tuple[str, str] | None = None
    bindings: tuple[tuple[str, Expr, Ctx], ...] | None = None
    depth: int = 0

    def deeper(self) -> Ctx:
        return Ctx(self.path, self.func, self.self_cls, self.bindings, self.depth + 1)


@dataclass(frozen=True, slots=True)
class Callee:
    """A project function a call reaches: ``how`` is direct, self, super, method or init."""

    target: tuple[str, str]
    how: str
    self_cls: tuple[str, str] | None


_IN_PROGRESS = object()


class Evaluator:
    def __init__(self, project: Project) -> None:
        self.p = project
        self._memo: dict[tuple[str, Expr, Ctx], object] = {}
        # Linking ``x.m()`` on an unknown ``x`` by the method's name is the last resort; the
        # project enables it for the final round of building the callers index.
        self.allow_by_name = True

    def clear(self) -> None:
        self._memo.clear()

    # ------------------------------------------------------------------ contexts

    def ctx_for(self, path: str, func: str | None) -> Ctx:
        cls = self.p.class_of((path, func)) if func is not None else None
        return Ctx(path, func, cls)

    def _memoised(self, kind: str, expr: Expr, ctx: Ctx, compute: object) -> object:
        key = (kind, expr, ctx)
        hit = self._memo.get(key)
        if hit is _IN_PROGRESS:
            return None
        if hit is not None:
            return hit
        self._memo[key] = _IN_PROGRESS
        try:
            value = compute(expr, ctx)  # type: ignore[operator]
        finally:
            self._memo.pop(key, None)
        self._memo[key] = value
        return value

    # ------------------------------------------------------------------ strings

    def strings(self, expr: Expr, ctx: Ctx) -> list[SVal]:
        if ctx.depth > MAX_DEPTH:
            return [SVal.hole("value defined too indirectly to follow")]
        found = self._memoised("s", expr, ctx, self._strings)
        if found is None:
            return [SVal.hole("recursive definition")]
        assert isinstance(found, list)
        return found

    def string(self, expr: Expr, ctx: Ctx) -> SVal:
        """One value: the single alternative, or a hole when there are several."""
        alts = self.strings(expr, ctx)
        if len(alts) == 1:
            return alts[0]
        return SVal.hole("several possible values")

    def _strings(self, expr: Expr, ctx: Ctx) -> list[SVal]:
        c = ctx.deeper()
        if isinstance(expr, Const):
            if isinstance(expr.value, str):
                return [SVal.of(expr.value)]
            if isinstance(expr.value, (int, float)) and not isinstance(expr.value, bool):
                return [SVal.of(str(expr.value))]
            return [SVal.hole(f"the value {expr.value!r}")]
        if isinstance(expr, Concat):
            out = [SVal(())]
            for part in expr.parts:
                out = _product(out, self.strings(part, c))
            return out
        if isinstance(expr, Choice):
            return _dedupe(alt for o in expr.options for alt in self.strings(o, c))
        if isinstance(expr, EnvVar):
            if expr.default is not None:
                return self.strings(expr.default, c)
            var = self.string(expr.var, c).known
            return [SVal.hole(f"environment variable {var or '?'}")]
        if isinstance(expr, Format):
            return self._format(expr, c)
        if isinstance(expr, Join):
            return self._join(expr, c)
        if isinstance(expr, UrlJoin):
            return [_urljoin(b, r) for b in self.strings(expr.base, c) for r in self.strings(expr.rel, c)][
                :MAX_ALTERNATIVES
            ]
        if isinstance(expr, Unknown):
            return [SVal.hole(expr.reason)]
        return _dedupe(
            alt
            for sub, sub_ctx in self.resolve(expr, c)
            for alt in (self.strings(sub, sub_ctx) if sub != expr else [SVal.hole(_describe(expr))])
        ) or [SVal.hole(_describe(expr))]

    def _format(self, expr: Format, c: Ctx) -> list[SVal]:
        out: list[SVal] = []
        for template in self.strings(expr.template, c):
            text = template.known
            if text is None:
                out.append(template + SVal.hole("formatted value"))
                continue
            args = [self.string(a, c) for a in expr.args]
            kwargs = {k: self.string(v, c) for k, v in expr.kwargs}
            out.append(_apply_format(text, expr.style, args, kwargs))
        return out

    def _join(self, expr: Join, c: Ctx) -> list[SVal]:
        sep = self.string(expr.sep, c).known
        items = expr.items
        if sep is None or not isinstance(items, Seq):
            return [SVal.hole("joined parts")]
        value = SVal(())
        for i, item in enumerate(items.items):
            if i:
                value = value + SVal.of(sep)
            value = value + self.string(item, c)
        return [value]

    # ------------------------------------------------------------------ dicts

    def dicts(self, expr: Expr, ctx: Ctx) -> list[DVal]:
        if ctx.depth > MAX_DEPTH:
            return [DVal.unknown("defined too indirectly to follow")]
        found = self._memoised("d", expr, ctx, self._dicts)
        if found is None:
            return [DVal.unknown("recursive definition")]
        assert isinstance(found, list)
        return found

    def _dicts(self, expr: Expr, ctx: Ctx) -> list[DVal]:
        c = ctx.deeper()
        if isinstance(expr, DictExpr):
            out = [DVal()]
            for key, value in expr.items:
                if key is None:
                    out = [a.merged(b) for a in out for b in self.dicts(value, c)][:MAX_ALTERNATIVES]
                    continue
                name = self.string(key, c).known
                if name is None:
                    out = [a.merged(DVal.unknown("a header name that is not known")) for a in out]
                    continue
                val = self.string(value, c)
                out = [a.merged(DVal(((name.lower(), name, val),))) for a in out]
            return out
        if isinstance(expr, Const) and expr.value is None:
            return [DVal()]
        if isinstance(expr, Choice):
            return _dedupe(alt for o in expr.options for alt in self.dicts(o, c))
        if isinstance(expr, Unknown):
            return [DVal.unknown(expr.reason)]
        subs = self.resolve(expr, c)
        if not subs:
            return [DVal.unknown(_describe(expr))]
        return _dedupe(
            alt
            for sub, sub_ctx in subs
            for alt in (self.dicts(sub, sub_ctx) if sub != expr else [DVal.unknown(_describe(expr))])
        )

    def dict_item(self, expr: Expr, key: str, ctx: Ctx) -> list[tuple[Expr, Ctx]]:
        """The expression stored under ``key`` in a dict expression (e.g. ``headers`` in ``**kwargs``)."""
        out: list[tuple[Expr, Ctx]] = []
        for sub, sub_ctx in [(expr, ctx), *self.resolve(expr, ctx)]:
            if isinstance(sub, DictExpr):
                for k, v in sub.items:
                    if k is None:
                        out.extend(self.dict_item(v, key, sub_ctx.deeper()))
                    elif self.string(k, sub_ctx).known == key:
                        out.append((v, sub_ctx))
            elif isinstance(sub, Choice):
                for o in sub.options:
                    out.extend(self.dict_item(o, key, sub_ctx.deeper()))
        return out[:MAX_ALTERNATIVES]

    # ------------------------------------------------------------------ names, attributes, calls

    def resolve(self, expr: Expr, ctx: Ctx) -> list[tuple[Expr, Ctx]]:
        """One step: what a name, parameter, attribute, loop variable or call stands for."""
        if ctx.depth > MAX_DEPTH:
            return []
        c = ctx.deeper()
        if isinstance(expr, Name):
            sym = self.p.symbol(ctx.path, expr.id)
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
            key = self.string(expr.key, c).known
            if key is None:
                return []
            return self.dict_item(expr.base, key, c)
        if isinstance(expr, CallExpr):
            out: list[tuple[Expr, Ctx]] = []
            for callee in self.callees_of(expr, c):
                fn = self.p.functions.get(callee.target)
                if fn is None:
                    continue
                inner = self.bind(expr.args, expr.kwargs, callee, c)
                out.extend((r, inner) for r in fn.returns)
            return out[:MAX_ALTERNATIVES]
        return []

    def _loop(self, path: str, loop_id: int) -> LoopFact | None:
        return self.p.loops.get((path, loop_id))

    def _param(self, expr: Param, c: Ctx) -> list[tuple[Expr, Ctx]]:
        key = (c.path, expr.func)
        fn = self.p.functions.get(key)
        spec = next((s for s in fn.params if s.name == expr.name), None) if fn else None
        if c.bindings is not None and c.func == expr.func:
            for name, bound, bctx in c.bindings:
                if name == expr.name:
                    return [(bound, bctx)]
            if spec is not None and spec.kind == "**kwargs":
                return [(DictExpr(()), c)]
            if spec is not None and spec.default is not None:
                return [(spec.default, Ctx(c.path, None, None, None, c.depth))]
            return []
        if fn is not None and expr.func.endswith(".__init__") and c.self_cls is not None:
            out: list[tuple[Expr, Ctx]] = []
            for site_path, call, callee in self.p.callers.get(key, []):
                caller = self.ctx_for(site_path, call.func)
                # Only sites that construct an instance of self's class (or of a subclass).
                if callee.self_cls is None or c.self_cls not in self.p.mro(callee.self_cls):
                    continue
                entered = self.bind(call.args, call.kwargs, callee, caller)
                out.extend(
                    self._param(expr, Ctx(entered.path, entered.func, c.self_cls, entered.bindings, c.depth))
                )
            if not out and spec is not None and spec.default is not None:
                out.append((spec.default, Ctx(c.path, None, None, None, c.depth)))
            return out[:MAX_ALTERNATIVES]
        return []

    def _attr(self, expr: Attr, c: Ctx) -> list[tuple[Expr, Ctx]]:
        if expr.base in (Name("self"), Name("cls")) and c.self_cls is not None:
            return self.member(c.self_cls, expr.attr, c)
        out: list[tuple[Expr, Ctx]] = []
        for obj in self.objects(expr.base, c):
            if obj.kind == "module":
                sym = self.p.symbol(obj.path, expr.attr)
                if sym.kind == "constant" and sym.value is not None:
                    out.append((sym.value, Ctx(sym.path, None, None, None, c.depth)))
            elif obj.kind in ("instance", "class"):
                out.extend(self.member((obj.path, obj.name), expr.attr, c))
        return out[:MAX_ALTERNATIVES]

    def member(self, cls: tuple[str, str], attr: str, c: Ctx) -> list[tuple[Expr, Ctx]]:
        """Values assigned to ``self.<attr>`` in any method along the MRO, or the class attribute."""
        out: list[tuple[Expr, Ctx]] = []
        for klass in self.p.mro(cls):
            fact = self.p.classes[klass]
            for name, value, method in fact.instance_attrs:
                if name == attr:
                    out.append((value, Ctx(klass[0], method, cls, None, c.depth)))
            for name, value in fact.class_attrs:
                if name == attr:
                    out.append((value, Ctx(klass[0], None, cls, None, c.depth)))
            if out:
                break
        meaningful = [o for o in out if o[0] != Const(None)]
        return (meaningful or out)[:MAX_ALTERNATIVES]

    # ------------------------------------------------------------------ objects and callees

    def objects(self, expr: Expr, ctx: Ctx) -> list[Obj]:
        if ctx.depth > MAX_DEPTH:
            return []
        found = self._memoised("o", expr, ctx, self._objects)
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
            sym = self.p.symbol(ctx.path, expr.id)
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
                    sym = self.p.symbol(base.path, expr.attr)
                    if sym.kind in ("class", "function", "module"):
                        out.append(Obj(sym.kind, sym.path, sym.name))
                    elif sym.kind == "external":
                        out.append(Obj("external", name=sym.name))
                elif base.kind == "external":
                    out.append(Obj("external", name=f"{base.name}.{expr.attr}"))
                elif base.kind in ("instance", "class"):
                    m = self.p.method((base.path, base.name), expr.attr)
                    if m is not None:
                        out.append(Obj("function", m[0], m[1], extra=("bound", base.path, base.name)))
            if out:
                return out
        if isinstance(expr, CallExpr):
            return self._call_objects(expr, c)
        if isinstance(expr, Param):
            fn = self.p.functions.get((ctx.path, expr.func))
            spec = next((s for s in fn.params if s.name == expr.name), None) if fn else None
            if spec is not None and spec.annotation is not None:
                cls = self.p.class_symbol(ctx.path, spec.annotation)
                if cls is not None:
                    return [Obj("instance", cls[0], cls[1])]
        if isinstance(expr, Choice):
            return _dedupe(o for opt in expr.options for o in self.objects(opt, c))
        return _dedupe(o for sub, sctx in self.resolve(expr, c) if sub != expr for o in self.objects(sub, sctx))

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
                bases = self.p.external_bases((f.path, f.name))
                lib = next((clients.SESSION_CONSTRUCTORS[b] for b in bases if b in clients.SESSION_CONSTRUCTORS), None)
                if lib is not None:
                    out.append(Obj("session", c.path, str(expr.call), lib, (f"{f.path}:{f.name}",)))
                out.append(Obj("instance", f.path, f.name))
        for sub, sctx in self.resolve(expr, c):
            out.extend(self.objects(sub, sctx))
        return _dedupe(out)

    def callees_of(self, expr: CallExpr, ctx: Ctx) -> list[Callee]:
        return self._callees(expr.func, ctx)

    def callees(self, path: str, call: CallFact) -> list[Callee]:
        return self._callees(call.callee, self.ctx_for(path, call.func))

    def _callees(self, callee: Expr, ctx: Ctx) -> list[Callee]:
        """The project functions a call reaches, how, and the class ``self`` has there."""
        if isinstance(callee, Attr) and isinstance(callee.base, CallExpr):
            if dotted(callee.base.func) == "super" and ctx.func is not None:
                cls = self.p.class_of((ctx.path, ctx.func))
                if cls is not None:
                    start = ctx.self_cls or cls
                    m = self.p.method(start, callee.attr, after=cls)
                    return [Callee(m, "super", start)] if m is not None else []
        if isinstance(callee, Attr) and callee.base == Name("self") and ctx.self_cls is not None:
            m = self.p.method(ctx.self_cls, callee.attr)
            return [Callee(m, "self", ctx.self_cls)] if m is not None else []
        out: list[Callee] = []
        for obj in self.objects(callee, ctx):
            if obj.kind == "function":
                key = (obj.path, obj.name)
                if obj.extra[:1] == ("bound",):
                    out.append(Callee(key, "method", (obj.extra[1], obj.extra[2])))
                else:
                    out.append(Callee(key, "direct", self.p.class_of(key)))
            elif obj.kind == "class":
                init = self.p.method((obj.path, obj.name), "__init__")
                if init is not None:
                    out.append(Callee(init, "init", (obj.path, obj.name)))
        if (
            not out
            and self.allow_by_name
            and isinstance(callee, Attr)
            and not callee.attr.startswith("__")
            and not self.objects(callee.base, ctx)
        ):
            out = self._by_name(callee)
        return out

    def _by_name(self, callee: Attr) -> list[Callee]:
        """``x.method()`` on an object of unknown type: the project method of that name, if only
        one class hierarchy defines it (a documented approximation; ``get``-like names that
        several classes define stay unresolved)."""
        candidates = self.p.methods_named(callee.attr)
        if not candidates or len(candidates) > 3:
            return []
        classes = [self.p.class_of(c) for c in candidates]
        roots = {c for c in classes if c is not None and not any(
            o != c and o is not None and o in self.p.mro(c) for o in classes
        )}
        if len(roots) != 1:
            return []
        root = roots.pop()
        target = self.p.method(root, callee.attr)
        return [Callee(target, "by-name", root)] if target is not None else []

    def bind(
        self,
        args: tuple[Expr, ...],
        kwargs: tuple[tuple[str, Expr], ...],
        callee: Callee,
        caller: Ctx,
    ) -> Ctx:
        """The context of ``callee`` entered from a call with these arguments."""
        target, how = callee.target, callee.how
        fn = self.p.functions[target]
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
                extra.append((None, v))
            elif k in names:
                bindings.append((k, v, caller))
            else:
                extra.append((Const(k), v))
        varkw = next((p for p in params if p.kind == "**kwargs"), None)
        if varkw is not None and extra:
            bindings.append((varkw.name, DictExpr(tuple(extra)), caller))
        self_cls = callee.self_cls
        if how in ("self", "super") and caller.self_cls is not None:
            self_cls = caller.self_cls
        return Ctx(target[0], target[1], self_cls, tuple(bindings), caller.depth + 1)


def _product(left: list[SVal], right: list[SVal]) -> list[SVal]:
    return [a + b for a in left for b in right][:MAX_ALTERNATIVES]


def _dedupe(items: object) -> list:  # type: ignore[type-arg]
    out: list[object] = []
    for i in items:  # type: ignore[attr-defined]
        if i not in out:
            out.append(i)
            if len(out) >= MAX_ALTERNATIVES:
                break
    return out


def _describe(expr: Expr) -> str:
    name = dotted(expr) if isinstance(expr, (Name, Attr)) else None
    if name is not None:
        return f"`{name}` is not known statically"
    if isinstance(expr, Param):
        return f"parameter `{expr.name}` of `{expr.func}` has no known caller"
    if isinstance(expr, LoopVar):
        return f"loop variable `{expr.name}`"
    if isinstance(expr, CallExpr):
        callee = dotted(expr.func)
        return f"result of `{callee}()`" if callee else "result of a call"
    if isinstance(expr, Subscript):
        return "an item of a value not known statically"
    return "a value not known statically"


_PERCENT = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([sdifr%])")


def _apply_format(text: str, style: str, args: list[SVal], kwargs: dict[str, SVal]) -> SVal:
    out = SVal(())
    if style == "%":
        pos = 0
        i = 0
        for m in _PERCENT.finditer(text):
            out = out + SVal.of(text[pos : m.start()])
            pos = m.end()
            if m.group(2) == "%":
                out = out + SVal.of("%")
            elif m.group(1):
                out = out + kwargs.get(m.group(1), SVal.hole(f"%({m.group(1)})s"))
            else:
                out = out + (args[i] if i < len(args) else SVal.hole("format argument"))
                i += 1
        return out + SVal.of(text[pos:])
    auto = 0
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return SVal.hole("malformed format string")
    for literal, field, _, _ in parsed:
        out = out + SVal.of(literal)
        if field is None:
            continue
        head = re.split(r"[.\[]", field, maxsplit=1)[0]
        if head == "":
            value = args[auto] if auto < len(args) else SVal.hole("format argument")
            auto += 1
        elif head.isdigit():
            idx = int(head)
            value = args[idx] if idx < len(args) else SVal.hole("format argument")
        else:
            value = kwargs.get(head, SVal.hole(f"{{{head}}}"))
        if head != field:
            value = SVal.hole(f"{{{field}}}")
        out = out + value
    return out


def _urljoin(base: SVal, rel: SVal) -> SVal:
    r = rel.known
    b = base.known
    if r is not None and r.startswith(("http://", "https://")):
        return rel
    prefix = base.prefix()
    if r is not None and r.startswith("/"):
        m = re.match(r"^(https?://[^/]+)", prefix)
        if m:
            return SVal.of(m.group(1)) + rel
        return SVal.hole("URL base") + rel
    if b is not None:
        cut = b.rsplit("/", 1)[0] + "/" if "/" in b.split("://", 1)[-1] else b + "/"
        return SVal.of(cut) + rel
    return base + rel


__all__ = ["Ctx", "Evaluator", "Hole"]
