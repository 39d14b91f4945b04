"""Knowledge of Python HTTP client libraries, as tables: what sends a request, what makes a session.

Names are fully qualified through the file's imports (``from httpx import AsyncClient as C`` makes
``C`` qualify as ``httpx.AsyncClient``), so aliases work. Adding a client means adding rows here.
"""

from __future__ import annotations

from dataclasses import dataclass

HTTP_VERBS = ("get", "post", "put", "patch", "delete", "head", "options")

# Module-level functions that send a request: qualified name -> (library, method or None = from args).
MODULE_SENDERS: dict[str, tuple[str, str | None]] = {}
for _lib in ("requests", "httpx"):
    for _verb in HTTP_VERBS:
        MODULE_SENDERS[f"{_lib}.{_verb}"] = (_lib, _verb.upper())
        MODULE_SENDERS[f"{_lib}.api.{_verb}"] = (_lib, _verb.upper())
    MODULE_SENDERS[f"{_lib}.request"] = (_lib, None)
    MODULE_SENDERS[f"{_lib}.api.request"] = (_lib, None)
MODULE_SENDERS["httpx.stream"] = ("httpx", None)
MODULE_SENDERS["aiohttp.request"] = ("aiohttp", None)
MODULE_SENDERS["urllib.request.urlopen"] = ("urllib", None)
MODULE_SENDERS["urllib.request.Request"] = ("urllib", None)
MODULE_SENDERS["urllib2.urlopen"] = ("urllib", None)
MODULE_SENDERS["urllib2.Request"] = ("urllib", None)

# Constructors of session/client objects: qualified name -> library.
SESSION_CONSTRUCTORS: dict[str, str] = {
    "requests.Session": "requests",
    "requests.session": "requests",
    "requests.sessions.Session": "requests",
    "httpx.Client": "httpx",
    "httpx.AsyncClient": "httpx",
    "aiohttp.ClientSession": "aiohttp",
    "requests_oauthlib.OAuth2Session": "oauth2",
    "requests_oauthlib.oauth2_session.OAuth2Session": "oauth2",
    "authlib.integrations.requests_client.OAuth2Session": "oauth2",
    "authlib.integrations.httpx_client.OAuth2Client": "oauth2",
    "authlib.integrations.httpx_client.AsyncOAuth2Client": "oauth2",
}

# Methods of sessions that send a request: name -> method (None = first argument).
SESSION_SENDERS: dict[str, str | None] = {v: v.upper() for v in HTTP_VERBS}
SESSION_SENDERS["request"] = None
SESSION_SENDERS["stream"] = None

# OAuth2 session methods that request a token from the token URL.
TOKEN_FETCHERS = ("fetch_token", "fetch_access_token", "refresh_token")

# Keywords carrying a request body, per library.
BODY_KEYWORDS = ("json", "data", "content", "files")

# Receiver names that make an unresolved ``x.get(url)`` worth keeping as a possible request.
SESSIONISH = ("session", "client", "http", "sess", "conn", "api", "requester", "transport")


@dataclass(frozen=True, slots=True)
class SendSignature:
    """Where a sender takes its arguments: positions of method and url, and keyword names."""

    method_pos: int | None  # position of the method argument, None when fixed by the name
    url_pos: int
    url_keyword: str = "url"
    method_keyword: str = "method"
    headers_pos: int | None = None
    data_pos: int | None = None


def signature_for(library: str, name: str, method_from_args: bool) -> SendSignature:
    """Argument positions of a sender (``name`` is the function or method name)."""
    if library == "urllib":
        if name == "Request":
            # Request(url, data=None, headers={}, origin_req_host=None, unverifiable=False, method=None)
            return SendSignature(None, 0, headers_pos=2, data_pos=1)
        # urlopen(url, data=None, timeout=...)
        return SendSignature(None, 0, data_pos=1)
    if method_from_args:
        return SendSignature(0, 1)
    return SendSignature(None, 0)


def is_sessionish(name: str) -> bool:
    low = name.lower()
    return any(token in low for token in SESSIONISH)
