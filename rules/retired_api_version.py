"""BOL303 retired-api-version."""

from __future__ import annotations

import re
from collections.abc import Iterator

from bolaudit.rules_api import (
    all_literals,
    Catalog,
    Finding,
    Invalid,
    Literal,
    literals_in,
    Operation,
    Project,
    ProjectRule,
    ResolvedRequest,
    Severity,
    Span,
    Valid,
    within,
)


_MEDIA = re.compile(r"application/vnd\.[a-z0-9-]+\.v\d+\+[a-z0-9.+-]+", re.IGNORECASE)
_PLAZA = "plazaapi.bol.com"
_CATALOG_V4 = "/catalog/v4"


class RetiredApiVersion(ProjectRule):
    """The code uses a bol API version that is retired or deprecated.

    ## What it does
    Reports, at the string literal: a Retailer API media type of version 3 to 9
    (`application/vnd.retailer.v8+json`), a URL of the retired Plaza API (`plazaapi.bol.com`)
    or of the old catalog Open API (`api.bol.com/catalog/v4`), wherever they are written. And,
    following each request through wrappers and base URLs, a request to an operation bol's
    documents mark deprecated (the v10 offers endpoints, replaced by offers v11), with its end
    date; that one is reported at the path literal of the call that chooses the endpoint.

    ## Why is this bad
    bol retired v3 to v6 long ago, ended v7 and v8 on 2024-05-01 and v9 on 2024-11-01: requests
    with those media types are refused. The Plaza API and the `?apikey=` Open API are gone.
    v10 is the last whole-API version; since then resources move one by one, and an old resource
    version lives at least a year after its successor: the v10 offers endpoints are deprecated
    and end on the reported date, after which the code stops working.

    ## Example
    ```python
    HEADERS = {"Accept": "application/vnd.retailer.v8+json"}
    ```

    ## Use instead
    ```python
    HEADERS = {"Accept": "application/vnd.retailer.v10+json"}
    ```
    and move offer calls to offers v11 (`application/vnd.retailer.v11+json`).

    ## Fix
    No automatic fix: moving to a newer version changes the request and answer shapes, which
    only the code's author can adapt.

    ## References
    - Retailer API v10 (OpenAPI): <https://api.bol.com/retailer/public/apispec/Retailer%20API%20-%20v10>
    - Offers API v11 (OpenAPI), which replaces the v10 offers endpoints: <https://api.bol.com/registry/api-definitions/offers/offers-v11.yaml>
    - Retailers API v11 (OpenAPI): <https://api.bol.com/registry/api-definitions/retailers/retailers-v11.yaml>
    """

    code = "BOL303"
    name = "retired-api-version"
    severity = Severity.ERROR

    VALID = [
        Valid(
            """
            import requests

            V10 = "application/vnd.retailer.v10+json"

            def orders(token):
                return requests.get("https://api.bol.com/retailer/orders",
                                    headers={"Accept": V10, "Authorization": f"Bearer {token}"})
            """
        ),
        Valid(
            """
            import httpx

            V11 = "application/vnd.retailer.v11+json"

            async def offer(client: httpx.AsyncClient, offer_id):
                return await client.get(f"https://api.bol.com/retailer/offers/{offer_id}",
                                        headers={"Accept": V11})
            """,
            note="offers v11 is current",
        ),
        Valid(
            '''
            """Migrated from application/vnd.retailer.v8+json in 2024."""
            import requests

            def economic_operators(session):
                # application/vnd.retailer.v9+json is gone; see the docs.
                return session.get("https://api.bol.com/retailer/economic-operators",
                                   headers={"Accept": "application/vnd.economic-operator.v1+json"})
            ''',
            note="docstrings and comments are not code that sends anything",
        ),
        Valid(
            """
            from lxml import etree

            PLAZA_NS = "https://plazaapi.bol.com/services/xsd/v2/plazaapi.xsd"

            def read_export(xml_bytes):
                # an old Plaza export kept on disk: its XML namespace is a name, not a request
                root = etree.fromstring(xml_bytes)
                page = etree.Element("Archive", nsmap={None: PLAZA_NS})
                page.extend(root.findall("{%s}Order" % PLAZA_NS))
                return page
            """,
            note="an XML namespace is never sent",
        ),
        Valid(
            """
            import logging

            log = logging.getLogger(__name__)

            def explain(error, url):
                if url.startswith("https://plazaapi.bol.com"):
                    log.warning("https://plazaapi.bol.com is retired; stored url %s", url)
                return str(error).replace("https://plazaapi.bol.com/services/rest", "<plaza>")
            """,
            note="compared, logged and replaced in a message: nothing is sent there",
        ),
        Valid(
            """
            import requests

            V10 = "application/vnd.retailer.v10+json"
            STALE = "application/vnd.retailer.v9+json"

            def orders(session: requests.Session):
                r = session.get("https://api.bol.com/retailer/orders", headers={"Accept": V10})
                if r.headers.get("Content-Type") == STALE:
                    raise RuntimeError("a proxy answered with a stale cached page")
                return r.json()
            """,
            note="a retired media type only compared with a response's Content-Type",
        ),
    ]
    INVALID = [
        Invalid(
            {
                "bol/settings.py": """
                    ACCEPT_V8 = "application/vnd.retailer.v8+json"
                    """,
                "bol/client.py": """
                    import requests
                    from bol.settings import ACCEPT_V8

                    def shipments(token):
                        return requests.get("https://api.bol.com/retailer/shipments",
                                            headers={"Accept": ACCEPT_V8, "Authorization": f"Bearer {token}"})
                    """,
            },
            path="bol/settings.py",
            line=1,
            count=1,
            message="2024-05-01",
        ),
        Invalid(
            """
            import hmac
            import requests

            PLAZA = "https://plazaapi.bol.com/services/rest/orders/v2"

            def orders(signature):
                return requests.get(PLAZA, headers={"Authorization": signature})
            """,
            line=4,
            message="Plaza",
        ),
        Invalid(
            """
            import requests

            def search(query, key):
                return requests.get("https://api.bol.com/catalog/v4/search", params={"q": query, "apikey": key})
            """,
            line=4,
            message="catalog",
        ),
        Invalid(
            """
            import requests

            class Offers:
                BASE = "https://api.bol.com/retailer/offers"
                HEADERS = {"Accept": "application/vnd.retailer.v10+json",
                           "Content-Type": "application/vnd.retailer.v10+json"}

                def __init__(self, session: requests.Session):
                    self.session = session

                def update_stock(self, offer_id, amount):
                    return self.session.put(f"{self.BASE}/{offer_id}/stock", json={"amount": amount},
                                            headers=self.HEADERS)
            """,
            line=12,
            message="2027-02-01",
        ),
    ]

    def check(self, project: Project) -> Iterator[Finding]:
        cat = project.catalog
        seen: set[tuple[str, Span]] = set()
        apis: set[str] = set()  # retired APIs already reported at a literal
        elsewhere = _calls_to_other_hosts(project)
        for lit in all_literals(project.index):
            problem = _literal_problem(cat, lit.text)
            if problem is not None and not any(p == lit.path and within(s, lit.span) for p, s in elsewhere):
                seen.add((lit.path, lit.span))
                apis.add(problem.split(" (", 1)[0])
                yield self.make_finding(lit.path, lit.span, problem, flagged=lit.text)
        for req in project.requests:
            found = self._request_problem(project, req)
            if found is None:
                continue
            path, span, message, flagged = found
            if (path, span) in seen or message.split(" (", 1)[0] in apis:
                continue
            seen.add((path, span))
            yield self.make_finding(path, span, message, flagged=flagged)

    def _request_problem(self, project: Project, req: ResolvedRequest) -> tuple[str, Span, str, str] | None:
        cat = project.catalog
        op = req.operation
        if op is not None and op.deprecated:
            lit = _path_literal(project, req, op)
            where = (lit.path, lit.span) if lit is not None else (req.site.path, req.site.span)
            return (*where, _deprecated_message(cat, req, op), f"{op.method} {op.path} v{op.version}")
        retired_api = req.kind == "plaza" or (
            req.kind == "uncovered" and req.url.segments is not None and req.url.segments[:2] == ("catalog", "v4")
        )
        if not retired_api:
            return None
        message = _literal_problem(cat, f"https://{req.url.host}{req.url.path_text}") or ""
        lit = _find(literals_in(project.index, req.site.path, req.site.span), ("plazaapi", "catalog/v4"))
        where = (lit.path, lit.span) if lit is not None else (req.path, req.http.span)
        return (*where, message, req.url.path_text)


