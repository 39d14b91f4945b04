"""Resolved values: what the project stage knows about a string, a header dict or an object.

A resolved string is a tuple of known text and ``Hole``s (parts bolaudit could not know, with the
reason; ``param`` names the function, as ``path::qualname``, whose parameter no call site has
bound yet: following that function's callers may fill the hole). Header dicts map lower-cased names to resolved strings and say
whether unknown entries may exist (``open``): an unknown header dict is unknown, not empty.
Objects are what a receiver or callee turns out to be: a session, an instance of a project class,
a module, a function, or ``unknown`` when it cannot be known (so that "no session defaults" is
never confused with "session defaults we cannot see").
"""

from __future__ import annotations

from dataclasses import field
from urllib.parse import urlsplit

from bolaudit.records import record


@record(slots=True)
class Hole:
    reason: str
    param: str = ""  # "path::qualname" of the function whose unbound parameter left it


Part = str | Hole


@record(slots=True)
class SVal:
    parts: tuple[Part, ...]

    @staticmethod
    def of(text: str) -> SVal:
        return SVal((text,) if text else ())

    @staticmethod
    def hole(reason: str, param: str = "") -> SVal:
        return SVal((Hole(reason, param),))

    @property
    def known(self) -> str | None:
        if all(isinstance(p, str) for p in self.parts):
            return "".join(p for p in self.parts if isinstance(p, str))
        return None

    def holes(self) -> tuple[Hole, ...]:
        return tuple(p for p in self.parts if isinstance(p, Hole))

    def waits_on(self, func: str) -> bool:
        """Whether a parameter of ``func`` (``path::qualname``) leaves part of the value open."""
        return any(isinstance(p, Hole) and p.param == func for p in self.parts)

    def param_of(self) -> str:
        """The function whose unbound parameter leaves part of the value open, or ""."""
        return next((p.param for p in self.parts if isinstance(p, Hole) and p.param), "")

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


@record(slots=True)
class Url:
    """A resolved URL split for matching.

    ``segments`` are the path segments after the host, ``None`` for one segment that is not known
    (a hole inside or as a segment: an id, a value read at run time); ``segments`` None when
    nothing of the path is known. ``open_tail`` says the path may go on after the known segments
    with any number of unknown ones (``BASE + path`` with ``path`` unknown): such a path is never
    matched to an operation. ``query`` is the query string (holes as ``\\x00``).
    """

    scheme: str | None
    host: str | None
    segments: tuple[str | None, ...] | None
    query: str | None
    raw: SVal
    open_tail: bool = False

    @property
    def path_text(self) -> str:
        if self.segments is None:
            return "/{…}"
        shown = "/" + "/".join("{?}" if s is None else s for s in self.segments)
        if self.open_tail:
            shown = shown.rstrip("/") + "{…}"
        return shown

    @property
    def closed(self) -> bool:
        """Whether the path's shape (its number of segments) is known."""
        return self.segments is not None and not self.open_tail

    def tail_hole(self) -> Hole | None:
        """The hole that leaves the path open or unknown, for messages."""
        holes = self.raw.holes()
        return holes[-1] if holes and (self.open_tail or self.segments is None) else None


HOLE_MARK = "\x00"
# A hole glued to text that ends like this is part of the same segment ("order-{id}"), not the
# start of more path ("retailer" + path).
_IN_SEGMENT_ENDINGS = ("-", "_", "=", ":", ".", ",", "~", "+", "@")


def split_url(value: SVal) -> Url:
    """Split a resolved URL into scheme, host, path segments and query.

    A hole after ``/`` (or inside a segment) is one unknown segment; a hole glued to the end of a
    word (``https://api.bol.com/retailer`` + path) or right after the host opens the path's tail.
    A hole in the scheme or host leaves the host unknown.
    """
    text = "".join(p if isinstance(p, str) else HOLE_MARK for p in value.parts)
    if text.startswith(("http://", "https://")):
        scheme, rest = text.split("://", 1)
        cut = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
        netloc, tail = rest[:cut], rest[cut:]
        open_after_host = False
        if HOLE_MARK in netloc:
            before = netloc.split(HOLE_MARK, 1)[0]
            if not before or "." not in before or before.endswith((".", "-", "@", ":")):
                return Url(scheme, None, None, None, value)
            netloc, open_after_host = before, True
        host = urlsplit(f"{scheme}://{netloc}").hostname
        if open_after_host:
            return Url(scheme, host, (), None, value, open_tail=True)
        segments, query, open_tail = _path(tail)
        return Url(scheme, host, segments, query, value, open_tail)
    if text.startswith("/") and not text.startswith("//"):
        segments, query, open_tail = _path(text)
        return Url(None, None, segments, query, value, open_tail)
    return Url(None, None, None, None, value)


