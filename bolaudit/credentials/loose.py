"""Credentials inside string literals, read as text: the part of the credential visitor that
scans a literal's value line by line (``credential_lines``), as the text scan reads a file.

``Sightings`` keeps what the visitor found (sightings, and the values themselves for
``credentials.scrub``, in memory only) and places each finding at its own characters: a credential
inside a longer literal gets the span of those characters (``_span_in``), one spread over several
literals the span of the whole expression.
"""

from __future__ import annotations

import libcst as cst

from bolaudit.credentials import groups as cg
from bolaudit.credentials import lines as cl
from bolaudit.catalog import credentials as cr
from bolaudit.credentials.compose import Composed
from bolaudit.extract.positions import Positions
from bolaudit.facts import CredentialKind, CredentialSighting
from bolaudit.findings import Span

_RUNS = (cr.SECRET_RUN_RE, cr.UUID_RUN_RE, cr.BASIC_RUN_RE, cr.PCT_RUN_RE)


class Sightings:
    """The sightings of one module, and the scan of literal text that finds most of them."""

    def __init__(self, positions: Positions | None = None) -> None:
        self.positions = positions
        self.sightings: list[CredentialSighting] = []
        # The values themselves, by kind, for ``scrub`` only: never stored, never in a result.
        self.found: dict[str, set[str]] = {}
        self._pairs = 0

    def _loose(self, node: cst.CSTNode, raw: str, value: str | None) -> None:
        if value is None or len(value) < 36:
            return
        seen: dict[str, int] = {}  # where to look for the next occurrence of a text in ``raw``
        spans: list[Span] = []  # the literal's own, looked up once it is needed (it can be slow)

        def whole_span() -> Span:
            if not spans:
                spans.append(self._span(node))
            return spans[0]

        def span_of(text: str) -> Span | None:
            found = self._sub_span(raw, whole_span(), text, value, seen.get(text, 0))
            if found is not None:
                seen[text] = found[1]
            return found[0] if found else None

        candidates: list[tuple[str, cl.LineCandidate]] = []  # with the text it stands for
        for line in value.split("\n"):
            found, pairs = cl.read_line(line, cl.find_matches(line))
            for p in pairs:
                id_span = span_of(line[p.id_span[0] : p.id_span[1]])
                secret_span = id_span if p.id_span == p.secret_span else span_of(
                    line[p.secret_span[0] : p.secret_span[1]]
                )
                if id_span and secret_span:
                    self._pair_sightings(p.client_id, p.secret, id_span, secret_span, p.context)
            candidates += [(line[c.start : c.end], c) for c in found]
        # Judge first: a literal full of order ids costs no position look-ups.
        verdicts = cg.judge([cg.Candidate(c.value, c.names, ref=i) for i, (_, c) in enumerate(candidates)])
        pair_ids = {n: self._new_pair() for n in sorted({v.pair for v in verdicts if v.pair})}
        for v in verdicts:
            text, c = candidates[v.ref]
            span = span_of(text)
            if span is None:
                continue
            where = "string literal" if span == whole_span() else "inside a string literal"
            name = cr.best_name(c.names)
            context = f"{cr.shown_name(name)} {where}" if cr.credential_role(name) else where
            self._add(v.kind, c.value, span, context, pair_ids.get(v.pair, ""))

    @staticmethod
    def _sub_span(raw: str, whole: Span, text: str, value: str, start: int = 0) -> tuple[Span, int] | None:
        """Where ``text`` sits in the source (verbatim only), and where to look for the next one;
        the whole literal when it is the value."""
        if text == value:
            return (whole, len(raw)) if text in raw else None
        i = raw.find(text, start)
        span = _span_in(raw, whole, i, len(text))
        return (span, i + len(text)) if span is not None else None

    def _loose_composed(self, node: cst.BaseExpression, composed: Composed) -> None:
        """``_loose`` for a string built from several literals. A value inside one literal gets
        that literal's characters; one spread over several gets the whole expression, and only
        when the expression's source shows ``CANDIDATE_BYTES`` a credential (a name, an id, a
        ``Basic``): a file the engine skips must not have held a finding."""
        value = composed.value
        memo: dict[str, object] = {}

        def whole() -> Span:
            if "span" not in memo:
                memo["span"] = self._span(node)
            found = memo["span"]
            assert isinstance(found, Span)
            return found

        def span_of(start: int, end: int) -> Span | None:
            piece = composed.piece_at(start, end)
            if piece is not None:
                raw = piece.node.value if isinstance(piece.node, (cst.SimpleString, cst.FormattedStringText)) else ""
                at = raw.find(value[piece.start : piece.end])
                if at >= 0:
                    return _span_in(raw, self._span(piece.node), at + start - piece.start, end - start)
                return None
            if "source" not in memo:
                code = cst.Module(body=[]).code_for_node(node)
                memo["source"] = cr.CANDIDATE_BYTES.search(code.encode("utf-8", "surrogatepass")) is not None
            return whole() if memo["source"] else None

        def where(span: Span) -> str:
            # The whole expression's span only when it was looked up (an expression that is not
            # one literal costs LibCST's positions for the module).
            return "string built from literals" if span == memo.get("span") else "inside a string literal"

        candidates: list[tuple[int, cl.LineCandidate]] = []
        offset = 0
        for line in value.split("\n"):
            found, pairs = cl.read_line(line, cl.find_matches(line))
            for p in pairs:
                id_span = span_of(offset + p.id_span[0], offset + p.id_span[1])
                secret_span = span_of(offset + p.secret_span[0], offset + p.secret_span[1])
                if id_span and secret_span:
                    self._pair_sightings(p.client_id, p.secret, id_span, secret_span, p.context)
            candidates += [(offset, c) for c in found]
            offset += len(line) + 1
        verdicts = cg.judge([cg.Candidate(c.value, c.names, ref=i) for i, (_, c) in enumerate(candidates)])
        pair_ids = {n: self._new_pair() for n in sorted({v.pair for v in verdicts if v.pair})}
        for v in verdicts:
            at, c = candidates[v.ref]
            span = span_of(at + c.start, at + c.end)
            if span is None:
                continue
            name = cr.best_name(c.names)
            context = f"{cr.shown_name(name)} {where(span)}" if cr.credential_role(name) else where(span)
            self._add(v.kind, c.value, span, context, pair_ids.get(v.pair, ""))

    def _pair_sightings(self, id_value: str, secret: str, id_span: Span, secret_span: Span, context: str) -> None:
        pair = self._new_pair()
        self._add(cr.CLIENT_ID, id_value, id_span, context, pair)
        self._add(cr.CLIENT_SECRET, secret, secret_span, context, pair)

    def _new_pair(self) -> str:
        self._pairs += 1
        return f"pair-{self._pairs}"

    def _add(self, kind: CredentialKind, value: str, span: Span, context: str, pair: str) -> None:
        self.found.setdefault(kind, set()).add(value)
        self.sightings.append(
            CredentialSighting(kind, cr.fingerprint(value), cr.mask(value), span, context, pair)
        )

    def _span(self, node: cst.CSTNode) -> Span:
        assert self.positions is not None, "run through positions.traverse"
        return self.positions.span(node)


def _span_in(raw: str, whole: Span, i: int, length: int) -> Span | None:
    """The span of ``raw[i:i + length]`` inside a literal whose source ``raw`` starts at ``whole``;
    None unless the detectors match the source bytes there too (CANDIDATE_BYTES sees only those:
    ``"\\x41<secret>"`` reads as a longer run there)."""
    if i < 0 or not any(m and m.end() == i + length for m in (r.match(raw, i) for r in _RUNS)):
        return None
    before = raw[:i]
    newlines = before.count("\n")
    column = whole.column + i if not newlines else i - before.rfind("\n")
    line_no = whole.line + newlines
    return Span(line_no, column, line_no, column + length)
