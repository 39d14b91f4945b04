"""The per-file fact extractor: one LibCST visitor that records what the project stage needs.

It runs batched with the per-file rules and the credential visitor, in one traversal of a module.
It keeps scope frames (module, classes, functions) so that locals are inlined into the values it
records, parameters become ``Param``, loop targets ``LoopVar``; it records every call (for the call
graph), HTTP requests through known clients, session constructors and header updates, loops, the
guards around calls, and the state each function writes. See ``bolaudit.facts``.
"""

from __future__ import annotations

import libcst as cst

from bolaudit.extract import flow
from bolaudit.extract.exprs import ExprBuilder
from bolaudit.extract.exprtools import dotted
from bolaudit.extract.frames import ClassFrame, Frame
from bolaudit.extract.assign import AssignmentsMixin
from bolaudit.extract.blocks import ControlFlowMixin
from bolaudit.extract.http import HttpFactsMixin
from bolaudit.extract.literals import LiteralsMixin
from bolaudit.extract.state import StateMixin
from bolaudit.extract.positions import Positions
from bolaudit.facts import (
    Attr,
    CallExpr,
    CallFact,
    ClassFact,
    Const,
    Expr,
    FunctionFact,
    Import,
    LoopFact,
    ModuleFacts,
    Name,
    ParamSpec,
    Unknown,
)
from bolaudit.findings import Span

BUILTINS = {"str", "dict", "map", "super", "open", "print", "len", "isinstance", "getattr"}


