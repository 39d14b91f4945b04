"""Is a leaked bol credential live? Ask bol's token service, once per id/secret pair, only when asked.

``bolaudit check --verify-credentials`` makes a client-credentials token request (exactly as an
integration would: ``token_fetch.fetch_client_credentials``) for each distinct id/secret pair
whose secret BOL101 reports. A secret's pair is its partner in the same literal, call or section
(``CredentialSighting.pair``); else the one client id in the same file; else the one client id in
the same app. Never a guess: a secret with no or several candidate ids is "unverified".

Facts hold no credential, so the values are read back from the files at the sightings' spans
(``credential_readback``) and checked against the sightings' SHA-256 fingerprints; they live in
memory for the request only, are never cached, logged or part of any result (``repr=False``).
A file reached through a symlink that leaves the project is never read back (``Unreadable``): a
repository could link ``~/.aws/credentials``-like files of the machine it is audited on.
Requests are bounded: at most ``MAX_REQUESTS`` per run (``RequestBudget``), one per distinct pair
however many files repeat it, a timeout each, a 429 honoured by the fetch layer, and none at all
after the token service rate-limits or cannot be reached.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bolaudit.catalog import credentials as cr
from bolaudit.credentials.readback import read_back_all
from bolaudit.credentials.apps import AppMap
from bolaudit.facts import CredentialSighting, ModuleFacts
from bolaudit.findings import Span
from bolaudit.records import record

MAX_REQUESTS = 10
DEFAULT_TIMEOUT = 10.0
_MAX_NAME = 60



@record(slots=True)
class Unreadable:
    """Why a file's text is not read back (e.g. a symlink that leaves the project)."""

    reason: str


Read = Callable[[str], "str | Unreadable | None"]
"""The text of a file as the per-file stage saw it (root-relative path), or None / why not."""


@record(slots=True)
class Place:
    path: str
    span: Span


@record(slots=True)
class PairRef:
    """Where a secret's client id is (no values, only places and fingerprints)."""

    client_id: Place
    id_fingerprint: str
    secret: Place
    secret_fingerprint: str

    @property
    def key(self) -> tuple[str, str]:
        return (self.id_fingerprint, self.secret_fingerprint)


@record(slots=True)
class Verification:
    """``status``: ``live``, ``rejected`` or ``unverified`` (``reason`` says why)."""

    status: str
    reason: str = ""
    client_name: str | None = None
    seller_id: str | None = None

    def text(self) -> str:
        if self.status == "live":
            who = [f"credentials '{self.client_name}'"] if self.client_name else []
            who += [f"seller {self.seller_id}"] if self.seller_id else []
            said = f" ({', '.join(who)})" if who else ""
            return f"verified live{said}: rotate them in the seller dashboard now"
        if self.status == "rejected":
            return "rejected by bol's token service (no longer live; remove it all the same)"
        return f"unverified ({self.reason})"

    def properties(self) -> tuple[tuple[str, str], ...]:
        props = [("verification", self.status)]
        props += [("verification_reason", self.reason)] if self.reason else []
        props += [("client_name", self.client_name)] if self.client_name else []
        props += [("seller_id", self.seller_id)] if self.seller_id else []
        return tuple(props)


@dataclass
class Summary:
    requests: int = 0
    pairs: int = 0
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


# -- which id goes with which secret


def pair_secrets(modules: Mapping[str, ModuleFacts], apps: AppMap) -> dict[Place, PairRef | str]:
    """For every client-secret sighting: its pair, or why it has none."""
    ids_by_app: dict[str, list[tuple[str, CredentialSighting]]] = {}
    for path, facts in modules.items():
        for s in facts.sightings:
            app = apps.app_at(path, s.span.line)
            if s.kind == cr.CLIENT_ID and app is not None:
                ids_by_app.setdefault(app.key, []).append((path, s))
    out: dict[Place, PairRef | str] = {}
    for path, facts in sorted(modules.items()):
        ids = [s for s in facts.sightings if s.kind == cr.CLIENT_ID]
        for s in facts.sightings:
            if s.kind != cr.CLIENT_SECRET:
                continue
            place = Place(path, s.span)
            partner = next((i for i in ids if s.pair and i.pair == s.pair), None)
            where = path
            if partner is None:
                partner, why = _only(ids)
                if partner is None:
                    app = apps.app_at(path, s.span.line)
                    in_app = ids_by_app.get(app.key, []) if app is not None else []
                    found, why = _only([i for _, i in in_app])
                    if found is not None:
                        partner = found
                        where = next(p for p, i in in_app if i is found)
                if partner is None:
                    out[place] = why
                    continue
            out[place] = PairRef(Place(where, partner.span), partner.fingerprint, place, s.fingerprint)
    return out