def _calls_to_other_hosts(project: Project) -> list[tuple[str, Span]]:
    """HTTP calls that only ever go to hosts that are not bol's: a literal written inside one is
    about that host, whatever it looks like."""
    kinds: dict[tuple[str, Span], set[str]] = {}
    for req in project.requests:
        kinds.setdefault((req.path, req.http.span), set()).add(req.kind)
    return [key for key, found in kinds.items() if found == {"other"}]


def _literal_problem(cat: Catalog, text: str) -> str | None:
    low = text.lower()
    if _PLAZA in low:
        return ("the Plaza API (plazaapi.bol.com) is retired; move to the Retailer API at "
                "https://api.bol.com/retailer with Accept: application/vnd.retailer.v10+json")
    if "api.bol.com" + _CATALOG_V4 in low:
        return ("the catalog Open API (api.bol.com/catalog/v4, ?apikey=) is retired; use the "
                "Retailer API's product content and offer endpoints with a Retailer API token")
    for media in _MEDIA.findall(text):
        retired = cat.retired_version(media)
        if retired is not None:
            when = f"bol ended it on {retired.end_date}" if retired.end_date else "bol retired it long ago"
            return (f"{media} asks for Retailer API v{retired.version}: {when}; use "
                    f"application/vnd.retailer.v10+json (or the resource's current version)")
    return None


def _deprecated_message(cat: Catalog, req: ResolvedRequest, op: Operation) -> str:
    end = f"bol ends it on {op.end_date}" if op.end_date else "bol will end it"
    successors = [
        o for o in cat.operations
        if not o.deprecated and o.method == op.method and o.path == op.path and o.resource_id == op.resource_id
    ]
    if successors:
        new = successors[0]
        media = next((t for t in new.response_media_types if t.endswith("+json")), "")
        move = f"use {new.api} v{new.version}" + (f" (Accept: {media})" if media else "")
    else:
        move = f"move to the current {op.resource} API, which replaces it"
    return f"{req.endpoint} is {op.api} v{op.version}'s {op.operation_id}, which is deprecated: {end}; {move}"


def _path_literal(project: Project, req: ResolvedRequest, op: Operation) -> Literal | None:
    """The literal in the call that chooses the endpoint that holds part of its path."""
    fixed = [s for s in op.path.strip("/").split("/")[1:] if not s.startswith("{")]
    lits = [lit for lit in literals_in(project.index, req.site.path, req.site.span) if "/" in lit.text]
    return _find(lits, tuple(fixed)) or (lits[0] if lits else None)


def _find(lits: list[Literal], needles: tuple[str, ...]) -> Literal | None:
    for needle in reversed(needles):
        for lit in lits:
            if needle in lit.text:
                return lit
    return None