def _path(text: str) -> tuple[tuple[str | None, ...], str | None, bool]:
    path, _, query = text.split("#", 1)[0].partition("?")
    segs = path.split("/")
    if segs and segs[0] == "":
        segs = segs[1:]
    for i, seg in enumerate(segs):
        word = seg.split(HOLE_MARK, 1)[0]
        glued = (word and not word.endswith(_IN_SEGMENT_ENDINGS)) or HOLE_MARK * 2 in seg
        if HOLE_MARK in seg and glued:
            # "retailer" + path: the unknown part most likely starts with "/", so the number of
            # segments from here on is not known.
            kept = [*segs[:i], word] if word else segs[:i]
            return tuple(None if HOLE_MARK in s else s for s in kept), query or None, True
    if segs and segs[-1] == "":
        segs = segs[:-1]
    return tuple(None if HOLE_MARK in s else s for s in segs), (query or None), False


@record(slots=True)
class DVal:
    """A resolved header dict: lower-cased name -> (name as written, value).

    ``open``: entries bolaudit cannot see may exist (``why_open`` says why); ``param`` names the
    function (``path::qualname``) whose unbound parameter is the reason, if it is one.
    """

    entries: tuple[tuple[str, str, SVal], ...] = ()
    open: bool = False
    why_open: str = ""
    param: str = ""

    def get(self, name: str) -> SVal | None:
        low = name.lower()
        for key, _, value in reversed(self.entries):
            if key == low:
                return value
        return None

    def names(self) -> tuple[str, ...]:
        return tuple(k for k, _, _ in self.entries)

    def merged(self, other: DVal) -> DVal:
        """``{**self, **other}``: other's entries win. (Unknown entries of an open ``other``
        could in theory replace ours too; that is not assumed.)"""
        keys = {k for k, _, _ in other.entries}
        kept = tuple(e for e in self.entries if e[0] not in keys)
        return DVal(
            kept + other.entries,
            self.open or other.open,
            other.why_open or self.why_open,
            self.param or other.param,
        )

    def certainly_lacks(self, name: str) -> bool:
        return not self.open and self.get(name) is None

    def as_dict(self) -> dict[str, str]:
        """For listings and tests: lower-cased name -> value with holes as ``{?}``."""
        return {k: v.text() for k, _, v in self.entries}

    @staticmethod
    def unknown(reason: str, param: str = "") -> DVal:
        return DVal((), True, reason, param)


@record(slots=True)
class Obj:
    """What an expression denotes when it is not a plain value.

    ``kind``: ``session`` (ref = (path, constructor call id)), ``instance`` (ref = (path, class
    qualname)), ``class``, ``function`` (ref = (path, qualname)), ``module`` (ref = (path, "")),
    ``external`` (``name`` = qualified name outside the project, e.g. ``requests.Session``),
    ``unknown`` (``name`` says why: an unbound parameter, a value read at run time; ``extra`` holds
    the ``path::qualname`` of the function whose parameter it is, if it is one).
    """

    kind: str
    path: str = ""
    name: str = ""
    library: str = ""
    extra: tuple[str, ...] = field(default=())


def combine(alternatives: list[DVal]) -> DVal:
    """One header dict that is only as certain as all the alternatives: a header they all set to
    the same value is known; set to different values, its value is a hole; set by some only, the
    dict is open (it may or may not be sent)."""
    if not alternatives:
        return DVal.unknown("no possible header values")
    if len(alternatives) == 1:
        return alternatives[0]
    open_ = any(a.open for a in alternatives)
    why = next((a.why_open for a in alternatives if a.why_open), "")
    order: list[tuple[str, str]] = []
    for a in alternatives:
        for key, written, _ in a.entries:
            if all(k != key for k, _ in order):
                order.append((key, written))
    entries: list[tuple[str, str, SVal]] = []
    for key, written in order:
        values = [a.get(key) for a in alternatives]
        present = [v for v in values if v is not None]
        if len(present) < len(values):
            open_ = True
            why = why or f"{written} is sent on some paths only"
        elif all(v == present[0] for v in present):
            entries.append((key, written, present[0]))
        else:
            entries.append((key, written, SVal.hole(f"{written} has one of several values")))
    return DVal(tuple(entries), open_, why, next((a.param for a in alternatives if a.param), ""))
