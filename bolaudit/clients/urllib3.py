"""urllib3: ``PoolManager``/connection pools and their ``request``/``urlopen``, and urllib3 2's
module-level ``urllib3.request``; what openapi-generator's Python clients send with.

The method is the first argument, the URL the second; the body comes as ``body=`` or ``fields=``.
``cert_reqs="CERT_NONE"`` (or ``ssl.CERT_NONE``) on the pool turns TLS verification off.
"""

from __future__ import annotations

from collections.abc import Mapping

from bolaudit.clients.base import ClientLibrary
from bolaudit.facts import Attr, Const, Expr, Name


def _tls(kwargs: Mapping[str, Expr]) -> Expr | None:
    cert = kwargs.get("cert_reqs")
    if cert == Const("CERT_NONE") or cert == Attr(Name("ssl"), "CERT_NONE"):
        return Const(False)
    return None


URLLIB3 = ClientLibrary(
    name="urllib3",
    default_accept=None,  # nor does urllib3
    module_senders={"urllib3.request": None},
    session_constructors=(
        "urllib3.PoolManager",
        "urllib3.ProxyManager",
        "urllib3.HTTPSConnectionPool",
        "urllib3.HTTPConnectionPool",
        "urllib3.poolmanager.PoolManager",
        "urllib3.connectionpool.HTTPSConnectionPool",
    ),
    session_senders={"request": None, "urlopen": None, "request_encode_url": None, "request_encode_body": None},
    body_keywords=("body", "fields", "json"),
    tls_setting=_tls,
)
