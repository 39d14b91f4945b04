"""Who calls each project function: the callers index, filled in rounds by the evaluator.

Resolving a callee may itself need callers (``self.client`` set from a constructor argument), so
the index is built in rounds: each round resolves what it can with the index so far, until
nothing new is found. Linking ``x.m()`` on an object of unknown type by the method's name is
allowed only in the last rounds, as the last resort.

The index lives on the evaluator (``Evaluator.callers``), which reads it while evaluating
parameters; ``fill_callers`` is called once, by ``bolaudit.project``, before anything else uses
the evaluator.
"""

from __future__ import annotations

from bolaudit.facts import Attr, CallFact, Expr, Name
from bolaudit.resolve.contexts import Callers
from bolaudit.resolve.evaluate import Evaluator
from bolaudit.resolve.index import FactIndex

ROUNDS = 6


def fill_callers(index: FactIndex, ev: Evaluator) -> Callers:
    """Fill ``ev.callers`` (function -> the call sites that reach it: caller path, the call, how)."""
    index.asking, hits = False, index.deferred_hits
    try:
        return _fill(index, ev)
    finally:
        index.asking = True
        if index.deferred_hits != hits:
            ev.clear()  # values worked out without asking: the resolution asks again


def _fill(index: FactIndex, ev: Evaluator) -> Callers:
    callers = ev.callers
    # A call can only reach a project function whose name it ends in (or a class, for a
    # constructor): the others (print, json, requests.get...) are never evaluated, in no round.
    names = {q.rsplit(".", 1)[-1] for _, q in index.functions} | {
        q.rsplit(".", 1)[-1] for _, q in index.classes
    }
    # A module not analysed yet may define it: its resolution asks for the module.
    names |= index.deferred_names()
    # ``from pkg.op import sync as fetch_order``: the call is ``fetch_order(...)``.
    names |= {i.local for m in index.modules.values() for i in m.imports if i.name in names}
    pending = sorted(
        (kv for kv in index.calls.items() if _callee_name(kv[1].callee) in names),
        key=lambda kv: (kv[0][0], kv[0][1]),
    )
    ev.allow_by_name = False
    for round_ in range(ROUNDS):
        ev.clear()
        unresolved: list[tuple[tuple[str, int], CallFact]] = []
        found = False
        for (path, cid), call in pending:
            callees = ev.callees(path, call)
            if not callees:
                unresolved.append(((path, cid), call))
                continue
            found = True
            for callee in callees:
                callers.setdefault(callee.target, []).append((path, call, callee))
        pending = unresolved
        if not pending or (not found and ev.allow_by_name):
            break
        if not found or round_ == ROUNDS - 2:
            ev.allow_by_name = True
    ev.allow_by_name = True
    ev.clear()
    return callers


def _callee_name(expr: Expr) -> str | None:
    """The name a call ends in: ``f`` for ``f()``, ``m`` for ``a.b.m()``; None for other shapes."""
    if isinstance(expr, Name):
        return expr.id
    if isinstance(expr, Attr):
        return expr.attr
    return None
