"""HTTP client libraries: one adapter module each, behind one protocol (``clients.base``).

What sends a request, what makes a session, where method, URL, headers and body go, how a base
URL meets a path, how TLS verification is turned off: the per-file extractor asks this package
when it records an HTTP call, the resolver when it works out what the call sends, the fix when it
adds a header. No module outside this package compares a library's name.

Names are fully qualified through the file's imports (``from httpx import AsyncClient as C`` makes
``C`` qualify as ``httpx.AsyncClient``), so aliases work. A new library: a module with its
``ClientLibrary``, added to ``LIBRARIES``.

May import: the leaf types. Sits below ``extract`` and ``resolve``, which both use it.
"""

from __future__ import annotations

from collections.abc import Mapping

from bolaudit.clients.aiohttp import AIOHTTP
from bolaudit.facts import LibraryName
from bolaudit.clients.base import (
    COMMON_BODY_KEYWORDS,
    COMMON_SESSION_SENDERS,
    HTTP_VERBS,
    ClientLibrary,
    SendSignature,
)
from bolaudit.clients.httpx import HTTPX
from bolaudit.clients.oauth2 import OAUTH2, TOKEN_FETCHERS
from bolaudit.clients.requests import REQUESTS
from bolaudit.clients.urllib import URLLIB
from bolaudit.clients.urllib3 import URLLIB3
from bolaudit.facts import Expr

__all__ = [
    "ClientLibrary", "HTTP_VERBS", "LibraryName", "MODULE_SENDERS", "SESSION_CONSTRUCTORS",
    "SendSignature", "TOKEN_FETCHERS", "any_session_sender", "is_sessionish", "library",
]


def _unknown_tls(kwargs: Mapping[str, Expr]) -> Expr | None:
    return kwargs.get("verify", kwargs.get("ssl", kwargs.get("verify_ssl")))


UNKNOWN = ClientLibrary(name="unknown", positional_body=False, tls_setting=_unknown_tls)
"""A receiver that looks like an HTTP client (``self.session.get(url)``) of no library we can see:
the common verbs, and every library's way of turning TLS verification off."""

LIBRARIES: tuple[ClientLibrary, ...] = (REQUESTS, HTTPX, AIOHTTP, URLLIB, URLLIB3, OAUTH2)
_BY_NAME: dict[str, ClientLibrary] = {lib.name: lib for lib in (*LIBRARIES, UNKNOWN)}

MODULE_SENDERS: dict[str, tuple[LibraryName, str | None]] = {
    qual: (lib.name, verb) for lib in LIBRARIES for qual, verb in lib.module_senders.items()
}
SESSION_CONSTRUCTORS: dict[str, LibraryName] = {
    qual: lib.name for lib in LIBRARIES for qual in lib.session_constructors
}
_ANY_SENDER = frozenset(COMMON_SESSION_SENDERS) | {m for lib in LIBRARIES for m in lib.session_senders}

MODULE_WORDS: tuple[str, ...] = tuple(sorted({q.split(".")[0] for q in (*MODULE_SENDERS, *SESSION_CONSTRUCTORS)}))
"""The top-level modules of every library (``requests``, ``urllib3``, ``authlib``...)."""

# Receiver names that make an unresolved ``x.get(url)`` worth keeping as a possible request.
SESSIONISH = ("session", "client", "http", "sess", "conn", "api", "requester", "transport")


def library(name: str) -> ClientLibrary:
    """The adapter of a library recorded in the facts; ``unknown`` for anything else."""
    return _BY_NAME.get(name, UNKNOWN)


def any_session_sender(method: str) -> bool:
    """Whether some library's session sends with a method of this name (a cheap first filter)."""
    return method in _ANY_SENDER


def is_sessionish(name: str) -> bool:
    low = name.lower()
    return any(token in low for token in SESSIONISH)


BODY_KEYWORDS = COMMON_BODY_KEYWORDS
