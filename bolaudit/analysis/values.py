"""Resolved values: what the project stage knows about a string, a header dict or an object.

A resolved string is a tuple of known text and ``Hole``s (parts bolaudit could not know, with the
reason). Header dicts map lower-cased names to resolved strings and say whether unknown entries
may exist (``open``): an unknown header dict is unknown, not empty. Objects are what a receiver
or callee turns out to be: a session, an instance of a project class, a module, a function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit


@dataclass(frozen=True, slots=True)
class Hole:
    reason: str


Part = str | Hole


@dataclass(frozen=True, slots=True)
class SVal:
    parts: tuple[Part, ...]

    @staticmethod
    def of(text: str) -> SVal:
        return SVal((text,))

    @staticmethod
    def hole(reason: str) -> SVal:
        return SVal((Hole(reason),))

    @property
    def known(self) -> str | None:
        if all(isinstance(p, str) for p in self.parts):
            return "".join(p for p in self.parts if isinstance(p, str))
        return None

    def holes(self) -> tuple[Hole, ...]:
        return tuple(p for p in self.parts if isinstance(p, Hole))

    def __add__(self, other: SVal) -> SVal:
        parts: list[Part] = list(self.parts)
        for p in other.parts:
            if parts and isinstance(p, str) and isinstance(parts[-1], str):
                parts[-1] = parts[-1] + p
            else:
                parts.append(p)
        return SVal(tuple(x for x in parts if x != ""))

    def text(self, hole: str = "{?}") -> str:
        """For messages: holes shown as ``{?}``."""
        return "".join(p if isinstance(p, str) else hole for p in self.parts)

    def prefix(self) -> str:
        """Known text before the first hole."""
        out = []
        for p in self.parts:
            if isinstance(p, Hole):
                break
            out.append(p)
        return "".join(out)


@dataclass(frozen=True, slots=True)
class Url:
    """A resolved URL split for matching: scheme and host known or None; path as segments."""

    scheme: str | None
    host: str | None
    segments: tuple[str | None, ...] | None  # None segment = unknown; None tuple = path unknown
    query: str | None
    raw: SVal

    @property
    def path_text(self) -> str:
        if self.segments is None:
            return "{?}"
        return "/" + "/".join("{?}" if s is None else s for s in self.segments)


HOLE_MARK = "\x00"


def split_url(value: SVal) -> Url:
    """Split a resolved URL. A hole inside a path segment makes that segment unknown; a hole in
    the scheme/host makes the host unknown; a trailing hole stands for one more segment at most."""
    text = "".join(p if isinstance(p, str) else HOLE_MARK for p in value.parts)
    if not text.startswith(("http://", "https://")):
        if text.startswith(HOLE_MARK) or not text.startswith("/"):
            return Url(None, None, None, None, value)
        return Url(None, None, _segments(text.split("?", 1)[0]), _query(text), value)
    parts = urlsplit(text.replace(HOLE_MARK, "%00"))
    host = parts.hostname
    if host is not None and "%00" in host:
        host = None
    path = parts.path.replace("%00", HOLE_MARK)
    query = parts.query.replace("%00", HOLE_MARK) if parts.query else None
    return Url(parts.scheme, host, _segments(path), query, value)


def _segments(path: str) -> tuple[str | None, ...]:
    segs = [s for s in path.split("/")]
    if segs and segs[0] == "":
        segs = segs[1:]
    if segs and segs[-1] == "":
        segs = segs[:-1]
    return tuple(None if HOLE_MARK in s else s for s in segs)


def _query(text: str) -> str | None:
    return text.split("?", 1)[1] if "?" in text else None


@dataclass(frozen=True, slots=True)
class DVal:
    """A resolved header dict: lower-cased name -> (name as written, value)."""

    entries: tuple[tuple[str, str, SVal], ...] = ()
    open: bool = False  # unknown entries may exist
    why_open: str = ""

    def get(self, name: str) -> SVal | None:
        low = name.lower()
        for key, _, value in reversed(self.entries):
            if key == low:
                return value
        return None

    def merged(self, other: DVal) -> DVal:
        keys = {k for k, _, _ in other.entries}
        kept = tuple(e for e in self.entries if e[0] not in keys)
        return DVal(
            kept + other.entries,
            self.open or other.open,
            self.why_open or other.why_open,
        )

    @staticmethod
    def unknown(reason: str) -> DVal:
        return DVal((), True, reason)


@dataclass(frozen=True, slots=True)
class Obj:
    """What an expression denotes when it is not a plain value.

    ``kind``: ``session`` (ref = (path, constructor call id)), ``instance`` (ref = (path, class
    qualname)), ``class``, ``function`` (ref = (path, qualname)), ``module`` (ref = (path, "")),
    ``external`` (``name`` = qualified name outside the project, e.g. ``requests.Session``).
    """

    kind: str
    path: str = ""
    name: str = ""
    library: str = ""
    extra: tuple[str, ...] = field(default=())
