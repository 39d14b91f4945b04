"""``@record`` makes what ``@dataclass(frozen=True, ...)`` makes: each case below is built both
ways and the two classes are compared on what code and pickling see."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
import pkgutil
from dataclasses import FrozenInstanceError, InitVar, dataclass, field
from typing import Any

import pytest

import bolaudit
from bolaudit.records import record

OPTIONS: list[dict[str, bool]] = [{}, {"slots": True}, {"order": True}, {"slots": True, "order": True},
                                  {"eq": False}, {"eq": False, "repr": False}]


def _both(body: Any, **options: bool) -> tuple[type[Any], type[Any]]:
    """The class ``body`` makes, once as a frozen dataclass and once as a record."""
    return dataclass(frozen=True, **options)(body()), record(**options)(body())


def _plain() -> type[Any]:
    class Order:
        """An order line."""

        order_id: str
        quantity: int = 1
        tags: tuple[str, ...] = field(default_factory=tuple)
        note: str = field(default="", compare=False)
        secret: str = field(default="x", repr=False)
        hashed_only: int = field(default=0, compare=False, hash=True)
    return Order


def _undocumented() -> type[Any]:
    class Shipment:
        ean: str
        carrier: str = "TNT"
    return Shipment


def _no_fields() -> type[Any]:
    class Empty:
        """Nothing."""
    return Empty


def _post_init() -> type[Any]:
    class Ctx:
        """Computes its hash once."""

        path: str
        depth: int = field(default=0, compare=False)
        computed: int = field(default=0, init=False)

        def __post_init__(self) -> None:
            object.__setattr__(self, "computed", len(self.path))
    return Ctx


def _keyword_only() -> type[Any]:
    class Page:
        """Keyword-only fields."""

        path: str
        size: int = field(default=50, kw_only=True)
    return Page


def _own_methods() -> type[Any]:
    class Named:
        """Defines its own equality (so Python sets ``__hash__ = None``) and repr."""

        name: str

        def __eq__(self, other: object) -> bool:
            return isinstance(other, Named) and other.name.lower() == self.name.lower()

        def __repr__(self) -> str:
            return f"<{self.name}>"
    return Named


def _own_hash() -> type[Any]:
    class Hashed:
        """Defines its own hash."""

        name: str
        depth: int = 0

        def __hash__(self) -> int:
            return 7
    return Hashed


BODIES = [_plain, _undocumented, _no_fields, _post_init, _keyword_only, _own_methods, _own_hash]
SAMPLES: dict[Any, list[tuple[tuple[Any, ...], dict[str, Any]]]] = {
    _plain: [(("A1",), {}), (("A1", 2), {"tags": ("x",)}), (("A1",), {"note": "other", "hashed_only": 3}),
             (("B2", 1, ("y", "z"), "n", "s", 4), {})],
    _undocumented: [(("871",), {}), (("871", "DHL"), {}), (("999",), {"carrier": "TNT"})],
    _no_fields: [((), {}), ((), {})],
    _post_init: [(("a.py",), {}), (("a.py", 3), {}), (("bc.py",), {})],
    _keyword_only: [(("/orders",), {}), (("/orders",), {"size": 10})],
    _own_methods: [(("Bol",), {}), (("BOL",), {}), (("x",), {})],
    _own_hash: [(("a",), {}), (("a", 1), {}), (("b",), {})],
}


def _view(cls: type[Any], value: Any) -> Any:
    """What code can observe of ``value``, without the class's own name in it."""
    return {f.name: getattr(value, f.name) for f in dataclasses.fields(cls)}


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: ",".join(o) or "default")
@pytest.mark.parametrize("body", BODIES, ids=lambda b: b.__name__.strip("_"))
def test_a_record_behaves_as_a_frozen_dataclass(body: Any, options: dict[str, bool]) -> None:
    if options.get("order") and body in (_own_methods,):
        pytest.skip("ordering by fields next to an equality of its own is not a case we have")
    stdlib, ours = _both(body, **options)
    assert [(f.name, f.default, f.init, f.repr, f.compare, f.hash, f.kw_only) for f in dataclasses.fields(ours)] == \
        [(f.name, f.default, f.init, f.repr, f.compare, f.hash, f.kw_only) for f in dataclasses.fields(stdlib)]
    assert str(inspect.signature(ours)) == str(inspect.signature(stdlib))
    assert ours.__match_args__ == stdlib.__match_args__
    assert ours.__doc__ == stdlib.__doc__
    assert dataclasses.is_dataclass(ours) and ours.__dataclass_params__.frozen
    assert hasattr(ours, "__slots__") == hasattr(stdlib, "__slots__")
    assert (ours.__hash__ is None) == (stdlib.__hash__ is None)
    made = [(stdlib(*args, **kwargs), ours(*args, **kwargs)) for args, kwargs in SAMPLES[body]]
    for s, o in made:
        assert _view(ours, o) == _view(stdlib, s)
        if options.get("repr", True):
            assert repr(o).replace(ours.__qualname__, "X") == repr(s).replace(stdlib.__qualname__, "X")
        with pytest.raises(FrozenInstanceError):
            o.__setattr__(dataclasses.fields(ours)[0].name if dataclasses.fields(ours) else "x", 1)
        with pytest.raises(FrozenInstanceError):
            delattr(o, "anything")
        back = copy.deepcopy(o)  # what pickling does, without looking the local class up by name
        assert _view(ours, back) == _view(ours, o)
        assert (back == o) == (copy.deepcopy(s) == s)
        if ours.__hash__ is not None and options.get("eq", True) and "__hash__" not in vars(body()):
            assert hash(o) == hash(s)
        if dataclasses.fields(ours) and dataclasses.fields(ours)[0].init:
            first = dataclasses.fields(ours)[0].name
            changed = dataclasses.replace(o, **{first: getattr(o, first)})
            assert _view(ours, changed) == _view(ours, o)
    for s1, o1 in made:
        for s2, o2 in made:
            assert (o1 == o2) == (s1 == s2)
            assert (o1 != o2) == (s1 != s2)
            if ours.__hash__ is not None:
                assert (hash(o1) == hash(o2)) == (hash(s1) == hash(s2))
            if options.get("order"):
                for op in ("__lt__", "__le__", "__gt__", "__ge__"):
                    assert getattr(o1, op)(o2) == getattr(s1, op)(s2)
    if made:
        assert made[0][1].__eq__(object()) == made[0][0].__eq__(object())