class FactExtractor(HttpFactsMixin, LiteralsMixin, ControlFlowMixin, AssignmentsMixin, StateMixin):
    def __init__(
        self, path: str, module: str, is_package: bool = False, positions: Positions | None = None
    ) -> None:
        super().__init__()
        self.positions = positions
        self.statement: cst.CSTNode | None = None  # the assignment being recorded, for spans
        self.path = path
        self.module = module
        self.is_package = is_package
        self.module_frame = Frame(None)
        self.frames: list[Frame] = [self.module_frame]
        self.classes: list[ClassFrame] = []
        # Which scope is innermost: "module", "class" or "function" (class bodies are not frames).
        self.kinds: list[str] = ["module"]
        self.constants: dict[str, Expr] = {}
        self.imports: list[Import] = []
        self.functions: list[FunctionFact] = []
        self.class_facts: list[ClassFact] = []
        self.calls: list[CallFact] = []
        self.loops: list[LoopFact] = []
        self._call_ids: dict[cst.Call, int] = {}
        self._assigned: dict[cst.CSTNode, str] = {}
        self._awaited: set[cst.CSTNode] = set()
        self._numbers: dict[str, float] = {}  # module constants that are numbers (``LEEWAY = 5 * 60``)
        self._tests: dict[int, tuple[cst.BaseExpression, tuple[bool, float | None, int | None, float | None]]] = {}
        self._decorators: set[cst.BaseExpression] = set()
        self._comp_saved: list[dict[str, Expr | None]] = []
        self.builder = ExprBuilder(self._lookup, self._call_id, self.qualify)
        HttpFactsMixin.__init__(self)
        LiteralsMixin.__init__(self)

    # ------------------------------------------------------------------ helpers

    @property
    def frame(self) -> Frame:
        return self.frames[-1]

    def span(self, node: cst.CSTNode) -> Span:
        assert self.positions is not None, "run through positions.traverse"
        return self.positions.span(node)

    def expr(self, node: cst.BaseExpression | None) -> Expr:
        return self.builder.of(node)

    def _call_id(self, node: cst.Call) -> int:
        if node not in self._call_ids:
            self._call_ids[node] = len(self._call_ids)
        return self._call_ids[node]

    def _lookup(self, name: str) -> Expr:
        if self.kinds[-1] == "class" and name in self.classes[-1].attrs:
            return self.classes[-1].attrs[name]
        for frame in reversed(self.frames):
            if frame.qualname is None:
                if name in frame.locals and len(self.frames) == 1:
                    return frame.locals[name]
                break
            found = frame.lookup(name)
            if found is not None:
                return found
        return Name(name)

    def _import_for(self, head: str) -> Import | None:
        for frame in reversed(self.frames):
            if head in frame.imports:
                return frame.imports[head]
        return None

    def qualify(self, expr: Expr) -> str | None:
        """The import-qualified dotted name of ``expr`` (``C`` -> ``httpx.AsyncClient``)."""
        name = dotted(expr)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        imp = self._import_for(head)
        if imp is None:
            if head in BUILTINS or head in ("os", "environ"):
                return name
            return None
        base = imp.module + ("." + imp.name if imp.name else "")
        return base + ("." + rest if rest else "")

    def _state(self, node: cst.BaseExpression) -> str | None:
        name = flow.dotted_node(node)
        if name is None:
            return None
        f = self.frame
        return flow.state_of(name, f.self_names, set(f.locals) | set(f.params), f.globals)

    # ------------------------------------------------------------------ imports

    def _absolute(self, module: str, level: int) -> str:
        if level == 0:
            return module
        parts = self.module.split(".") if self.module else []
        keep = len(parts) - level + (1 if self.is_package else 0)
        base = parts[: max(keep, 0)]
        return ".".join([*base, module] if module else base)

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            full = dotted(self.builder.of(alias.name)) or ""
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                imp = Import(alias.asname.name.value, full, None, self.span(node))
            else:
                head = full.split(".", 1)[0]
                imp = Import(head, head, None, self.span(node))
            self._add_import(imp)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if isinstance(node.names, cst.ImportStar):
            return
        mod = ""
        if node.module is not None:
            mod = dotted(_plain(node.module)) or ""
        base = self._absolute(mod, len(node.relative))
        for alias in node.names:
            name = dotted(_plain(alias.name)) or ""
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            self._add_import(Import(local, base, name, self.span(node)))

    def _add_import(self, imp: Import) -> None:
        self.imports.append(imp)
        self.frame.imports[imp.local] = imp

    # ------------------------------------------------------------------ classes and functions

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        prefix = self._qual_prefix()
        bases = tuple(self.expr(a.value) for a in node.bases if a.keyword is None)
        self.classes.append(ClassFrame(prefix + node.name.value, bases, self.span(node)))
        self.kinds.append("class")

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        c = self.classes.pop()
        self.kinds.pop()
        self.class_facts.append(
            ClassFact(c.qualname, c.bases, tuple(c.attrs.items()), tuple(c.instance_attrs), c.span, tuple(c.annotated))
        )

    def _qual_prefix(self) -> str:
        if self.kinds[-1] == "class":
            return self.classes[-1].qualname + "."
        if self.frame.qualname is not None:
            return self.frame.qualname + "."
        return ""

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        in_class = self.kinds[-1] == "class"
        cls = self.classes[-1].qualname if in_class else self.frame.cls
        qualname = self._qual_prefix() + node.name.value
        decorators = tuple(self.expr(d.decorator) for d in node.decorators)
        params = self._params(node.params)
        self_names: tuple[str, ...] = ()
        deco_names = {dotted(d) for d in decorators}
        if in_class and params and "staticmethod" not in deco_names:
            first = next(iter(params))
            self_names = (first,)
        if not in_class and self.frame.self_names:
            self_names = self.frame.self_names  # closures inside methods still see self
        frame = Frame(
            qualname,
            cls=cls,
            params=params,
            self_names=self_names,
            decorators=decorators,
            is_async=node.asynchronous is not None,
            span=self.span(node),
            return_annotation=self.expr(node.returns.annotation) if node.returns is not None else None,
        )
        self.frames.append(frame)
        self.kinds.append("function")

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        f = self.frames.pop()
        self.kinds.pop()
        assert f.qualname is not None and f.span is not None
        self.functions.append(
            FunctionFact(
                f.qualname,
                f.cls,
                tuple(f.params.values()),
                f.decorators,
                f.is_async,
                f.span,
                tuple(f.returns),
                tuple(f.writes),
                tuple(sorted(f.globals)),
                f.return_annotation,
            )
        )

    def _params(self, params: cst.Parameters) -> dict[str, ParamSpec]:
        out: dict[str, ParamSpec] = {}

        def add(p: cst.Param, kind: str) -> None:
            default = self.expr(p.default) if p.default is not None else None
            ann = self.expr(p.annotation.annotation) if p.annotation is not None else None
            out[p.name.value] = ParamSpec(p.name.value, kind, default, ann)

        for p in (*params.posonly_params, *params.params):
            add(p, "positional")
        if isinstance(params.star_arg, cst.Param):
            add(params.star_arg, "*args")
        for p in params.kwonly_params:
            add(p, "keyword")
        if isinstance(params.star_kwarg, cst.Param):
            add(params.star_kwarg, "**kwargs")
        return out

    def visit_Global(self, node: cst.Global) -> None:
        for n in node.names:
            self.frame.globals.add(n.name.value)

    def visit_Return(self, node: cst.Return) -> None:
        if self.frame.qualname is not None and node.value is not None:
            self.frame.returns.append(self.expr(node.value))
            if isinstance(node.value, (cst.Comparison, cst.BooleanOperation)) and flow.reads_clock(node.value):
                # ``return claims["exp"] - LEEWAY > time.time()``: a freshness helper's margin.
                found = flow.margin(node.value, self._number_constant)
                if found is not None:
                    self.frame.write(f"returns-margin:{found:g}")

    # ------------------------------------------------------------------ calls

    def visit_Decorator(self, node: cst.Decorator) -> None:
        # ``@app.get("/orders/{order_id}")`` declares a route of the app; it sends nothing.
        self._decorators.add(node.decorator)

    def visit_Call(self, node: cst.Call) -> None:
        f = self.frame
        self.note_literal_uses(node)
        call_id = self._call_id(node)
        callee = self.expr(node.func)
        args = tuple(
            self.expr(a.value) if not a.star else Unknown("*args")
            for a in node.args
            if a.keyword is None and a.star != "**"
        )
        kwargs = tuple(
            (a.keyword.value, self.expr(a.value)) for a in node.args if a.keyword is not None
        ) + tuple(("**", self.expr(a.value)) for a in node.args if a.star == "**")
        callee, args, kwargs = self._through_partial(callee, args, kwargs)
        guards = tuple(f.early) + tuple(f.guards)
        fact = CallFact(
            call_id,
            f.qualname,
            callee,
            args,
            kwargs,
            self.span(node),
            tuple(f.loops),
            guards,
            self._assigned.get(node),
            node in self._awaited,
        )
        self.calls.append(fact)
        if node not in self._decorators:
            self.classify_call(node, fact)
        self._note_call_writes(node, callee)
        qual = self.qualify(callee)
        if (qual == "map" or (isinstance(callee, CallExpr) is False and _attr_name(node) == "map")) and args:
            self._map_call(node, fact, args)

    def _through_partial(
        self, callee: Expr, args: tuple[Expr, ...], kwargs: tuple[tuple[str, Expr], ...]
    ) -> tuple[Expr, tuple[Expr, ...], tuple[tuple[str, Expr], ...]]:
        """``get = functools.partial(send, "GET")`` then ``get(url)`` is ``send("GET", url)``."""
        value = self.constants.get(callee.id) if isinstance(callee, Name) else callee
        if isinstance(callee, Attr) and callee.base == Name("self"):
            # ``self._get = functools.partial(self._request, "GET")`` set in ``__init__``.
            cls = self._class_of_frame()
            value = cls.instance_value(callee.attr) if cls is not None else None
        if not isinstance(value, CallExpr) or not value.args:
            return callee, args, kwargs
        if self.qualify(value.func) not in ("functools.partial", "partial"):
            return callee, args, kwargs
        return value.args[0], (*value.args[1:], *args), (*value.kwargs, *kwargs)

    def _map_call(self, node: cst.Call, fact: CallFact, args: tuple[Expr, ...]) -> None:
        """``map(fn, items)`` / ``pool.map(fn, items)`` call ``fn`` once per item: a loop."""
        f = self.frame
        loop_id = len(self.loops)
        self.loops.append(
            LoopFact(loop_id, f.qualname, "map", (), args[1] if len(args) > 1 else None, fact.span,
                     f.loops[-1] if f.loops else None)
        )
        synthetic = CallFact(
            -1 - loop_id, f.qualname, args[0], (), (), fact.span, (*f.loops, loop_id), fact.guards
        )
        self.calls.append(synthetic)

    # ------------------------------------------------------------------ result

    def facts(self) -> ModuleFacts:
        return ModuleFacts(
            path=self.path,
            module=self.module,
            is_package=self.is_package,
            constants=tuple(self.constants.items()),
            imports=tuple(self.imports),
            functions=tuple(self.functions),
            classes=tuple(self.class_facts),
            calls=tuple(self.calls),
            http_calls=tuple(self.http_calls),
            sessions=tuple(self.sessions),
            header_sets=tuple(self.header_sets),
            loops=tuple(self.loops),
            literals=tuple(self.literals),
            branches=tuple(self.branches),
            verify_offs=tuple(self.verify_offs),
        )


def _plain(node: cst.BaseExpression) -> Expr:
    """A dotted module name node as an ``Attr`` chain, without scope lookups."""
    if isinstance(node, cst.Name):
        return Name(node.value)
    if isinstance(node, cst.Attribute):
        from bolaudit.facts import Attr

        return Attr(_plain(node.value), node.attr.value)
    return Const(None)


def _attr_name(node: cst.Call) -> str | None:
    return node.func.attr.value if isinstance(node.func, cst.Attribute) else None
