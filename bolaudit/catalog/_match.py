"""Matching a request's method and path segments to bol's documented operations.

This is what BOL306 and ``bolaudit scopes`` stand on, so it says less rather than guess:

* A path is a sequence of segments after the host; ``None`` is a segment bolaudit could not
  resolve and stands for exactly one segment.
* A template parameter (``{order-id}``) fits any concrete segment and any unknown one. A literal
  fits only the same text, or an unknown segment - as a second choice, used only when no
  operation fits with every unknown on a parameter.
* Concrete segments follow OpenAPI's rule: a literal path wins over a templated one
  (``/retailer/retailers/kpi-scores`` is not ``{retailer-id}`` = "kpi-scores"), decided on the
  path before the method, so ``GET /retailer/offers/export`` is undocumented, not an offer id.
* Several fits that differ only in version (offers v10 and v11 share paths) are told apart by the
  media types the request sends; otherwise all are returned as candidates and none is chosen.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from ._model import Match, Operation, normalize_media_type

Segments = tuple[str | None, ...]

EXACT, PARAM, GUESS = 0, 1, 2  # how one template segment fits one given segment
_LISTED = 4  # candidates named in a reason before "and N more"


@lru_cache(maxsize=512)
def template_segments(path: str) -> tuple[str, ...]:
    """``/retailer/orders/{order-id}`` -> ``("retailer", "orders", "{order-id}")``."""
    return tuple(path.strip("/").split("/"))


def is_parameter(segment: str) -> bool:
    return segment.startswith("{") and segment.endswith("}")


def show(path: Segments) -> str:
    """A given path as the user reads it; unknown segments shown as ``{?}``."""
    return "/" + "/".join("{?}" if s is None else s for s in path)


def _fit(template: tuple[str, ...], given: Segments) -> tuple[int, ...] | None:
    """Per segment EXACT/PARAM/GUESS, or None when the template cannot be this path."""
    if len(template) != len(given):
        return None
    kinds: list[int] = []
    for want, have in zip(template, given):
        if is_parameter(want):
            if have == "":
                return None  # an empty segment is no parameter value
            kinds.append(PARAM)
        elif have is None:
            kinds.append(GUESS)
        elif have == want:
            kinds.append(EXACT)
        else:
            return None
    return tuple(kinds)


def _literal_first_key(kinds: tuple[int, ...], given: Segments) -> tuple[int, ...]:
    """Sort key for OpenAPI's "concrete paths before templated" on the concrete segments."""
    return tuple(kind for kind, have in zip(kinds, given) if have is not None)


def _choose(
    operations: Sequence[Operation], method: str | None, given: Segments
) -> tuple[list[Operation], bool, set[str]]:
    """(operations that fit, whether an unknown had to stand for a literal, methods the best
    path offers when none of them is ``method``)."""
    fits = [
        (op, kinds) for op in operations
        if (kinds := _fit(template_segments(op.path), given)) is not None
    ]
    offered: set[str] = set()
    for guessing in (False, True):
        layer = [(op, kinds) for op, kinds in fits if (GUESS in kinds) == guessing]
        if not layer:
            continue
        best = min(_literal_first_key(k, given) for _, k in layer)
        on_path = [op for op, k in layer if _literal_first_key(k, given) == best]
        hits = [op for op in on_path if method is None or op.method == method]
        if hits:
            return hits, guessing, set()
        offered |= {op.method for op in on_path}
    return [], False, offered


def literal_as_parameter(operations: Sequence[Operation], given: Segments) -> str | None:
    """``/retailer/orders/shipment`` fits ``/retailer/orders/{order-id}`` only by taking the
    fixed word ``shipment`` for an order id: say so, rather than "that path takes GET". None
    when some operation fits the path without such a stand-in."""
    said: str | None = None
    for op in operations:
        template = template_segments(op.path)
        kinds = _fit(template, given)
        if kinds is None:
            continue
        words = [(want, have) for want, have, kind in zip(template, given, kinds)
                 if kind == PARAM and have is not None and have.isalpha() and have.islower()]
        if not words:
            return None
        if said is None:
            want, have = words[0]
            said = f"`{have}` would be the {want} of {op.method} {op.path}"
    return said


def _media_set(media_types: Sequence[str]) -> frozenset[str]:
    """Accept values may list several types (``a, b;q=0.9``); compare without parameters."""
    return frozenset(
        normalize_media_type(part) for value in media_types for part in value.split(",")
        if part.strip()
    )


def _by_media(ops: list[Operation], media: frozenset[str]) -> list[Operation]:
    """Keep the operations whose documented media types include one sent (or that document
    none, so cannot be ruled out); keep them all when the media types rule out every one."""
    kept = [op for op in ops if not op.media_types or media & set(op.media_types)]
    return kept or ops


def _only_version_differs(ops: Sequence[Operation]) -> bool:
    return len({(op.method, template_segments_shape(op.path)) for op in ops}) == 1


def template_segments_shape(path: str) -> tuple[str, ...]:
    """A path with parameter names blanked: ``{return-id}`` and ``{rma-id}`` are the same slot."""
    return tuple("{}" if is_parameter(s) else s for s in template_segments(path))


