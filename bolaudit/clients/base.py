"""The one protocol every HTTP client adapter fills in: what one library does differently.

An adapter is a ``ClientLibrary``: plain data plus two small functions, one per library module
(``requests``, ``httpx``, ``aiohttp``, ``urllib``, ``urllib3``, ``oauth2``). Everything else in
bolaudit asks the adapter (``clients.library(name)``) instead of comparing library names, so a new
client is one new module here and one line in ``clients/__init__``.

May import: the leaf types. Nothing else of bolaudit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import field
from typing import Literal

from bolaudit.facts import CallExpr, Const, Expr, LibraryName
from bolaudit.records import record

BaseJoin = Literal["append", "urljoin"]

HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options")
VERB_SENDERS: dict[str, str | None] = {v: v.upper() for v in HTTP_VERBS}
"""Session methods named after a verb send that verb; ``request``/``stream`` take it as argument."""
COMMON_SESSION_SENDERS: dict[str, str | None] = {**VERB_SENDERS, "request": None, "stream": None}
COMMON_BODY_KEYWORDS = ("json", "data", "content", "files")


@record(slots=True)
class SendSignature:
    """Where a sender takes its arguments: positions of method and url, and keyword names."""

    method_pos: int | None  # position of the method argument, None when fixed by the name
    url_pos: int
    url_keyword: str = "url"
    method_keyword: str = "method"
    headers_pos: int | None = None
    data_pos: int | None = None


def _default_signature(name: str, method_from_args: bool) -> SendSignature:
    return SendSignature(0, 1) if method_from_args else SendSignature(None, 0)


def _verify_keyword(kwargs: Mapping[str, Expr]) -> Expr | None:
    return kwargs.get("verify")


@record
class ClientLibrary:
    """What bolaudit needs to know of one HTTP client library."""

    name: LibraryName
    module_senders: Mapping[str, str | None] = field(default_factory=dict)
    """Qualified module-level functions that send: name -> fixed verb, or None (from arguments)."""
    session_constructors: tuple[str, ...] = ()
    """Qualified constructors of session/client objects whose methods send (``requests.Session``)."""
    session_senders: Mapping[str, str | None] = field(default_factory=lambda: COMMON_SESSION_SENDERS)
    """Methods of such a session that send: name -> fixed verb, or None (first argument)."""
    body_keywords: tuple[str, ...] = COMMON_BODY_KEYWORDS
    positional_body: bool = False
    """The body may come by position, right after the URL (``requests.post(url, data)``)."""
    post_if_data: bool = False
    """With no method given, a request with a body is a POST (urllib), else GET."""
    request_objects: bool = False
    """A sender may take a request object built elsewhere (``urlopen(Request(url, data, headers))``):
    the request is listed where the object is built, and its headers ride on it."""
    headers_position: int | None = None
    """Where a sender takes headers by position, for the fix that adds a header (``Request``)."""
    base_url_join: BaseJoin = "append"
    """How a client's ``base_url`` meets a request's path: httpx appends, aiohttp joins (RFC 3986)."""
    fetches_tokens: bool = False
    """Sessions that request and refresh OAuth2 tokens themselves (``fetch_token``)."""
    default_accept: str | None = "*/*"
    """The ``Accept`` the library sends when a request sets none; None: it sends no ``Accept``."""
    token_fetch_accept: str | None = None
    """The ``Accept`` a session's own token request (``fetch_token`` given no ``headers=``) sends."""
    signature: Callable[[str, bool], SendSignature] = _default_signature
    """Argument positions of a sender, by the sender's name and whether the verb is an argument."""
    tls_setting: Callable[[Mapping[str, Expr]], Expr | None] = _verify_keyword
    """The expression a call's or constructor's keywords give for TLS verification (False: off)."""

    @property
    def known(self) -> bool:
        """A library we recognised, rather than a receiver that only looks like a client."""
        return self.name != "unknown"


def connector_without_ssl(value: Expr | None) -> bool:
    """``connector=TCPConnector(ssl=False)``: verification turned off in the connector."""
    return isinstance(value, CallExpr) and ("ssl", Const(False)) in value.kwargs
