"""Frozen dataclasses, made in one step.

``@record`` (or ``@record(slots=True)``, ``@record(order=True)``, ``@record(eq=False)``) makes
exactly what ``@dataclass(frozen=True, ...)`` makes: a real dataclass (``dataclasses.fields``,
``replace`` and ``is_dataclass`` work, type checkers see the same class), whose instances cannot
be assigned to, compared and hashed by their fields.

Why not ``dataclass`` itself: on Python 3.11 and 3.12 it compiles every generated method
separately, six for a frozen class, about half a millisecond a class. bolaudit defines some 150
of them and a run on a small tree spends a tenth of its time there, before reading a byte. Here
the stdlib makes the fields (defaults, ``field()``, slots, ``__match_args__``) and generates
nothing; ``__init__`` is compiled (it must be fast and have the fields' signature), the other
methods are closures over the class's field names. On Python
3.13 and later, where ``dataclass`` compiles once per class itself, ``record`` is ``dataclass``.

Field options honoured: ``default``, ``default_factory``, ``init``, ``repr``, ``compare``,
``hash``, ``kw_only``; a ``__post_init__`` is called. ``InitVar`` fields are not supported (none
are used); a class that declares one is refused rather than made wrongly. A record that derives
from a dataclass is made by ``dataclass`` itself.
"""

from __future__ import annotations

import dataclasses
import inspect
import operator
import sys
from collections.abc import Callable
from typing import Any, TypeVar, dataclass_transform, overload

T = TypeVar("T")

_ONE_STEP = sys.version_info < (3, 13)
_MISSING = dataclasses.MISSING


class _Factory:
    """The default of a parameter whose field has a ``default_factory``, shown as the stdlib shows it."""

    def __repr__(self) -> str:
        return "<factory>"


_FACTORY = _Factory()


@overload
def record(cls: type[T], /) -> type[T]: ...


@overload
def record(
    *, slots: bool = False, order: bool = False, eq: bool = True, repr: bool = True,
) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, dataclasses.Field))
def record(
    cls: type[T] | None = None, /, *, slots: bool = False, order: bool = False, eq: bool = True,
    repr: bool = True,
) -> type[T] | Callable[[type[T]], type[T]]:
    """A frozen dataclass of ``cls`` (see the module's docstring)."""

    def make(c: type[T]) -> type[T]:
        if not _ONE_STEP or any(dataclasses.is_dataclass(base) for base in c.__mro__[1:]):
            return dataclasses.dataclass(c, frozen=True, slots=slots, order=order, eq=eq, repr=repr)
        return _one_step(c, slots=slots, order=order, eq=eq, with_repr=repr)

    return make if cls is None else make(cls)


def _one_step(cls: type[T], *, slots: bool, order: bool, eq: bool, with_repr: bool) -> type[T]:
    own = cls.__dict__
    for name in ("__setattr__", "__delattr__", *(_ORDER if order else ())):
        if name in own:
            raise TypeError(f"cannot overwrite attribute {name} in class {cls.__name__}")
    undocumented = cls.__doc__ is None
    if undocumented:
        cls.__doc__ = ""  # else the stdlib works out a signature, of an ``__init__`` not made yet
    # The stdlib's dataclass, told to generate nothing, still collects the fields (with those of
    # base dataclasses), makes slots and ``__match_args__``.
    made: Any = dataclasses.dataclass(cls, init=False, repr=False, eq=False, order=False,
                                      frozen=False, slots=slots)
    fields = dataclasses.fields(made)
    if any(f._field_type is dataclasses._FIELD_INITVAR  # type: ignore[attr-defined]
           for f in made.__dataclass_fields__.values()):
        raise TypeError(f"{cls.__name__}: InitVar fields are not supported by @record")
    methods: dict[str, Callable[..., Any]] = {}
    if "__init__" not in own:
        methods["__init__"] = _init(made, fields)
        if undocumented:
            made.__doc__ = made.__name__ + _signature(fields)
    if with_repr and "__repr__" not in own:
        methods["__repr__"] = _repr(tuple(f.name for f in fields if f.repr))
    key = _key([f.name for f in fields if f.compare])
    if eq and "__eq__" not in own:
        methods["__eq__"] = _compare(key, operator.eq)
    if order:
        methods.update((name, _compare(key, op)) for name, op in _ORDER.items())
    # A class that defines ``__eq__`` gets ``__hash__ = None`` from Python: no hash of its own.
    explicit_hash = own.get("__hash__") is not None or ("__hash__" in own and "__eq__" not in own)
    if eq and not explicit_hash:
        methods["__hash__"] = _hash(_key([f.name for f in fields if (f.compare if f.hash is None else f.hash)]))
    methods["__setattr__"] = _frozen_setattr
    methods["__delattr__"] = _frozen_delattr
    if slots:
        names = tuple(f.name for f in fields)
        methods["__getstate__"] = _getstate(names)
        methods["__setstate__"] = _setstate(names)
    for name, fn in methods.items():
        if fn is not _frozen_setattr and fn is not _frozen_delattr:  # made for this class alone
            fn.__name__, fn.__qualname__ = name, f"{made.__qualname__}.{name}"
        setattr(made, name, fn)
    params = made.__dataclass_params__
    params.init, params.repr, params.eq, params.order, params.frozen = True, with_repr, eq, order, True
    return made  # type: ignore[no-any-return]


