"""Symbolic values: how the facts keep a value the code computes without running it.

A URL built as ``f"{config.BASE_URL}/orders/{order_id}"`` becomes ``Concat(Attr(Name("config"),
"BASE_URL"), Const("/orders/"), Param(...))``. Local variables are inlined by the extractor, so an
``Expr`` only refers to what the project stage can look up: module names, attributes of
``self``/classes, parameters of the enclosing function, and loop variables. What cannot be known
is ``Unknown`` with a reason; it is never guessed. Frozen dataclasses of plain values (stored in
the cache as JSON, their annotations the schema); this module imports nothing of bolaudit's.
"""

from __future__ import annotations

from typing import Union

from bolaudit.records import record


@record(slots=True)
class Const:
    """A literal: str, bytes (decoded latin-1), number, bool or None."""

    value: str | int | float | bool | None


@record(slots=True)
class Name:
    """A module-level name (a global, an import, a function, a class), resolved in the module."""

    id: str


@record(slots=True)
class Param:
    """A parameter of the function ``func`` (qualified name within its module)."""

    func: str
    name: str


@record(slots=True)
class LoopVar:
    """A name bound by the loop ``loop`` (its ``LoopFact.id``), e.g. ``account`` in ``for account in ...``."""

    loop: int
    name: str


@record(slots=True)
class Attr:
    """``base.attr``. ``self``/``cls`` are ``Name("self")``/``Name("cls")`` inside methods."""

    base: Expr
    attr: str


@record(slots=True)
class Subscript:
    """``base[key]``, e.g. ``config["bol"]["url"]`` or ``os.environ["X"]`` (see ``EnvVar``)."""

    base: Expr
    key: Expr


@record(slots=True)
class Concat:
    """String concatenation: ``+``, f-strings, implicitly concatenated literals."""

    parts: tuple[Expr, ...]


@record(slots=True)
class Format:
    """``template % args`` (style ``"%"``) or ``template.format(*args, **kwargs)`` (style ``"{}"``)."""

    template: Expr
    args: tuple[Expr, ...]
    kwargs: tuple[tuple[str, Expr], ...]
    style: str


@record(slots=True)
class Join:
    """``sep.join(items)``; ``items`` is a ``Seq`` when the iterable is a literal list/tuple."""

    sep: Expr
    items: Expr


@record(slots=True)
class Seq:
    """A literal list or tuple."""

    items: tuple[Expr, ...]


@record(slots=True)
class UrlJoin:
    """``urllib.parse.urljoin(base, rel)`` (also ``httpx.URL(base).join(rel)``)."""

    base: Expr
    rel: Expr


@record(slots=True)
class DictExpr:
    """A dict display or ``dict(...)`` call. A ``None`` key means ``**value`` is spread in."""

    items: tuple[tuple[Expr | None, Expr], ...]


@record(slots=True)
class EnvVar:
    """``os.getenv(var, default)``, ``os.environ.get(var, default)`` or ``os.environ[var]``."""

    var: Expr
    default: Expr | None


@record(slots=True)
class Choice:
    """One of several values: ``a or b``, ``a if c else b``, a name assigned on several paths."""

    options: tuple[Expr, ...]


@record(slots=True)
class CallExpr:
    """A call whose result is the value, e.g. ``requests.Session()`` or ``get_token()``.

    ``call`` is the ``CallFact.id`` of the call in the same module, or -1 when not recorded.
    """

    func: Expr
    args: tuple[Expr, ...]
    kwargs: tuple[tuple[str, Expr], ...]
    call: int = -1


@record(slots=True)
class Unknown:
    """A value bolaudit cannot know statically; ``reason`` says why (shown to users)."""

    reason: str


Expr = Union[
    Const,
    Name,
    Param,
    LoopVar,
    Attr,
    Subscript,
    Concat,
    Format,
    Join,
    Seq,
    UrlJoin,
    DictExpr,
    EnvVar,
    Choice,
    CallExpr,
    Unknown,
]
