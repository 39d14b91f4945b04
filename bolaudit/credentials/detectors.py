"""The detect-secrets adapter: bol detectors as detect-secrets plugins.

The only module that imports detect-secrets. The three detectors are ordinary
``RegexBasedDetector`` plugins (their ``secret_type`` is permanent: baselines key on it), so
detect-secrets can load this file with ``--plugin``; ``analyze_string`` keeps what our context
rules accept, so a plugin run alone does not report every order id. Their patterns are
``credentials.textscan.PATTERNS``, which bolaudit's own text scan runs without importing
detect-secrets (see there).
"""

from __future__ import annotations

import re
from collections.abc import Generator, Iterable
from functools import cache
from typing import Any

from detect_secrets.plugins.base import RegexBasedDetector

from bolaudit.credentials import groups as cg
from bolaudit.credentials import lines as cl
from bolaudit.catalog import credentials as cr
from bolaudit.credentials.textscan import PATTERNS


class BolClientSecretDetector(RegexBasedDetector):
    """A bol.com client secret: 64 characters with bol's punctuation, or 86-87 of base64url."""

    secret_type = "bol client secret"
    denylist = PATTERNS[secret_type]

    def analyze_string(self, string: str, **kwargs: Any) -> Generator[str, None, None]:
        yield from _accepted(string, self.denylist, cr.CLIENT_SECRET)


class BolClientIdDetector(RegexBasedDetector):
    """A bol.com client id: a UUID in a credential context (never an order or offer id)."""

    secret_type = "bol client id"
    denylist = PATTERNS[secret_type]

    def analyze_string(self, string: str, **kwargs: Any) -> Generator[str, None, None]:
        yield from _accepted(string, self.denylist, cr.CLIENT_ID)


class BolBasicAuthDetector(RegexBasedDetector):
    """A ready ``Basic`` header (or bare base64) whose decoded form is ``client_id:client_secret``."""

    secret_type = "bol basic auth header"
    denylist = PATTERNS[secret_type]

    def analyze_string(self, string: str, **kwargs: Any) -> Generator[str, None, None]:
        pairs = cl.read_line(string, cl.find_matches(string))[1]
        for p in pairs:
            if p.id_span == p.secret_span:
                yield string[p.id_span[0] : p.id_span[1]]


def _accepted(line: str, denylist: Iterable[re.Pattern[str]], kind: str) -> Iterable[str]:
    candidates, pairs = cl.read_line(line, cl.find_matches(line))
    spans = {r.span() for regex in denylist for r in regex.finditer(line)}
    for p in pairs:
        span = p.id_span if kind == cr.CLIENT_ID else p.secret_span
        if span in spans:
            yield line[span[0] : span[1]]
    refs = [cg.Candidate(c.value, c.names, ref=i) for i, c in enumerate(candidates)]
    for v in cg.judge(refs):
        c = candidates[v.ref]
        if v.kind == kind and (c.start, c.end) in spans:
            yield c.value


@cache
def plugins() -> tuple[RegexBasedDetector, ...]:
    return (BolClientSecretDetector(), BolClientIdDetector(), BolBasicAuthDetector())


