"""HTTP client adapters (``bolaudit.clients``): each library's differences in one module, and the
resolver seeing requests through each of them the same way."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bolaudit import clients
from test_requests import resolved

PACKAGE = Path(__file__).resolve().parents[1] / "bolaudit"
V10 = "application/vnd.retailer.v10+json"


def test_every_library_has_one_adapter_and_none_is_compared_by_name_elsewhere() -> None:
    names = [lib.name for lib in clients.LIBRARIES]
    assert sorted(names) == ["aiohttp", "httpx", "oauth2", "requests", "urllib", "urllib3"]
    assert {p.stem for p in (PACKAGE / "clients").glob("*.py")} >= set(names)
    # What one library does differently is asked of its adapter, never decided by its name.
    compared = re.compile(r"""library\s*(==|!=|in)\s*[("']|==\s*["'](requests|httpx|aiohttp|urllib3?|oauth2)["']""")
    offenders = [f"{p.relative_to(PACKAGE)}:{n}" for p in PACKAGE.rglob("*.py") if "clients" not in p.parts
                 for n, line in enumerate(p.read_text().splitlines(), 1) if compared.search(line)]
    assert offenders == []


def test_a_name_no_adapter_knows_is_the_generic_client() -> None:
    assert clients.library("pycurl").name == "unknown"
    assert clients.library("unknown").tls_setting({}) is None


@pytest.mark.parametrize("code", [
    # A PoolManager made in __init__, used in another method: openapi-generator's rest.py shape.
    """
    import urllib3

    class Rest:
        def __init__(self):
            self.pool_manager = urllib3.PoolManager(num_pools=4)

        def orders(self, token):
            return self.pool_manager.request(
                "GET", "https://api.bol.com/retailer/orders",
                headers={"Accept": "application/vnd.retailer.v10+json", "Authorization": "Bearer " + token},
            )
    """,
    # urllib3 2's module-level request, body as body=
    """
    import json, urllib3

    def cancel(token, item):
        return urllib3.request(
            "PUT", "https://api.bol.com/retailer/orders/cancellation",
            body=json.dumps({"orderItems": [item]}),
            headers={"Accept": "application/vnd.retailer.v10+json",
                     "Content-Type": "application/vnd.retailer.v10+json"},
        )
    """,
])
def test_urllib3_requests_are_resolved(tmp_path: Path, code: str) -> None:
    [req] = resolved(tmp_path, code)
    assert req.operation is not None
    assert req.operation.operation_id in ("get-orders", "cancel-order-item")
    assert req.headers.as_dict()["accept"] == V10


def test_urllib3_pool_without_certificate_checks_is_insecure(tmp_path: Path) -> None:
    from conftest import audit, write_tree

    write_tree(tmp_path, {"client.py": (
        "import urllib3\n"
        "http = urllib3.PoolManager(cert_reqs='CERT_NONE')\n"
        "def orders():\n"
        "    return http.request('GET', 'https://api.bol.com/retailer/orders',\n"
        "                        headers={'Accept': 'application/vnd.retailer.v10+json'})\n"
    )})
    codes = [(f.code, f.span.line) for f in audit(tmp_path).findings]
    assert ("BOL304", 4) in codes
