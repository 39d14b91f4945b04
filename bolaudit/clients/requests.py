"""requests: ``requests.get/post/...``, ``requests.request``, ``requests.Session``.

The body may follow the URL by position (``requests.post(url, data)``); ``verify=False`` turns
TLS verification off, per call or on the session.
"""

from __future__ import annotations

from bolaudit.clients.base import HTTP_VERBS, ClientLibrary

_SENDERS: dict[str, str | None] = {}
for _verb in HTTP_VERBS:
    _SENDERS[f"requests.{_verb}"] = _verb.upper()
    _SENDERS[f"requests.api.{_verb}"] = _verb.upper()
_SENDERS["requests.request"] = None
_SENDERS["requests.api.request"] = None

REQUESTS = ClientLibrary(
    name="requests",
    module_senders=_SENDERS,
    session_constructors=("requests.Session", "requests.session", "requests.sessions.Session"),
    positional_body=True,
)
