"""Evaluate symbolic expressions across the project: strings, header dicts and objects.

An expression is evaluated in a ``Ctx``: the module it was written in, the function whose
parameters it may mention, the class ``self`` is an instance of, and (when a call site is being
followed) the arguments bound to the parameters. Results are small lists of alternatives (a name
assigned on two paths, a loop over a literal list of paths); unknown parts are ``Hole``s with a
reason, never guesses. Results are memoised per (expression, context); recursion ends in a hole.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from bolaudit.clients.generated import HEADER_SELECTORS
from bolaudit.resolve.binding import Binding
from bolaudit.resolve.contexts import (
    MAX_ALTERNATIVES,
    MAX_DEPTH,
    Callee,
    Callers,
    Ctx,
    dedupe,
    describe,
    render,
    func_key,
    param_key,
)
from bolaudit.resolve.index import caller_word
from bolaudit.resolve.objects import Objects
from bolaudit.resolve.stringops import apply_format, product, strip, urljoin_values
from bolaudit.resolve.values import DVal, Hole, Obj, SVal, combine
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
    Name,
    Seq,
    Subscript,
    Unknown,
    UrlJoin,
)

if TYPE_CHECKING:
    from bolaudit.resolve.index import FactIndex

_IN_PROGRESS = object()
_NONE = SVal.hole("the value None")
_STRIPS = ("strip", "lstrip", "rstrip")


class Evaluator:
    def __init__(self, index: FactIndex) -> None:
        self.index = index
        # Filled once by ``resolve.callers.fill_callers`` before the evaluator is handed out.
        self.callers: Callers = {}
        # Keyed by the expression's identity (facts are shared objects; hashing deep trees on
        # every lookup was the main cost), holding the expression so the id stays its own.
        self._memo: dict[tuple[str, int, Ctx], tuple[Expr, object]] = {}
        # Linking ``x.m()`` on an unknown ``x`` by the method's name is the last resort; the
        # project enables it for the final round of building the callers index.
        self.allow_by_name = True
        self._binding = Binding(self)
        self._objects = Objects(self)
        self._related_cache: dict[tuple[str, str], set[tuple[str, str]]] = {}

    def sites_of(self, key: tuple[str, str]) -> list[tuple[str, CallFact, Callee]]:
        """The call sites that reach function ``key`` (``callers``); deferred modules that name it
        (its class, for ``__init__``) are asked for, since their calls would be sites too."""
        self.index.ask_mentions(caller_word(key[1]))
        return self.callers.get(key, [])

    def clear(self) -> None:
        self._memo.clear()
        self._related_cache.clear()
        self._binding = Binding(self)
        self._objects = Objects(self)

    # ------------------------------------------------------------------ the parts

    def resolve(self, expr: Expr, ctx: Ctx) -> list[tuple[Expr, Ctx]]:
        """One step: what a name, parameter, attribute, loop variable or call stands for."""
        return self._binding.resolve(expr, ctx)

    def member(self, cls: tuple[str, str], attr: str, c: Ctx) -> list[tuple[Expr, Ctx]]:
        """Values assigned to ``self.<attr>`` in any method along the MRO, or the class attribute."""
        return self._binding.member(cls, attr, c)

    def bind(
        self, args: tuple[Expr, ...], kwargs: tuple[tuple[str, Expr], ...], callee: Callee, caller: Ctx
    ) -> Ctx:
        """The context of ``callee`` entered from a call with these arguments."""
        return self._binding.bind(args, kwargs, callee, caller)

    def objects(self, expr: Expr, ctx: Ctx) -> list[Obj]:
        """What ``expr`` denotes: sessions, instances, classes, functions, modules, unknown."""
        return self._objects.objects(expr, ctx)

    def callees(self, path: str, call: CallFact) -> list[Callee]:
        """The project functions a recorded call reaches, and how."""
        return self._objects.callees(path, call)

    def callees_of(self, expr: CallExpr, ctx: Ctx) -> list[Callee]:
        return self._objects.callees_of(expr, ctx)

    # ------------------------------------------------------------------ memo

    def ctx_for(self, path: str, func: str | None) -> Ctx:
        cls = self.index.class_of((path, func)) if func is not None else None
        return Ctx(path, func, cls)

    def memoised(self, kind: str, expr: Expr, ctx: Ctx, compute: object) -> object:
        key = (kind, id(expr), ctx)
        hit = self._memo.get(key)
        if hit is not None:
            return None if hit[1] is _IN_PROGRESS else hit[1]
        self._memo[key] = (expr, _IN_PROGRESS)
        try:
            value = compute(expr, ctx)  # type: ignore[operator]
        finally:
            self._memo.pop(key, None)
        self._memo[key] = (expr, value)
        return value

    def strings(self, expr: Expr, ctx: Ctx) -> list[SVal]:
        if ctx.depth > MAX_DEPTH:
            return [SVal.hole("value defined too indirectly to follow")]
        found = self.memoised("s", expr, ctx, self._strings)
        if found is None:
            return [SVal.hole("recursive definition")]
        assert isinstance(found, list)
        return found

    def string(self, expr: Expr, ctx: Ctx) -> SVal:
        """One value: the single alternative, or a hole when there are several."""
        alts = self.strings(expr, ctx)
        if len(alts) == 1:
            return alts[0]
        return SVal.hole("several possible values", next((a.param_of() for a in alts if a.param_of()), ""))

    def _strings(self, expr: Expr, ctx: Ctx) -> list[SVal]:
        c = ctx.deeper()
        if isinstance(expr, Const):
            if isinstance(expr.value, str):
                return [SVal.of(expr.value)]
            if isinstance(expr.value, (int, float)) and not isinstance(expr.value, bool):
                return [SVal.of(str(expr.value))]
            return [_NONE if expr.value is None else SVal.hole(f"the value {expr.value!r}")]
        if isinstance(expr, Concat):
            out = [SVal(())]
            for part in expr.parts:
                out = product(out, self.strings(part, c))
            return out
        if isinstance(expr, Choice):
            alts = dedupe(alt for o in expr.options for alt in self.strings(o, c))
            # ``api_url or "https://api.bol.com"`` with ``api_url=None``: a request is never sent to
            # None (requests raises), so another alternative is the one that reaches it.
            return [a for a in alts if a != _NONE] or alts
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
            return [urljoin_values(b, r) for b in self.strings(expr.base, c) for r in self.strings(expr.rel, c)][
                :MAX_ALTERNATIVES
            ]
        if isinstance(expr, Unknown):
            return [SVal.hole(expr.reason)]
        if isinstance(expr, CallExpr):
            special = self._string_method(expr, c)
            if special is not None:
                return special
        fallback = SVal.hole(self._missing_item(expr, c) or describe(expr), param_key(expr, ctx))
        found = dedupe(
            alt
            for sub, sub_ctx in self.resolve(expr, c)
            for alt in (self.strings(sub, sub_ctx) if sub != expr else [fallback])
        ) or [fallback]
        waits = self._binding.set_by_subclass(expr, ctx)
        if waits:
            # ``self.path`` is None here and each subclass sets its own: the call sites, which
            # know the instance's class, may fill the hole.
            found = [SVal(tuple(Hole(p.reason, p.param or waits) if isinstance(p, Hole) else p for p in v.parts))
                     for v in found]
        return found

    def _missing_item(self, expr: Expr, c: Ctx) -> str | None:
        """``ENDPOINTS["nope"]`` on a table that is fully known and has no such key: said so,
        never taken for another entry."""
        if not isinstance(expr, Subscript):
            return None
        key = self.string(expr.key, c).known
        if key is None:
            return None
        found, complete = self.dict_lookup(expr.base, key, c)
        if found or not complete:
            return None
        return f"`{render(expr.base)}` has no entry {key!r}"

    def _string_method(self, expr: CallExpr, c: Ctx) -> list[SVal] | None:
        """``x.strip("/")`` and friends on a value that is not a literal (a parameter, a name);
        a generated client's ``select_header_accept([...])``, which sends the first it lists."""
        func = expr.func
        if isinstance(func, Attr) and func.attr in HEADER_SELECTORS and expr.args and isinstance(expr.args[0], Seq):
            items = expr.args[0].items
            return self.strings(items[0], c) if items else [SVal.hole("no media type listed")]
        if not isinstance(func, Attr) or func.attr not in _STRIPS or self.callees_of(expr, c):
            return None
        chars = self.string(expr.args[0], c).known if expr.args else None
        if expr.args and chars is None:
            return None
        return [strip(v, func.attr, chars) for v in self.strings(func.base, c)]

    def _format(self, expr: Format, c: Ctx) -> list[SVal]:
        out: list[SVal] = []
        # Each combination of the arguments' alternatives (a prefix set by two subclasses).
        combos: list[tuple[SVal, ...]] = [()]
        for a in (*expr.args, *(v for _, v in expr.kwargs)):
            combos = [(*done, alt) for done in combos for alt in self.strings(a, c)][:MAX_ALTERNATIVES]
        n = len(expr.args)
        for template in self.strings(expr.template, c):
            text = template.known
            if text is None:
                # The template itself is not known: its own hole says why.
                first = template.holes()[0]
                out.append(template + SVal.hole(first.reason, first.param))
                continue
            for combo in combos:
                kwargs = {k: combo[n + i] for i, (k, _) in enumerate(expr.kwargs)}
                out.append(apply_format(text, expr.style, list(combo[:n]), kwargs))
        return dedupe(out)

    def _join(self, expr: Join, c: Ctx) -> list[SVal]:
        sep = self.string(expr.sep, c).known
        seqs: list[tuple[Seq, Ctx]] = []
        if isinstance(expr.items, Seq):
            seqs.append((expr.items, c))
        else:
            seqs.extend((sub, sc) for sub, sc in self.resolve(expr.items, c) if isinstance(sub, Seq))
        if sep is None or not seqs:
            return [SVal.hole("joined parts", param_key(expr.items, c))]
        out: list[SVal] = []
        for seq, sc in seqs[:MAX_ALTERNATIVES]:
            value = SVal(())
            for i, item in enumerate(seq.items):
                if i:
                    value = value + SVal.of(sep)
                value = value + self.string(item, sc)
            out.append(value)
        return dedupe(out)

    def dicts(self, expr: Expr, ctx: Ctx) -> list[DVal]:
        if ctx.depth > MAX_DEPTH:
            return [DVal.unknown("defined too indirectly to follow")]
        found = self.memoised("d", expr, ctx, self._dicts)
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
            return dedupe(alt for o in expr.options for alt in self.dicts(o, c))
        if isinstance(expr, Unknown):
            return [DVal.unknown(expr.reason)]
        fallback = DVal.unknown(describe(expr), param_key(expr, ctx))
        subs = self.resolve(expr, c)
        if not subs:
            return [fallback]
        found = dedupe(
            alt
            for sub, sub_ctx in subs
            for alt in (self.dicts(sub, sub_ctx) if sub != expr else [fallback])
        )
        for change in self._changes(expr, ctx):
            found = [f.merged(change) for f in found]
        return found

    def _changes(self, expr: Expr, ctx: Ctx) -> list[DVal]:
        """What happens to a dict after it is made: ``self.headers.update({...})`` or
        ``self.headers["Accept"] = ...`` in any method of the class (or a subclass, or a base),
        ``HEADERS[k] = v`` in a function of the module. Changes bolaudit cannot read make the
        dict open, so a header set there is never taken for a missing one."""
        if isinstance(expr, Attr) and expr.base == Name("self") and ctx.self_cls is not None:
            related = self._related(ctx.self_cls)
            state = f"item:self.{expr.attr}"
            out: list[DVal] = []
            explained: set[tuple[str, str]] = set()
            if expr.attr == "headers":
                for path, sets in self.index.header_sets_in.items():
                    for hs in sets:
                        if hs.target == Name("self") and hs.func and self.index.class_of((path, hs.func)) in related:
                            inner = Ctx(path, hs.func, ctx.self_cls)
                            out.append(combine(self.dicts(hs.headers, inner)))
                            explained.add((path, hs.func))
            for key in self._writers.get(state, ()):
                if key not in explained and self.index.class_of(key) in related:
                    out.append(DVal.unknown(f"`self.{expr.attr}` is changed in `{key[1]}`"))
            return out
        if isinstance(expr, Name):
            sym = self.index.symbol(ctx.path, expr.id)
            if sym.kind == "constant":
                return [
                    DVal.unknown(f"`{expr.id}` is changed in `{key[1]}`")
                    for key in self._writers.get(f"item:{sym.name}", ())
                    if key[0] == sym.path
                ]
        return []

    def _related(self, cls: tuple[str, str]) -> set[tuple[str, str]]:
        found = self._related_cache.get(cls)
        if found is None:
            found = set(self.index.mro(cls)) | set(self.index.subclasses(cls))
            self._related_cache[cls] = found
        return found

    @cached_property
    def _writers(self) -> dict[str, list[tuple[str, str]]]:
        """State name (``FunctionFact.writes``) -> the functions that write it."""
        out: dict[str, list[tuple[str, str]]] = {}
        for key, fn in self.index.functions.items():
            for state in fn.writes:
                out.setdefault(state, []).append(key)
        return out

    def dict_item(self, expr: Expr, key: str, ctx: Ctx) -> list[tuple[Expr, Ctx]]:
        """The expression stored under ``key`` in a dict expression (e.g. ``headers`` in ``**kwargs``)."""
        return self.dict_lookup(expr, key, ctx)[0]

    def dict_lookup(self, expr: Expr, key: str, ctx: Ctx) -> tuple[list[tuple[Expr, Ctx]], bool]:
        """(values stored under ``key``, whether every alternative of the dict is fully known, so
        that finding nothing means the key is certainly absent)."""
        if ctx.depth > MAX_DEPTH:
            return [], False
        # Memoised like values: a headers dict built from spreads of spreads is looked up once
        # per key and context, not once per request that sends it.
        found = self.memoised("d:" + key, expr, ctx, lambda e, c: self._dict_lookup(e, key, c))
        if found is None:  # the dict spreads itself
            return [], False
        assert isinstance(found, tuple)
        return found

    def _dict_lookup(self, expr: Expr, key: str, ctx: Ctx) -> tuple[list[tuple[Expr, Ctx]], bool]:
        out: list[tuple[Expr, Ctx]] = []
        complete = True
        todo: list[tuple[Expr, Ctx]] = [(expr, ctx)]
        steps = 0
        while todo and steps < 4 * MAX_ALTERNATIVES:
            steps += 1
            sub, sub_ctx = todo.pop(0)
            if isinstance(sub, DictExpr):
                # Later items win, as in ``{**a, "k": v}``; so ``bind`` puts spreads first.
                here: list[tuple[Expr, Ctx]] = []
                for k, v in sub.items:
                    if k is None:
                        found, whole = self.dict_lookup(v, key, sub_ctx.deeper())
                        here = found or here
                        complete = complete and whole
                        continue
                    name = self.string(k, sub_ctx).known
                    if name == key:
                        here = [(v, sub_ctx)]
                    elif name is None:
                        complete = False
                out.extend(here)
            elif isinstance(sub, Choice):
                todo.extend((o, sub_ctx) for o in sub.options)
            elif isinstance(sub, Seq):
                # ``PATHS[1]``: a list or tuple indexed by a constant.
                index = int(key) if key.lstrip("-").isdigit() else None
                if index is not None and -len(sub.items) <= index < len(sub.items):
                    out.append((sub.items[index], sub_ctx))
            elif isinstance(sub, Const) and sub.value is None:
                continue
            else:
                resolved = [r for r in self.resolve(sub, sub_ctx.deeper()) if r[0] != sub]
                if not resolved:
                    complete = False
                todo.extend(resolved)
        if todo:
            complete = False
        return dedupe(out), complete


__all__ = ["Callee", "Ctx", "Evaluator", "Hole", "func_key", "urljoin_values"]
