"""Clients generated from bol's OpenAPI documents (issue 13, item 2).

The fixtures under tests/fixtures/generated are generator output trimmed by hand (each file says
which generator and version wrote it), with a small user module beside each that calls one
operation. test_generated_clients_real.py runs the real generators on every spec."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bolaudit.resolve.requests import ResolvedRequest
from conftest import audit

FIXTURES = Path(__file__).parent / "fixtures" / "generated"


def operations(root: Path) -> set[tuple[str, str]]:
    project = audit(root).project
    assert project is not None
    reqs: list[ResolvedRequest] = list(project.requests)
    return {(f"{r.site.path}:{r.site.span.line}", f"{r.operation.method} {r.operation.path}")
            for r in reqs if r.operation is not None}


@pytest.fixture
def tree(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    shutil.copytree(FIXTURES / request.param, tmp_path / request.param)
    return tmp_path / request.param


@pytest.mark.parametrize("tree", ["og"], indirect=True)
def test_openapi_generator_operations_and_the_user_call_site(tree: Path) -> None:
    """7.x: ``param_serialize(method=..., resource_path=...)`` in ``_<op>_serialize``, the Accept
    from ``select_header_accept([...])``; listed there and where the user's code calls it."""
    assert operations(tree) == {
        ("bol_retailer/api/orders_api.py:150", "GET /retailer/orders/{order-id}"),
        ("bol_retailer/api/orders_api.py:295", "PUT /retailer/orders/cancellation"),
        ("shop/sync.py:10", "GET /retailer/orders/{order-id}"),
    }
    findings = audit(tree).findings
    assert [f for f in findings if f.code in ("BOL301", "BOL302", "BOL306")] == []


@pytest.mark.parametrize("tree", ["opc"], indirect=True)
def test_openapi_python_client_operations_and_the_user_call_site(tree: Path) -> None:
    """``_get_kwargs`` returns method and url; ``client.get_httpx_client().request(**kwargs)``
    sends them through the user's client, whose headers bolaudit does not see."""
    assert operations(tree) == {
        ("bol_client/api/orders/get_order.py:97", "GET /retailer/orders/{order-id}"),
        ("bol_client/api/orders/get_order.py:160", "GET /retailer/orders/{order-id}"),
        ("shop/sync.py:8", "GET /retailer/orders/{order-id}"),
    }
    assert [f for f in audit(tree).findings if f.code in ("BOL301", "BOL306")] == []


@pytest.mark.parametrize("tree", ["og"], indirect=True)
def test_the_generated_transport_is_not_listed_as_unresolved(tree: Path) -> None:
    """The package's own api_client/rest modules send every operation with a URL they are
    handed; the operations are the requests, the transport is not listed again."""
    (tree / "bol_retailer" / "rest.py").write_text(
        "import urllib3\n\n\nclass RESTClientObject:\n"
        "    def __init__(self):\n        self.pool_manager = urllib3.PoolManager()\n\n"
        "    def request(self, method, url, headers=None, body=None):\n"
        "        return self.pool_manager.request(method, url, headers=headers, body=body)\n")
    project = audit(tree).project
    assert project is not None
    assert [r for r in project.requests if r.path == "bol_retailer/rest.py"] == []
