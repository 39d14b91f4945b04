"""aiohttp: ``aiohttp.ClientSession`` (``async with``, ``await``) and ``aiohttp.request``.

A session's ``base_url`` is joined with the path as a browser would (RFC 3986, ``urljoin``);
TLS verification is turned off with ``ssl=False``, the older ``verify_ssl=False``, or a
``connector=TCPConnector(ssl=False)`` on the session.
"""

from __future__ import annotations

from collections.abc import Mapping

from bolaudit.clients.base import ClientLibrary, connector_without_ssl
from bolaudit.facts import Const, Expr


def _tls(kwargs: Mapping[str, Expr]) -> Expr | None:
    if connector_without_ssl(kwargs.get("connector")):
        return Const(False)
    return kwargs.get("ssl", kwargs.get("verify_ssl"))


AIOHTTP = ClientLibrary(
    name="aiohttp",
    module_senders={"aiohttp.request": None},
    session_constructors=("aiohttp.ClientSession",),
    base_url_join="urljoin",
    tls_setting=_tls,
)
