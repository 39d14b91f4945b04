"""What is a bol request, and where a literal goes (issue 13, items 4-6).

A string is judged by where it flows, not where it stands: a retired host in an XML namespace, an
error message or a comparison is not a request. Calls to other services, and bol APIs the catalog
does not cover, are neither judged by the Retailer rules nor counted as unresolved bol calls."""

from __future__ import annotations

import json
from pathlib import Path

from bolaudit.rulebase import case_files
from conftest import audit, write_tree



def codes(root: Path, files: dict[str, str]) -> list[tuple[str, str, int]]:
    write_tree(root, case_files(files))
    return sorted((f.code, f.path, f.span.line) for f in audit(root).findings)


SILENT_PLAZA = {
    "legacy/feed.py": '''
        import logging
        import re
        import xml.etree.ElementTree as ET

        log = logging.getLogger(__name__)
        NSMAP = {"xmlns": "https://plazaapi.bol.com/services/xsd/v2/plazaapi.xsd"}
        RETIRED = re.compile(r"https://plazaapi\\.bol\\.com/.*")


        def parse(xml_text):
            root = ET.fromstring(xml_text)
            return root.findall("{https://plazaapi.bol.com/services/xsd/v2/plazaapi.xsd}Order")


        def explain(error, url, content_type):
            if url.startswith("https://plazaapi.bol.com"):
                log.warning("https://plazaapi.bol.com is retired, got %s", url)
            if content_type == "application/vnd.retailer.v3+json":
                raise ValueError("answered with application/vnd.retailer.v3+json")
            return str(error).replace("https://plazaapi.bol.com/services/rest", "<plaza>")
    ''',
}


def test_literals_that_never_reach_a_request_are_silent(tmp_path: Path) -> None:
    assert [c for c in codes(tmp_path, SILENT_PLAZA) if c[0] in ("BOL303", "BOL304", "BOL305")] == []


def test_the_same_literals_sent_are_reported(tmp_path: Path) -> None:
    files = {
        "legacy/client.py": '''
            import requests

            PLAZA = "https://plazaapi.bol.com/services/rest/orders/v2"
            OLD = {"Accept": "application/vnd.retailer.v3+json"}


            def orders(session: requests.Session):
                return session.get(PLAZA, headers=OLD)
        ''',
    }
    assert [c for c in codes(tmp_path, files) if c[0] == "BOL303"] == [
        ("BOL303", "legacy/client.py", 3), ("BOL303", "legacy/client.py", 4)]


def test_calls_to_other_services_are_not_unresolved_bol_calls(tmp_path: Path) -> None:
    files = {
        "shop/payments.py": '''
            import requests

            MOLLIE = "https://api.mollie.com/v2"


            def refund(session: requests.Session, payment_id, amount):
                return session.post(f"{MOLLIE}/payments/{payment_id}/refunds", json={"amount": amount})
        ''',
        "shop/sync.py": '''
            from shop.bol_client import BolClient


            def sync(client: BolClient, settings: dict, row: dict):
                shop = settings.get("shop")
                status = row.get("status")
                return client.get_orders(shop, status)
        ''',
        "shop/bol_client.py": '''
            import requests


            class BolClient:
                def __init__(self, token):
                    self.session = requests.Session()
                    self.session.headers.update({"Authorization": f"Bearer {token}",
                                                 "Accept": "application/vnd.retailer.v10+json"})

                def get_orders(self, shop, status):
                    return self.session.get("https://api.bol.com/retailer/orders", params={"status": status})
        ''',
    }
    write_tree(tmp_path, case_files(files))
    report = scopes_json(tmp_path)
    assert report["unresolved"] == []
    assert report["complete"] is True
    assert [(o["method"], o["path"]) for o in report["operations"]] == [("GET", "/retailer/orders")]


def scopes_json(root: Path) -> dict[str, object]:
    from bolaudit.cli import main as cli_main
    from click.testing import CliRunner

    import os
    old = os.getcwd()
    os.chdir(root)
    try:
        result = CliRunner().invoke(cli_main, ["scopes", "--format", "json", "--no-cache", "."])
    finally:
        os.chdir(old)
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def test_advertising_api_is_bol_but_not_covered(tmp_path: Path) -> None:
    files = {
        "ads/client.py": '''
            import requests

            ADS = "https://api.bol.com/advertiser/sponsored-products"
            HEADERS = {"Accept": "application/vnd.advertiser.v11+json"}


            def campaigns(session: requests.Session):
                return session.post(ADS + "/campaigns", json={"page": 1}, headers=HEADERS)
        ''',
    }
    found = codes(tmp_path, files)
    assert [c for c in found if c[0] in ("BOL301", "BOL302", "BOL306")] == []
    report = scopes_json(tmp_path)
    assert report["operations"] == []
    assert [(n["path"], n["line"]) for n in report["not_covered"]] == [("ads/client.py", 8)]
    assert "Advertising" in report["not_covered"][0]["reason"] or "advertis" in report["not_covered"][0]["reason"]