_ORDER: dict[str, Callable[[Any, Any], Any]] = {
    "__lt__": operator.lt, "__le__": operator.le, "__gt__": operator.gt, "__ge__": operator.ge}


def _key(names: list[str]) -> Callable[[Any], tuple[Any, ...]]:
    """The compared (or hashed) fields of an instance, as a tuple."""
    if not names:
        return lambda _: ()
    if len(names) == 1:
        get = operator.attrgetter(names[0])
        return lambda obj: (get(obj),)
    return operator.attrgetter(*names)


def _compare(key: Callable[[Any], tuple[Any, ...]], op: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def compare(self: Any, other: Any) -> Any:
        if other.__class__ is self.__class__:
            return op(key(self), key(other))
        return NotImplemented
    return compare


def _hash(key: Callable[[Any], tuple[Any, ...]]) -> Callable[[Any], int]:
    def __hash__(self: Any) -> int:
        return hash(key(self))
    return __hash__


def _repr(names: tuple[str, ...]) -> Callable[[Any], str]:
    def __repr__(self: Any) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in names)
        return f"{self.__class__.__qualname__}({shown})"
    return __repr__


def _frozen_setattr(self: Any, name: str, value: Any) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")


def _getstate(names: tuple[str, ...]) -> Callable[[Any], list[Any]]:
    def __getstate__(self: Any) -> list[Any]:
        return [getattr(self, name) for name in names]
    return __getstate__


def _setstate(names: tuple[str, ...]) -> Callable[[Any, list[Any]], None]:
    # Unpickling a frozen slotted instance cannot go through ``__setattr__``.
    def __setstate__(self: Any, state: list[Any]) -> None:
        for name, value in zip(names, state):
            object.__setattr__(self, name, value)
    return __setstate__


def _init(cls: type[Any], fields: tuple[dataclasses.Field[Any], ...]) -> Callable[..., None]:
    """``__init__``, the one method compiled; defaults and factories are its globals."""
    scope: dict[str, Any] = {"__object_setattr": object.__setattr__, "__factory": _FACTORY}
    positional: list[str] = []
    keyword: list[str] = []
    body: list[str] = []
    for f in fields:
        name = f.name
        if f.init:
            if f.default is not _MISSING:
                scope[f"__default_{name}"] = f.default
                param = f"{name}=__default_{name}"
            elif f.default_factory is not _MISSING:
                scope[f"__factory_{name}"] = f.default_factory
                param = f"{name}=__factory"
                body.append(f" if {name} is __factory: {name} = __factory_{name}()")
            else:
                param = name
            (keyword if f.kw_only else positional).append(param)
            body.append(f" __object_setattr(self, {name!r}, {name})")
        elif f.default is not _MISSING:
            scope[f"__default_{name}"] = f.default
            body.append(f" __object_setattr(self, {name!r}, __default_{name})")
        elif f.default_factory is not _MISSING:
            scope[f"__factory_{name}"] = f.default_factory
            body.append(f" __object_setattr(self, {name!r}, __factory_{name}())")
    if hasattr(cls, "__post_init__"):
        body.append(" self.__post_init__()")
    params = ["self", *positional, *(["*", *keyword] if keyword else [])]
    source = "\n".join([f"def __init__({', '.join(params)}):", *(body or [" pass"])])
    exec(compile(source, f"<record {cls.__module__}.{cls.__qualname__}>", "exec"), scope)  # noqa: S102
    init: Callable[..., None] = scope["__init__"]
    init.__annotations__ = {**{f.name: f.type for f in fields if f.init}, "return": None}
    return init


def _signature(fields: tuple[dataclasses.Field[Any], ...]) -> str:
    """``(name: 'str', size: 'int' = 50)``: what the stdlib puts in an undocumented class's doc."""
    parts: list[str] = []
    star = False
    for f in fields:
        if not f.init:
            continue
        if f.kw_only and not star:
            parts.append("*")
            star = True
        text = f"{f.name}: {inspect.formatannotation(f.type)}"
        if f.default is not _MISSING:
            text += f" = {f.default!r}"
        elif f.default_factory is not _MISSING:
            text += " = <factory>"
        parts.append(text)
    return f"({', '.join(parts)})"