def _only(ids: Sequence[CredentialSighting]) -> tuple[CredentialSighting | None, str]:
    distinct = {i.fingerprint for i in ids}
    if len(distinct) == 1:
        return ids[0], ""
    if not distinct:
        return None, "no client id found with it in its file or app"
    return None, "several client ids found with it; cannot tell which is its own"


# -- reading the values back


def value_at(text: str, span: Span, kind: str, fingerprint: str) -> str | None:
    """The credential at ``span`` of ``text``, when its SHA-256 is ``fingerprint``."""
    lines = text.split("\n")
    if not (1 <= span.line <= span.end_line <= len(lines)):
        return None
    if span.line == span.end_line:
        segment = lines[span.line - 1][span.column - 1 : span.end_column - 1]
    else:
        middle = lines[span.line : span.end_line - 1]
        segment = "\n".join([lines[span.line - 1][span.column - 1 :], *middle,
                             lines[span.end_line - 1][: span.end_column - 1]])
    for candidate in (segment, segment.replace("\\/", "/"), segment.replace('\\"', '"')):
        for value in read_back_all(candidate, kind):
            if cr.fingerprint(value) == fingerprint:
                return value
    return None


# -- asking bol


def verify(
    places: Iterable[Place],
    pairs: Mapping[Place, PairRef | str],
    read: Read,
    *,
    token_url: str,
    timeout: float = DEFAULT_TIMEOUT,
    limit: int = MAX_REQUESTS,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[dict[Place, Verification], Summary]:
    """A verification for each place (a BOL101 secret), asking once per distinct pair."""
    from bolaudit.tokens.service import FetchLive, FetchRejected, RequestBudget, fetch_client_credentials
    from bolaudit.tokens.jwt import TokenError

    budget = RequestBudget(limit)
    summary = Summary()
    by_pair: dict[tuple[str, str], Verification] = {}
    stopped = ""
    out: dict[Place, Verification] = {}
    for place in places:
        ref = pairs.get(place)
        if not isinstance(ref, PairRef):
            out[place] = Verification("unverified", ref or "not a client secret sighting")
            continue
        if ref.key in by_pair:
            out[place] = by_pair[ref.key]
            continue
        summary.pairs += 1
        values = _values(ref, read)
        if isinstance(values, str):
            result = Verification("unverified", values)
        elif stopped:
            result = Verification("unverified", f"not asked: {stopped}")
        elif budget.remaining == 0:
            result = Verification("unverified", f"not asked: at most {limit} token requests per run")
        else:
            try:
                outcome = fetch_client_credentials(values[0], values[1], token_url, timeout=timeout,
                                                   budget=budget, sleep=sleep)
            except TokenError as error:
                result = Verification("unverified", str(error))
            else:
                summary.notes.extend(outcome.notes)
                if isinstance(outcome, FetchLive):
                    d = outcome.decoded
                    result = Verification("live", client_name=_clean(d.client_name), seller_id=_clean(d.seller_id))
                elif isinstance(outcome, FetchRejected):
                    result = Verification("rejected")
                else:
                    result = Verification("unverified", outcome.reason)
                    if outcome.status is None or outcome.status == 429 or outcome.status >= 500:
                        stopped = "the token service did not answer an earlier request"
        del values
        by_pair[ref.key] = out[place] = result
        summary.counts[result.status] = summary.counts.get(result.status, 0) + 1
    summary.requests = budget.used
    return out, summary


def _values(ref: PairRef, read: Read) -> tuple[str, str] | str:
    """The id and secret, or why they could not be had."""
    id_text, secret_text = read(ref.client_id.path), read(ref.secret.path)
    for text in (id_text, secret_text):
        if isinstance(text, Unreadable):
            return text.reason
    if id_text is None or secret_text is None:
        return _UNREAD
    assert isinstance(id_text, str) and isinstance(secret_text, str)
    client_id = value_at(id_text, ref.client_id.span, cr.CLIENT_ID, ref.id_fingerprint)
    secret = value_at(secret_text, ref.secret.span, cr.CLIENT_SECRET, ref.secret_fingerprint)
    return (client_id, secret) if client_id and secret else _UNREAD


_UNREAD = "could not read the credential back from the file"


def _clean(value: str | None) -> str | None:
    """A claim as a message may show it: printable, one line, short (a seller picks the name)."""
    if not value:
        return None
    text = "".join(c if c.isprintable() else " " for c in value).strip().replace("'", "’")
    return text if len(text) <= _MAX_NAME else text[: _MAX_NAME - 1] + "…"