def test_scopes_never_grants_nothing_while_calls_are_unresolved(tmp_path: Path) -> None:
    files = {
        "shop/client.py": '''
            import requests


            def call(session: requests.Session, path):
                return session.get("https://api.bol.com/retailer/" + path,
                                   headers={"Accept": "application/vnd.retailer.v10+json"})
        ''',
    }
    write_tree(tmp_path, case_files(files))
    report = scopes_json(tmp_path)
    assert report["complete"] is False
    assert report["operations"] == []
    assert [u["line"] for u in report["unresolved"]] == [5]
    from bolaudit.cli import main as cli_main
    from click.testing import CliRunner
    import os
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        text = CliRunner().invoke(cli_main, ["scopes", "--no-cache", "."]).stdout
    finally:
        os.chdir(old)
    assert "Grant nothing" not in text
    assert "incomplete" in text


def test_a_literal_word_taken_for_an_id_is_an_unknown_endpoint(tmp_path: Path) -> None:
    files = {
        "shop/ship.py": '''
            import requests

            HEADERS = {"Accept": "application/vnd.retailer.v10+json",
                       "Content-Type": "application/vnd.retailer.v10+json"}


            def ship(session: requests.Session, body):
                return session.put("https://api.bol.com/retailer/orders/shipment", json=body, headers=HEADERS)
        ''',
    }
    write_tree(tmp_path, case_files(files))
    bol306 = [f for f in audit(tmp_path).findings if f.code == "BOL306"]
    assert len(bol306) == 1
    assert "that path takes" not in bol306[0].message
    assert "`shipment` would be the {order-id}" in bol306[0].message


def test_an_operation_sent_with_another_versions_media_type_is_listed_with_a_note(tmp_path: Path) -> None:
    files = {
        "shop/orders.py": '''
            import requests

            OLD = {"Accept": "application/vnd.retailer.v9+json"}


            def orders(session: requests.Session):
                return session.get("https://api.bol.com/retailer/orders", headers=OLD)
        ''',
    }
    write_tree(tmp_path, case_files(files))
    report = scopes_json(tmp_path)
    assert report["complete"] is True
    [op] = report["operations"]
    assert (op["method"], op["path"], [loc["line"] for loc in op["locations"]]) == ("GET", "/retailer/orders", [7])
    assert op["notes"] == ["the media type sent (application/vnd.retailer.v9+json) names another version "
                           "than this operation's (application/vnd.retailer.v10+json)"]
    assert report["required"] == [{"group": "Logistics", "resource": "orders", "right": "read"}]
    assert ("BOL303", "shop/orders.py", 3) in codes(tmp_path / "again", files)


BOL_WRAPPER = '''
    import requests


    class BolApi:
        BASE = "https://api.bol.com/retailer"

        def __init__(self, token):
            self.session = requests.Session()
            self.session.headers.update({"Authorization": f"Bearer {token}",
                                         "Accept": "application/vnd.retailer.v10+json"})

        def get(self, path, **params):
            return self.session.get(self.BASE + path, params=params)
'''


def test_dict_lookups_next_to_a_bol_wrapper_are_no_requests(tmp_path: Path) -> None:
    """ERP code: every ``x.get(...)`` on a row, a settings dict or a response's headers would be
    linked by name to ``BolApi.get`` and listed as an unresolved bol request."""
    files = {
        "erp/bol.py": BOL_WRAPPER,
        "erp/sync.py": '''
            from erp.bol import BolApi


            def sync(api, settings: dict, rows):
                for row in rows:
                    if settings.get("dry_run") or row.get("state") != "open":
                        continue
                    answer = api.get("/orders", status=row["state"])
                    if answer.headers.get("Content-Type") != "application/vnd.retailer.v10+json":
                        continue
                    lines = answer.json().get("orders", [])
                    first = rows[0].get("name")
                    api.get(f"/orders/{lines[0]['orderId']}")
                    return first
        ''',
    }
    write_tree(tmp_path, case_files(files))
    report = scopes_json(tmp_path)
    assert report["unresolved"] == []
    assert report["complete"] is True
    assert sorted((o["method"], o["path"], [loc["line"] for loc in o["locations"]]) for o in report["operations"]) == [
        ("GET", "/retailer/orders", [8]), ("GET", "/retailer/orders/{order-id}", [13])]
    assert [f for f in audit(tmp_path).findings if f.code == "BOL306"] == []


def test_a_shop_systems_client_is_not_bol(tmp_path: Path) -> None:
    files = {
        "erp/bol.py": BOL_WRAPPER,
        "erp/shop.py": '''
            from woocommerce import API
            from erp.bol import BolApi

            wcapi = API(url="https://shop.example.com", consumer_key="ck_x", consumer_secret="cs_x", version="wc/v3")


            def mirror(bol: BolApi, shop: API, order_id):
                order = wcapi.get(f"orders/{order_id}").json()
                notes = shop.get("orders/notes")
                return bol.get("/orders", status=order["status"]), notes
        ''',
    }
    write_tree(tmp_path, case_files(files))
    report = scopes_json(tmp_path)
    assert (report["unresolved"], report["complete"]) == ([], True)
    assert [(o["path"], [loc["line"] for loc in o["locations"]]) for o in report["operations"]] == [
        ("/retailer/orders", [10])]


