"""Which assignments of a function's locals reach a statement: forks and joins of the local scope.

The extractor inlines a local into the values that use it, so what a call sees is the scope at
that point of the walk. Inside a block an assignment replaces the value (``url = ...; get(url);
url = ...; post(url)`` gives each call its own URL); where branches join, a name holds one of
the values that reach the join from the branches that fall through (a branch that returns,
raises, breaks or continues does not reach it). A loop body may run no times, so after the loop a
name is the value before it or the one the body leaves (a value carried round to the next
iteration is not followed). An ``except`` handler starts from what held before the ``try`` or
after its body. Module-level names are constants and keep their own rule (``assign``).
"""

from __future__ import annotations

from bolaudit.extract.exprtools import choice
from bolaudit.extract.frames import Fork, Frame
from bolaudit.facts import OR_DEFAULT, CallExpr, Expr, Name, Param

Env = dict[str, Expr]


def fork(f: Frame) -> None:
    f.forks.append(Fork(dict(f.locals)))


def current(f: Frame) -> Fork:
    return f.forks[-1]


def reach_end(f: Frame) -> None:
    """The scope at this point falls through to the end of the innermost compound statement."""
    current(f).ends.append(dict(f.locals))


def restore(f: Frame, env: Env) -> None:
    f.locals.clear()
    f.locals.update(env)


def join(f: Frame, envs: list[Env]) -> None:
    """The scope after a join of ``envs`` (none: what follows is not reached; the scope stays)."""
    if envs:
        restore(f, merge(f, envs))


def merge(f: Frame, envs: list[Env]) -> Env:
    if len(envs) == 1:
        return dict(envs[0])
    names: list[str] = []
    for env in envs:
        names.extend(n for n in env if n not in names)
    out: Env = {}
    for name in names:
        values = [env.get(name) for env in envs]
        first = values[0]
        if all(v is first for v in values) and first is not None:
            out[name] = first
            continue
        unset = _unassigned(f, name)
        filled = [v if v is not None else unset for v in values]
        merged: Expr | None = None
        for v in filled:
            if v is None:
                continue  # not bound on that path: using it there would fail
            merged = v if merged is None else _either(merged, v)
        if merged is not None:
            out[name] = merged
    return out


def _unassigned(f: Frame, name: str) -> Expr | None:
    """What a name means on a path that does not assign it: a parameter, else nothing local."""
    if f.qualname is not None and name in f.params and name not in f.self_names:
        return Param(f.qualname, name)
    return None


def _either(a: Expr, b: Expr) -> Expr:
    """``a`` or ``b``; ``x or default`` (``if x is None: x = default``) already holds the bare
    parameter ``x``, so joining the two keeps the first."""
    if a == b:
        return a
    for one, other in ((a, b), (b, a)):
        if _or_default_of(one, other):
            return one
    return choice(a, b)


def _or_default_of(expr: Expr, param: Expr) -> bool:
    return (
        isinstance(expr, CallExpr)
        and expr.func == Name(OR_DEFAULT)
        and isinstance(param, Param)
        and expr.args[:1] == (param,)
    )
