"""Judging values seen together: which are bol credentials, and which id goes with which secret.

A group is one call's keywords, one dict, one ``auth=`` tuple, one scope's assignments, one config
section or one ``.env`` file. Names decide most of it (``credentials.credential_role``); the weak
names ``username``/``password`` count only when the group also holds their partner, so
``{"username": <uuid>, "password": <secret>}`` is a bol pair and ``{"user": <uuid>}`` is not.
Pairs (for ``--verify-credentials``) are the one id and one secret of a group, or, when a group has
several, those whose names agree once the role words are dropped (``BOL_NL_CLIENT_ID`` with
``BOL_NL_CLIENT_SECRET``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bolaudit.facts import CredentialKind
from bolaudit.catalog.credentials import (
    CLIENT_ID,
    CLIENT_SECRET,
    UUID_RE,
    credential_role,
    is_client_id,
    is_other_vendor,
    is_secret,
    pair_key,
    weak_role,
)
from bolaudit.records import record


@record(slots=True)
class Candidate:
    """A literal value seen in a group. ``names`` are the names it is bound to (target, key,
    keyword, the env var whose default it is); ``hint`` is a role its position gives it (the halves
    of an ``auth=`` tuple); ``ref`` is the caller's handle."""

    value: str
    names: tuple[str, ...] = ()
    hint: str = ""
    ref: int = 0


@record(slots=True)
class Verdict:
    """A candidate that is a credential. ``pair`` numbers the id/secret pairs of the group (0: none)."""

    ref: int
    kind: CredentialKind
    pair: int = 0


def _roles(names: Iterable[str]) -> tuple[str | None, str | None, bool]:
    strong = weak = None
    vendor = False
    for name in names:
        vendor = vendor or is_other_vendor(name)
        strong = strong or credential_role(name)
        weak = weak or weak_role(name)
    return strong, weak, vendor


def judge(cands: Sequence[Candidate]) -> list[Verdict]:
    """Which candidates of one group are bol credentials, and which of them pair up."""
    found: list[tuple[Candidate, CredentialKind]] = []
    weak_ids: list[Candidate] = []
    weak_secrets: list[Candidate] = []
    for c in cands:
        strong, weak, vendor = _roles(c.names)
        strong = c.hint or strong
        if vendor:
            continue
        if UUID_RE.fullmatch(c.value):
            # Most UUIDs are order or offer ids: decide by the name before anything costlier.
            if strong == CLIENT_ID and is_client_id(c.value):
                found.append((c, CLIENT_ID))
            elif weak == CLIENT_ID and is_client_id(c.value):
                weak_ids.append(c)
        elif is_secret(c.value, in_context=strong == CLIENT_SECRET):
            found.append((c, CLIENT_SECRET))
        elif weak == CLIENT_SECRET and is_secret(c.value, in_context=True):
            weak_secrets.append(c)
    has_id = weak_ids or any(k == CLIENT_ID for _, k in found)
    has_secret = weak_secrets or any(k == CLIENT_SECRET for _, k in found)
    if has_id and weak_secrets:
        found += [(c, CLIENT_SECRET) for c in weak_secrets]
    if has_secret and weak_ids:
        found += [(c, CLIENT_ID) for c in weak_ids]
    return _pair(found)


def _pair(found: list[tuple[Candidate, CredentialKind]]) -> list[Verdict]:
    pairs: dict[int, int] = {}
    ids = [c for c, k in found if k == CLIENT_ID]
    secrets = [c for c, k in found if k == CLIENT_SECRET]
    if len(ids) == 1 and len(secrets) == 1:
        pairs = {ids[0].ref: 1, secrets[0].ref: 1}
    else:
        keys: dict[str, tuple[list[int], list[int]]] = {}
        for c, kind in found:
            key = min((pair_key(n) for n in c.names), default="")
            keys.setdefault(key, ([], []))[kind == CLIENT_SECRET].append(c.ref)
        number = 0
        for key in sorted(keys):
            id_refs, secret_refs = keys[key]
            if len(id_refs) == 1 and len(secret_refs) == 1:
                number += 1
                pairs.update({id_refs[0]: number, secret_refs[0]: number})
    return [Verdict(c.ref, kind, pairs.get(c.ref, 0)) for c, kind in found]