def test_init_var_fields_are_refused() -> None:
    class Bad:
        """Has an InitVar."""

        name: str
        seed: InitVar[int] = 0

    with pytest.raises(TypeError, match="InitVar"):
        record(Bad)


def test_a_record_cannot_define_its_own_setattr() -> None:
    class Bad:
        """Would not be frozen."""

        name: str

        def __setattr__(self, name: str, value: Any) -> None:
            pass

    with pytest.raises(TypeError, match="__setattr__"):
        record(Bad)


def test_every_record_class_in_bolaudit_is_frozen_and_constructible_by_its_fields() -> None:
    """Every class bolaudit makes with ``@record`` has the ``__init__`` its fields describe."""
    seen = 0
    for info in pkgutil.walk_packages(bolaudit.__path__, "bolaudit."):
        module = __import__(info.name, fromlist=["_"])
        for value in vars(module).values():
            if not (isinstance(value, type) and value.__module__ == info.name and dataclasses.is_dataclass(value)):
                continue
            if not value.__dataclass_params__.frozen:
                continue
            seen += 1
            expected = [f.name for f in dataclasses.fields(value) if f.init]
            assert list(inspect.signature(value).parameters) == expected, value
            for method in ("__init__", "__repr__", "__eq__"):
                if method in vars(value):  # a method of the class's own keeps its name
                    assert getattr(value, method).__qualname__ == f"{value.__qualname__}.{method}", value
    assert seen > 100


def test_records_cross_process_boundaries() -> None:
    """Pool workers send facts back pickled: slotted and plain records, with factories and a
    hash computed once, come back equal."""
    from bolaudit.facts import Import
    from bolaudit.findings import Span
    from bolaudit.resolve.contexts import Ctx

    span = Span(3, 4, 3, 20)
    values: list[Any] = [span, Import("requests", "requests", None, span), Ctx("bol/api.py", "Client.get", depth=2)]
    for value in values:
        back = pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
        assert back == value and hash(back) == hash(value) and repr(back) == repr(value)
    assert pickle.loads(pickle.dumps(values[2])).depth == 2