def _listing(ops: Sequence[Operation]) -> str:
    named = "; ".join(op.label() for op in ops[:_LISTED])
    more = len(ops) - _LISTED
    return named + (f"; and {more} more" if more > 0 else "")


def _ambiguous_reason(
    ops: Sequence[Operation], method: str | None, given: Segments, media: frozenset[str]
) -> str:
    if _only_version_differs(ops):
        versions = " and ".join(f"{op.api} v{op.version}" for op in ops)
        types = " or ".join(sorted({t for op in ops for t in op.media_types if "vnd." in t}))
        fits_any = any(media & set(op.media_types) for op in ops)
        sent = ("no media type was given" if not media else
                f"the media type sent ({', '.join(sorted(media))}) "
                + ("does not tell them apart" if fits_any else "fits none of them"))
        return (f"{ops[0].method} {ops[0].path} exists in {versions}; the media type decides "
                f"({types}), and {sent}")
    what = f"{method} {show(given)}" if method else f"{show(given)} (method unknown)"
    return f"{len(ops)} documented operations fit {what}: {_listing(ops)}"


def match_operation(
    operations: Sequence[Operation],
    method: str | None,
    given: Segments,
    media_types: Sequence[str] = (),
) -> Match:
    """Match normalised segments (alias and trailing slash already handled) to an operation."""
    verb = method.upper() if method else None
    chosen, guessing, offered = _choose(operations, verb, given)
    if not chosen:
        word = literal_as_parameter(operations, given)
        if word is not None:
            return Match(None, (), f"{verb} {show(given)} is not documented: {word}")
        if offered:
            takes = ", ".join(sorted(offered))
            reason = f"{verb} {show(given)} is not documented; that path takes {takes}"
            return Match(None, (), reason)
        return Match(None, (), f"no documented operation has the path {show(given)}")
    media = _media_set(media_types)
    picked_by_media = False
    if len(chosen) > 1 and media:
        narrowed = _by_media(chosen, media)
        picked_by_media = len(narrowed) < len(chosen)
        chosen = narrowed
    if len(chosen) > 1:
        return Match(None, tuple(chosen), _ambiguous_reason(chosen, verb, given, media))
    op = chosen[0]
    notes: list[str] = []
    if verb is None:
        notes.append("the method is unknown; this is the only operation at this path")
    if guessing:
        notes.append("an unknown segment is taken to be the fixed text of this path")
    if picked_by_media:
        notes.append("chosen by the media type sent")
    note = other_version_note(op, media)
    if note:
        notes.append(note)
    return Match(op, (op,), f"matches {op.label()}" + (f" ({'; '.join(notes)})" if notes else ""), note)


def other_version_note(op: Operation, media: frozenset[str]) -> str:
    """The path fits ``op`` but the bol media type sent names another version
    (``application/vnd.retailer.v9+json`` to a v10 operation): still that operation, with a note."""
    if not op.media_types or media & set(op.media_types):
        return ""
    family = {m.split(".v", 1)[0] for m in op.media_types if m.startswith("application/vnd.")}
    other = sorted(m for m in media if m.startswith("application/vnd.") and m.split(".v", 1)[0] in family)
    if not other:
        return ""
    return (f"the media type sent ({', '.join(other)}) names another version than this operation's "
            f"({', '.join(sorted(set(op.media_types)))})")


@lru_cache(maxsize=4096)
def _segment_score(want: str, have: str | None) -> tuple[float, bool]:
    """(closeness, whether a literal matched or nearly matched, e.g. a typo ``order``/``orders``).
    An unknown segment sits better on a parameter than on a literal, as in matching."""
    if is_parameter(want):
        return 0.5, False
    if have is None:
        return 0.4, False
    if want == have:
        return 1.0, True
    from difflib import SequenceMatcher  # only on the unhappy path

    ratio = SequenceMatcher(None, want, have).ratio()
    return (ratio, True) if ratio >= 0.75 else (0.0, False)


def nearest_operation(
    operations: Sequence[Operation], method: str | None, given: Segments
) -> Operation | None:
    """The documented operation closest to a request, for "did you mean ...?".

    When the request fits documented operations, the first of them that is not deprecated.
    Otherwise it must share the API prefix and at least one later fixed segment (exactly or
    with a small typo); otherwise nothing is near enough and None says so. Ties prefer the same
    method, then operations that are not deprecated, then catalog order.
    """
    verb = method.upper() if method else None
    fitting, _, _ = _choose(operations, verb, given)
    if fitting:
        return sorted(fitting, key=lambda op: op.deprecated)[0]
    best: tuple[float, Operation] | None = None
    for op in operations:
        template = template_segments(op.path)
        if not given or given[0] not in (None, template[0]):
            continue
        score, anchored = 0.0, False
        for want, have in zip(template[1:], given[1:]):
            part, literal = _segment_score(want, have)
            score += part
            anchored = anchored or literal
        if not anchored:
            continue
        score -= 0.75 * abs(len(template) - len(given))
        score += (0.25 if op.method == verb else 0.0) + (0.0 if op.deprecated else 0.01)
        if best is None or score > best[0]:
            best = (score, op)
    return best[1] if best else None
