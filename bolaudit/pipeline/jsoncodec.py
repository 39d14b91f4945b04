"""A JSON form of bolaudit's frozen dataclasses, checked against their annotations when read.

The cache and the whole-run record sit in a folder of the audited repository, so what is read back
may have been written by anyone. Reading it must never run code (as unpickling can) nor build a
value the code does not expect: a ``Codec`` builds only the dataclasses and enums reachable from
the annotations of the classes it is made for (its allow-list), and each value must have the type
its field declares (``str``, ``int``, ``float`` (an ``int`` too), ``bool``, ``None``, ``bytes``
as base64, enums by value, ``Literal`` values, tuples, unions, nested dataclasses). Anything else is a
``SchemaError``, and the reader drops what it was reading. The annotations are resolved once per
class, when the codec is made.

Compact, since a warm run reads it: a dataclass is a JSON array of its field values in order; a
class that shares a union with another dataclass (the members of ``Expr``) starts with its name.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import enum
import json
import types
import typing
from collections.abc import Callable, Iterator, Mapping
from operator import attrgetter
from typing import Any

Decode = Callable[[Any], Any]
_NONE = type(None)
_SCALARS: frozenset[Any] = frozenset({str, int, float, bool, _NONE})


class SchemaError(ValueError):
    """Stored data that does not fit the schema (or is not JSON)."""


def _bad(expected: str, value: object) -> SchemaError:
    return SchemaError(f"expected {expected}, got {type(value).__name__}")


Check = Callable[[Any], bool]


class Codec:
    """Encode and decode the dataclasses reachable from ``roots`` (and nothing else).

    ``checks``: what a value of a class must also satisfy, beyond its fields' types (a ``Span``
    starts before it ends); a value that fails is a ``SchemaError`` too."""

    def __init__(self, *roots: type, checks: Mapping[type, Check] | None = None) -> None:
        self._checks = dict(checks or {})
        self._fields: dict[type, tuple[tuple[str, Any], ...]] = {}
        self._enums: set[type] = set()
        tagged: set[type] = set()
        pending = list(roots)
        while pending:
            cls = pending.pop()
            if cls in self._fields:
                continue
            if not dataclasses.is_dataclass(cls):
                raise TypeError(f"{cls!r} is not a dataclass")
            hints = typing.get_type_hints(cls)
            fields = tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))
            self._fields[cls] = fields
            for _, hint in fields:
                pending.extend(self._classes_in(hint, tagged))
        names = [cls.__name__ for cls in tagged]
        if len(set(names)) != len(names):
            raise TypeError(f"two tagged classes share a name: {sorted(names)}")
        self._tags: dict[type, str] = {cls: cls.__name__ for cls in tagged}
        self._getters = {cls: attrgetter(*(name for name, _ in fields)) for cls, fields in self._fields.items()}
        self._decoders: dict[Any, Decode] = {}

    def _classes_in(self, hint: Any, tagged: set[type]) -> Iterator[type]:
        """The dataclasses an annotation names; enums are noted, unsupported forms refused."""
        origin = typing.get_origin(hint)
        if hint in _SCALARS or hint is bytes:
            return
        if origin is typing.Literal:
            return
        if isinstance(hint, type) and issubclass(hint, enum.Enum):
            self._enums.add(hint)
        elif isinstance(hint, type) and dataclasses.is_dataclass(hint):
            yield hint
        elif origin is tuple:
            for arg in typing.get_args(hint):
                if arg is not Ellipsis:
                    yield from self._classes_in(arg, tagged)
        elif origin is typing.Union or origin is types.UnionType:
            members = typing.get_args(hint)
            classes = [m for m in members if isinstance(m, type) and dataclasses.is_dataclass(m)]
            if len(classes) > 1:
                if any(typing.get_origin(m) is tuple for m in members):
                    raise TypeError(f"a union of dataclasses and tuples cannot be told apart: {hint!r}")
                tagged.update(classes)
            for member in members:
                yield from self._classes_in(member, tagged)
        else:
            raise TypeError(f"no JSON form for the annotation {hint!r}")

    # -- writing -----------------------------------------------------------------------------

    def dumps(self, value: object) -> str:
        """JSON text of ``value``; ``TypeError`` for a class outside the allow-list, ``ValueError``
        or ``RecursionError`` for what JSON cannot hold."""
        return json.dumps(value, default=self._default, separators=(",", ":"), check_circular=False)

    def _default(self, value: object) -> object:
        cls = type(value)
        getter = self._getters.get(cls)
        if getter is not None:
            got = getter(value)
            items = list(got) if len(self._fields[cls]) > 1 else [got]
            tag = self._tags.get(cls)
            return [tag, *items] if tag is not None else items
        if cls in self._enums:
            return value.value  # type: ignore[attr-defined]
        if cls is bytes:
            return base64.b64encode(value).decode("ascii")  # type: ignore[arg-type]
        raise TypeError(f"{cls.__name__} has no place in this schema")

    # -- reading -----------------------------------------------------------------------------

    def decode(self, hint: Any, value: object) -> Any:
        """``value`` (parsed JSON) as ``hint``; ``SchemaError`` when it does not fit."""
        try:
            return self.decoder(hint)(value)
        except SchemaError:
            raise
        except (TypeError, ValueError, RecursionError, MemoryError) as exc:
            raise SchemaError(f"{type(exc).__name__}: {exc}") from None

    def decoder(self, hint: Any) -> Decode:
        found = self._decoders.get(hint)
        if found is None:
            found = self._compile(hint)
            self._decoders[hint] = found
        return found

    def _checked(self, cls: type, decode: Decode) -> Decode:
        """``decode``, followed by the class's check if it has one."""
        check = self._checks.get(cls)
        if check is None:
            return decode

        def checked(value: Any) -> Any:
            made = decode(value)
            if not check(made):
                raise SchemaError(f"not a valid {cls.__name__}")
            return made

        return checked

    def _compile(self, hint: Any) -> Decode:
        if hint in _SCALARS:
            return _scalar(hint)
        if hint is bytes:
            return _bytes
        if hint in self._enums:
            return _enum(hint)
        if hint in self._fields:
            return self._dataclass(hint)
        origin = typing.get_origin(hint)
        if origin is typing.Literal:
            return _literal(typing.get_args(hint))
        if origin is tuple:
            return self._tuple(typing.get_args(hint))
        if origin is typing.Union or origin is types.UnionType:
            return self._union(typing.get_args(hint))
        raise TypeError(f"{hint!r} is not in this codec's schema")

    def _dataclass(self, cls: type) -> Decode:
        fields = self._fields[cls]
        tag = self._tags.get(cls)
        start = 0 if tag is None else 1
        size = len(fields) + start
        exact = tuple(hint for _, hint in fields)
        if len(fields) == 1 and tag is not None:
            # One field under a tag (Const, Name, Unknown...): no list of decoders to walk.
            inner: list[Decode] = []

            def single(value: Any) -> Any:
                if type(value) is not list or len(value) != 2 or value[0] != tag:
                    raise _bad(f"{tag} (2 items)", value)
                return cls(inner[0](value[1]))

            self._decoders[cls] = found = self._checked(cls, single)  # before the field
            inner.append(self.decoder(exact[0]))
            return found
        if all(hint in _SCALARS and hint is not float for hint in exact):
            # Only plain values (most of what is stored: Span, Name, Const...): one check.
            types_ = (str, *exact) if tag is not None else exact

            def plain(value: Any) -> Any:
                if type(value) is not list or tuple(map(type, value)) != types_:
                    raise _bad(f"{cls.__name__} ({size} plain items)", value)
                if tag is not None and value[0] != tag:
                    raise SchemaError(f"expected {tag}, got {value[0]!r}")
                return cls(*value[start:])

            self._decoders[cls] = found = self._checked(cls, plain)
            return found
        decoders: list[Decode] = []

        def decode(value: Any) -> Any:
            if type(value) is not list or len(value) != size:
                raise _bad(f"{cls.__name__} ({size} items)", value)
            if tag is not None and value[0] != tag:
                raise SchemaError(f"expected {tag}, got {value[0]!r}")
            return cls(*[d(v) for d, v in zip(decoders, value[start:] if start else value)])

        self._decoders[cls] = found = self._checked(cls, decode)  # before the fields: a
        decoders.extend(self.decoder(hint) for _, hint in fields)  # class may contain itself
        return found

    def _tuple(self, args: tuple[Any, ...]) -> Decode:
        if len(args) == 2 and args[1] is Ellipsis:
            item = args[0]
            if item in _SCALARS and item is not float:

                def same(value: Any) -> Any:
                    if type(value) is not list or any(type(v) is not item for v in value):
                        raise _bad(f"a list of {item.__name__}", value)
                    return tuple(value)

                return same
            each = self.decoder(item)

            def many(value: Any) -> Any:
                if type(value) is not list:
                    raise _bad("a list", value)
                return tuple([each(v) for v in value]) if value else ()

            return many
        if all(arg in _SCALARS and arg is not float for arg in args):
            types_ = tuple(args)

            def plain(value: Any) -> Any:
                if type(value) is not list or tuple(map(type, value)) != types_:
                    raise _bad(f"a list of {len(types_)} plain values", value)
                return tuple(value)

            return plain
        decoders = [self.decoder(arg) for arg in args]

        def fixed(value: Any) -> Any:
            if type(value) is not list or len(value) != len(decoders):
                raise _bad(f"a list of {len(decoders)}", value)
            return tuple([d(v) for d, v in zip(decoders, value)])

        return fixed

    def _union(self, members: tuple[Any, ...]) -> Decode:
        optional = _NONE in members
        rest = [m for m in members if m is not _NONE]
        if len(rest) == 1:
            inner = self.decoder(rest[0])
            return lambda value: None if value is None else inner(value)
        if all(m in _SCALARS for m in rest):
            allowed = frozenset(rest) | ({int} if float in rest else set())

            def scalar(value: Any) -> Any:
                if type(value) not in allowed and not (optional and value is None):
                    raise _bad(" or ".join(sorted(t.__name__ for t in allowed)), value)
                return value

            return scalar
        by_tag = {self._tags[m]: self.decoder(m) for m in rest if m in self._tags}
        if len(by_tag) != len(rest):
            raise TypeError(f"no JSON form for the union {members!r}")

        def tagged(value: Any) -> Any:
            if value is None and optional:
                return None
            if type(value) is not list or not value:
                raise _bad("a tagged list", value)
            decode = by_tag.get(value[0]) if type(value[0]) is str else None
            if decode is None:
                raise SchemaError(f"unknown tag {str(value[0])[:40]!r}")
            return decode(value)

        return tagged


def _scalar(kind: Any) -> Decode:
    if kind is _NONE:

        def none(value: Any) -> Any:
            if value is not None:
                raise _bad("null", value)
            return None

        return none
    accepted = (int, float) if kind is float else (kind,)

    def scalar(value: Any) -> Any:
        if type(value) not in accepted:
            raise _bad(kind.__name__, value)
        return value

    return scalar


def _bytes(value: Any) -> bytes:
    if type(value) is not str:
        raise _bad("base64 text", value)
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        raise SchemaError("invalid base64") from None


def _enum(kind: Any) -> Decode:
    members = {member.value: member for member in kind}

    def decode(value: Any) -> Any:
        member = members.get(value) if type(value) in (str, int) else None
        if member is None:
            raise SchemaError(f"not a {kind.__name__}: {str(value)[:40]!r}")
        return member

    return decode


def _literal(allowed: tuple[Any, ...]) -> Decode:
    """One of a ``Literal``'s values (of the same type: ``1`` is not ``True``)."""
    choices = frozenset((type(a), a) for a in allowed)

    def literal(value: Any) -> Any:
        if (type(value), value) not in choices:
            raise _bad(f"one of {sorted(map(repr, allowed))}", value)
        return value

    return literal