def test_an_advertising_call_to_a_configured_base_url_is_not_covered(tmp_path: Path) -> None:
    """The host comes from configuration bolaudit cannot read; the media type says which API."""
    files = {
        "ads/client.py": '''
            import os

            import requests

            ADS_JSON = "application/vnd.advertiser.v11+json"


            def report(session: requests.Session, campaign_id):
                return session.post(os.environ["ADS_URL"] + f"/campaigns/{campaign_id}/performance",
                                    json={"period": "P7D"},
                                    headers={"Accept": ADS_JSON, "Content-Type": ADS_JSON})
        ''',
    }
    found = codes(tmp_path, files)
    assert [c for c in found if c[0] in ("BOL301", "BOL302", "BOL306")] == []
    report = scopes_json(tmp_path)
    assert (report["operations"], report["unresolved"], report["complete"]) == ([], [], True)
    [call] = report["not_covered"]
    assert (call["path"], call["line"]) == ("ads/client.py", 9)
    assert "Advertising API" in call["reason"] and "application/vnd.advertiser.v11+json" in call["reason"]


def test_a_caching_session_to_bol_is_still_a_request(tmp_path: Path) -> None:
    files = {
        "shop/cached.py": '''
            import requests_cache

            session = requests_cache.CachedSession("bol")


            def orders(token):
                return session.get("https://api.bol.com/retailer/orders",
                                   headers={"Authorization": f"Bearer {token}",
                                            "Accept": "application/vnd.retailer.v8+json"})
        ''',
    }
    assert ("BOL303", "shop/cached.py", 9) in codes(tmp_path, files)
    report = scopes_json(tmp_path)
    assert [(o["path"], [loc["line"] for loc in o["locations"]]) for o in report["operations"]] == [
        ("/retailer/orders", [7])]


def test_a_namespace_constant_is_silent_until_another_module_sends_it(tmp_path: Path) -> None:
    quiet = {
        "legacy/xml.py": '''
            import xml.etree.ElementTree as ET
            from lxml import etree

            PLAZA_NS = "https://plazaapi.bol.com/services/xsd/v2/plazaapi.xsd"
            PLAZA = "https://plazaapi.bol.com/services/rest"
            STALE = "application/vnd.retailer.v3+json"


            def rebuild(xml_bytes, error, content_type):
                root = etree.Element("Orders", nsmap={None: PLAZA_NS})
                ET.SubElement(root, "Order", xmlns="https://plazaapi.bol.com/services/xsd/v2/plazaapi.xsd")
                root.set("xmlns", PLAZA_NS)
                if content_type == STALE:
                    raise ValueError(str(error).replace(PLAZA, "<plaza>"))
                return root.find("{%s}Order" % PLAZA_NS)
        ''',
    }
    assert [c for c in codes(tmp_path, quiet) if c[0] in ("BOL303", "BOL304")] == []
    sent = dict(quiet)
    sent["legacy/client.py"] = '''
        import requests
        from legacy.xml import PLAZA


        def orders(auth):
            return requests.get(PLAZA + "/orders/v2", headers={"Authorization": auth})
    '''
    assert [c for c in codes(tmp_path / "sent", sent) if c[0] == "BOL303"] == [("BOL303", "legacy/xml.py", 5)]


def test_a_retired_url_in_settings_is_reported_at_the_literal(tmp_path: Path) -> None:
    files = {
        "shop/settings.py": '''
            BOL_URL = "https://plazaapi.bol.com/services/rest"
        ''',
        "shop/client.py": '''
            import requests
            from shop import settings


            def orders(auth):
                return requests.get(settings.BOL_URL + "/orders/v2", headers={"Authorization": auth})
        ''',
    }
    assert [c for c in codes(tmp_path, files) if c[0] == "BOL303"] == [("BOL303", "shop/settings.py", 1)]
    report = scopes_json(tmp_path)
    assert [(n["path"], n["line"]) for n in report["not_covered"]] == [("shop/client.py", 6)]


def test_a_wrapper_held_in_a_dict_still_sends_its_path(tmp_path: Path) -> None:
    """A key look-up is no request, but a path handed to an object read from a dict is: one
    wrapper per shop is common in multi-shop connectors."""
    files = {
        "erp/bol.py": BOL_WRAPPER,
        "erp/shops.py": '''
            from erp.bol import BolApi


            def open_orders(clients, shop_id):
                return clients[shop_id].get("/orders", status="OPEN")


            def connect(tokens):
                return open_orders({shop: BolApi(token) for shop, token in tokens.items()}, "nl")
        ''',
    }
    write_tree(tmp_path, case_files(files))
    report = scopes_json(tmp_path)
    assert [(o["path"], [loc["line"] for loc in o["locations"]]) for o in report["operations"]] == [
        ("/retailer/orders", [5])]
