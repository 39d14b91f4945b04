"""BOL203 beyond the rule's own cases: what Accept each client library's token request sends when
the code sets none, and when the fix that adds ``Accept: application/json`` is offered."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bolaudit.project import Project
from bolaudit.tokens.accept import AcceptSent, accept_sent
from conftest import audit, write_tree


def accepts(tree: Path, source: str) -> list[AcceptSent]:
    write_tree(tree, {"example.py": source})
    project = audit(tree, select=("BOL000",)).project
    assert isinstance(project, Project)
    sites = {(r.site.path, r.site.span) for r in project.tokenflow.requests}
    return [accept_sent(project.index, project.evaluator, r) for r in project.requests
            if (r.site.path, r.site.span) in sites]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('return requests.post(URL, data=FORM, auth=AUTH)', AcceptSent("default", "*/*")),
        ('return httpx.post(URL, data=FORM, auth=AUTH, headers={"User-Agent": "shop/1.0"})',
         AcceptSent("default", "*/*")),
        ('return urllib3.PoolManager().request("POST", URL, fields=FORM)', AcceptSent("default", None)),
        ('return urllib.request.urlopen(urllib.request.Request(URL, data=b"grant_type=client_credentials"))',
         AcceptSent("default", None)),
        ('s = httpx.Client(headers={"Accept": "application/json"})\n    return s.post(URL, data=FORM, auth=AUTH)',
         AcceptSent("sent", "application/json")),
        ('s = requests.Session()\n    s.headers.update({"Accept": "application/json"})\n'
         '    s.headers.clear()\n    return s.post(URL, data=FORM, auth=AUTH)', AcceptSent("default", "*/*")),
        ('return requests.post(URL, data=FORM, auth=AUTH, headers=extra)', AcceptSent("unknown")),
        ('o = OAuth2Session(client=BackendApplicationClient(client_id="x"))\n'
         '    return o.fetch_token(URL, client_secret="s")', AcceptSent("sent", "application/json")),
        ('o = OAuth2Session(client=BackendApplicationClient(client_id="x"))\n'
         '    return o.fetch_token(URL, client_secret="s", headers={"X-Shop": "1"})', AcceptSent("default", "*/*")),
    ],
    ids=["requests", "httpx-own-headers", "urllib3", "urllib", "client-default", "cleared-session",
         "headers-from-a-caller", "oauth2-fetch-token", "oauth2-own-headers"],
)
def test_what_a_token_request_sends(body: str, expected: AcceptSent, tree: Path) -> None:
    head = textwrap.dedent("""
        import urllib.request

        import httpx
        import requests
        import urllib3
        from oauthlib.oauth2 import BackendApplicationClient
        from requests_oauthlib import OAuth2Session

        URL = "https://login.bol.com/token"
        FORM = {"grant_type": "client_credentials"}
        AUTH = ("id", "secret")

        def token(extra):
    """)
    found = accepts(tree, head + "    " + body + "\n")
    assert found == [expected]


SHARED_WRAPPER = """
    import requests

    class Bol:
        def __init__(self, client_id, client_secret):
            self.auth = (client_id, client_secret)
            self.token = None

        def _send(self, method, url, **kwargs):
            return requests.request(method, url, timeout=10, **kwargs)

        def login(self):
            body = self._send("POST", "https://login.bol.com/token",
                              data={"grant_type": "client_credentials"}, auth=self.auth).json()
            self.token = body["access_token"]

        def orders(self):
            return self._send("GET", "https://api.bol.com/retailer/orders",
                              headers={"Authorization": f"Bearer {self.token}"}).json()
"""


def test_a_wrapper_that_also_sends_api_requests_gets_no_fix(tree: Path) -> None:
    write_tree(tree, {"example.py": textwrap.dedent(SHARED_WRAPPER).lstrip("\n")})
    [found] = [f for f in audit(tree, select=("BOL203",)).findings]
    assert (found.span.line, found.fix) == (12, None)
    assert "sets no Accept header, so requests sends `Accept: */*`" in found.message


def test_a_token_only_helper_is_fixed_at_the_call(tree: Path) -> None:
    source = """
        import requests

        def fetch(client_id, client_secret):
            return requests.post("https://login.bol.com/token", data={"grant_type": "client_credentials"},
                                 auth=(client_id, client_secret), headers={"User-Agent": "shop/1.0"}).json()
    """
    write_tree(tree, {"example.py": textwrap.dedent(source).lstrip("\n")})
    [found] = audit(tree, select=("BOL203",)).findings
    assert found.fix is not None
    assert found.fix.replacement == '{"User-Agent": "shop/1.0", "Accept": "application/json"}'
