"""The control-flow part of the fact extractor: blocks, guards, loops, comprehensions, handlers.

Calls record the conditions they depend on (``Guard``: if/else, an earlier ``if ...: return``,
while, except) and the loops around them; the token rules decide from these whether a token
request is a cache refresh or a fetch on every call, and whether a loop fetches per iteration.
"""

from __future__ import annotations

import libcst as cst

from bolaudit.extract import envs, flow
from bolaudit.extract.core import ExtractorBase
from bolaudit.facts import Guard, LoopFact


class ControlFlowMixin(ExtractorBase):
    """Blocks, guards, loops, comprehensions and handlers: a part of ``FactExtractor``."""

    # ------------------------------------------------------------------ control flow

    def _enter_block(self) -> None:
        self.frame.depth += 1

    def _leave_block(self) -> None:
        self.frame.depth -= 1

    def _scoped(self) -> bool:
        """Whether the innermost frame is a function's (its locals fork and join)."""
        return self.frame.qualname is not None

    def visit_If_body(self, node: cst.If) -> None:
        if self._scoped():
            envs.fork(self.frame)
        self.frame.guards.append(self._guard("if", node.test))
        self.branch_enter(node.test, True)
        self._enter_block()

    def leave_If_body(self, node: cst.If) -> None:
        f = self.frame
        if self._scoped():
            if not _block_ends_flow(node.body):
                envs.reach_end(f)
            envs.restore(f, envs.current(f).before)  # the else branch starts from before the if
        self.frame.guards.pop()
        self.branch_leave()
        self._leave_block()

    def visit_If_orelse(self, node: cst.If) -> None:
        self.frame.guards.append(self._guard("else", node.test))
        self.branch_enter(node.test, False)
        self._enter_block()

    def leave_If_orelse(self, node: cst.If) -> None:
        self.frame.guards.pop()
        self.branch_leave()
        self._leave_block()

    # ``return cached or fetch()`` and ``fetch() if stale else cached``: a short-circuit is a guard
    # too (the right operand of ``or`` runs when the left is falsy, as an ``else``).

    def visit_BooleanOperation_right(self, node: cst.BooleanOperation) -> None:
        kind = "else" if isinstance(node.operator, cst.Or) else "if"
        self.frame.guards.append(self._guard(kind, node.left))

    def leave_BooleanOperation_right(self, node: cst.BooleanOperation) -> None:
        self.frame.guards.pop()

    def visit_IfExp_body(self, node: cst.IfExp) -> None:
        self.frame.guards.append(self._guard("if", node.test))

    def leave_IfExp_body(self, node: cst.IfExp) -> None:
        self.frame.guards.pop()

    def visit_IfExp_orelse(self, node: cst.IfExp) -> None:
        self.frame.guards.append(self._guard("else", node.test))

    def leave_IfExp_orelse(self, node: cst.IfExp) -> None:
        self.frame.guards.pop()

    def leave_If(self, original_node: cst.If) -> None:
        f = self.frame
        if self._scoped():
            orelse = original_node.orelse
            if orelse is None or not _block_ends_flow(orelse.body if isinstance(orelse, cst.Else) else orelse):
                envs.reach_end(f)
            envs.join(f, f.forks.pop().ends)
        body = original_node.body.body
        if body and _ends_flow(body[-1]):
            self.frame.early.append(self._guard("early-return", original_node.test))

    def visit_While(self, node: cst.While) -> None:
        self._push_loop(node, "while", (), None)
        self.frame.guards.append(self._guard("while", node.test))

    def visit_While_body(self, node: cst.While) -> None:
        if self._scoped():
            envs.fork(self.frame)

    def leave_While_body(self, node: cst.While) -> None:
        self._leave_loop_body()

    def _leave_loop_body(self) -> None:
        """A loop body may run no times: after it, a local holds what it held before or what
        the body leaves."""
        f = self.frame
        if self._scoped():
            envs.reach_end(f)
            fork = f.forks.pop()
            envs.join(f, [fork.before, *fork.ends])

    def leave_While(self, original_node: cst.While) -> None:
        self.frame.guards.pop()
        self._pop_loop()

    def visit_For_body(self, node: cst.For) -> None:
        if self._scoped():
            envs.fork(self.frame)
        names = _target_names(node.target)
        self._push_loop(node, "async for" if node.asynchronous else "for", names, node.iter)

    def leave_For_body(self, node: cst.For) -> None:
        self._pop_loop()
        self._leave_loop_body()

    def _push_loop(
        self, node: cst.CSTNode, kind: str, names: tuple[str, ...], iter_: cst.BaseExpression | None
    ) -> int:
        f = self.frame
        loop_id = len(self.loops)
        iter_expr = self.expr(iter_) if iter_ is not None else None
        parent = f.loops[-1] if f.loops else None
        self.loops.append(LoopFact(loop_id, f.qualname, kind, names, iter_expr, self.span(node), parent))
        f.loops.append(loop_id)
        f.bind_loop(loop_id, names)
        self._enter_block()
        return loop_id

    def _pop_loop(self) -> None:
        self.frame.loops.pop()
        self._leave_block()

    def _visit_comp(self, node: cst.BaseComp | cst.BaseDict) -> None:
        names: list[str] = []
        comp: cst.CompFor | None = getattr(node, "for_in", None)
        iter_node = comp.iter if comp is not None else None
        while comp is not None:
            names.extend(_target_names(comp.target))
            comp = comp.inner_for_in
        saved = {n: self.frame.locals.get(n) for n in names}
        self._comp_saved.append(saved)
        self._push_loop(node, "comprehension", tuple(names), iter_node)

    def _leave_comp(self) -> None:
        self._pop_loop()
        for name, old in self._comp_saved.pop().items():
            if old is None:
                self.frame.locals.pop(name, None)
            else:
                self.frame.locals[name] = old

    def visit_ListComp(self, node: cst.ListComp) -> None:
        self._visit_comp(node)

    def leave_ListComp(self, original_node: cst.ListComp) -> None:
        self._leave_comp()

    def visit_SetComp(self, node: cst.SetComp) -> None:
        self._visit_comp(node)

    def leave_SetComp(self, original_node: cst.SetComp) -> None:
        self._leave_comp()

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self._visit_comp(node)

    def leave_GeneratorExp(self, original_node: cst.GeneratorExp) -> None:
        self._leave_comp()

    def visit_DictComp(self, node: cst.DictComp) -> None:
        self._visit_comp(node)

    def leave_DictComp(self, original_node: cst.DictComp) -> None:
        self._leave_comp()

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        status = flow.http_status(node.type) if node.type is not None else None
        types: list[cst.BaseExpression] = []
        if isinstance(node.type, cst.Tuple):
            types = [e.value for e in node.type.elements]
        elif node.type is not None:
            types = [node.type]
        caught = tuple(flow.dotted_node(t) or "?" for t in types)
        self.frame.guards.append(Guard("except", (), None, status, caught))
        self._enter_block()
        f = self.frame
        if self._scoped() and f.forks and f.forks[-1].tried is not None:
            # The exception may come before or after any assignment in the ``try`` body.
            fork = f.forks[-1]
            envs.restore(f, envs.merge(f, [fork.before, fork.tried] if fork.tried is not None else [fork.before]))

    def leave_ExceptHandler(self, original_node: cst.ExceptHandler) -> None:
        self.frame.guards.pop()
        self._leave_block()
        f = self.frame
        if self._scoped() and f.forks and f.forks[-1].tried is not None and not _block_ends_flow(original_node.body):
            envs.reach_end(f)

    def visit_Try(self, node: cst.Try) -> None:
        self._enter_block()
        if self._scoped():
            envs.fork(self.frame)

    def leave_Try_body(self, node: cst.Try) -> None:
        f = self.frame
        if self._scoped():
            fork = envs.current(f)
            fork.tried = dict(f.locals)
            fork.tried_falls_through = not _block_ends_flow(node.body)

    def visit_Try_orelse(self, node: cst.Try) -> None:
        f = self.frame
        if self._scoped() and envs.current(f).tried is not None:
            envs.restore(f, envs.current(f).tried or {})

    def leave_Try_orelse(self, node: cst.Try) -> None:
        f = self.frame
        if self._scoped():
            fork = envs.current(f)
            if fork.tried_falls_through and (node.orelse is None or not _block_ends_flow(node.orelse.body)):
                envs.reach_end(f)
            envs.join(f, fork.ends)

    def leave_Try(self, original_node: cst.Try) -> None:
        self._leave_block()
        if self._scoped():
            self.frame.forks.pop()

    def leave_WithItem(self, original_node: cst.WithItem) -> None:
        asname = original_node.asname
        if asname is not None and isinstance(asname.name, cst.Name):
            value = self.expr(original_node.item)
            name = asname.name.value
            if self.frame.qualname is None:
                self.constants[name] = value
            self.frame.locals[name] = value


