"""httpx: module functions, ``httpx.stream``, ``httpx.Client`` and ``httpx.AsyncClient``.

A client's ``base_url`` is prefixed to a relative path (httpx merges the two with one slash);
``verify=False`` turns TLS verification off.
"""

from __future__ import annotations

from bolaudit.clients.base import HTTP_VERBS, ClientLibrary

_SENDERS: dict[str, str | None] = {}
for _verb in HTTP_VERBS:
    _SENDERS[f"httpx.{_verb}"] = _verb.upper()
    _SENDERS[f"httpx.api.{_verb}"] = _verb.upper()
_SENDERS["httpx.request"] = None
_SENDERS["httpx.api.request"] = None
_SENDERS["httpx.stream"] = None

HTTPX = ClientLibrary(
    name="httpx",
    module_senders=_SENDERS,
    session_constructors=("httpx.Client", "httpx.AsyncClient"),
    base_url_join="append",
)