def _target_names(node: cst.BaseExpression) -> tuple[str, ...]:
    if isinstance(node, cst.Name):
        return (node.value,)
    if isinstance(node, (cst.Tuple, cst.List)):
        out: list[str] = []
        for el in node.elements:
            out.extend(_target_names(el.value))
        return tuple(out)
    return ()


def _block_ends_flow(block: cst.BaseSuite | cst.If) -> bool:
    """Whether control never falls out of the end of a block (its last statement returns,
    raises, breaks or continues)."""
    if isinstance(block, cst.If):
        return _ends_flow(block)
    body = block.body
    if isinstance(block, cst.IndentedBlock):
        return bool(body) and _ends_flow(body[-1])
    return any(isinstance(s, (cst.Return, cst.Raise, cst.Continue, cst.Break)) for s in body)


def _ends_flow(stmt: cst.BaseStatement | cst.BaseSmallStatement, depth: int = 0) -> bool:
    if isinstance(stmt, cst.SimpleStatementLine):
        return any(isinstance(s, (cst.Return, cst.Raise, cst.Continue, cst.Break)) for s in stmt.body)
    if depth < 8 and isinstance(stmt, cst.With) and isinstance(stmt.body, cst.IndentedBlock):
        # ``if cached: with open(path) as fh: return json.load(fh)`` returns too.
        body = stmt.body.body
        return bool(body) and _ends_flow(body[-1], depth + 1)
    if depth < 8 and isinstance(stmt, cst.If) and isinstance(stmt.orelse, cst.Else):
        ends = [stmt.body.body, stmt.orelse.body.body]
        return all(bool(b) and _ends_flow(b[-1], depth + 1) for b in ends)
    return isinstance(stmt, (cst.Return, cst.Raise, cst.Continue, cst.Break))
