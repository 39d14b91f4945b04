"""``bolaudit scopes``: what the code needs, what a token grants, and the three formats.

The pure part (``bolaudit.tokens.grants``) is tested with tables; the command runs for real, in a
subprocess, on ``fixtures/scopes/webshop`` (a multi-module integration: a client class with a
session and a request wrapper, the base URL in config.py, services in other modules) copied
into a temporary folder, with tokens minted by the loopback token server's key.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

try:
    from tokenserver import CLIENT_SECRET, bol_claims, mint  # type: ignore[import-not-found]
except ModuleNotFoundError:  # tests/ became a package
    from tests.tokenserver import CLIENT_SECRET, bol_claims, mint

from bolaudit.catalog import load_catalog
from bolaudit.tokens.grants import Location, Needs, Requirement, compare, grantable, grants
from conftest import age, audit, write_tree

FIXTURE = Path(__file__).parent / "fixtures" / "scopes" / "webshop"
CATALOG = load_catalog()
NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=timezone.utc)

# What the webshop fixture calls, exactly (see its modules): path, method, operation, resource,
# group, right, deprecated, call sites.
WEBSHOP_OPERATIONS = [
    ("/retailer/offers/{offer-id}/stock", "PUT", "update-offer-stock", "offers",
     "Assortment Management", "manage", True, ["webshop/bol/stock.py:7"]),
    ("/retailer/orders", "GET", "get-orders", "orders", "Logistics", "read", False,
     ["webshop/bol/orders.py:10"]),
    ("/retailer/orders/{order-id}", "GET", "get-order", "orders", "Logistics", "read", False,
     ["webshop/bol/orders.py:13"]),
    ("/retailer/retailers/{retailer-id}", "GET", "get-retailer-information", "retailer-info",
     "Insights", "read", False, ["webshop/bol/account.py:10"]),
    ("/retailer/shipping-labels", "POST", "post-shipping-label", "shipping-labels", "Logistics",
     "manage", False, ["webshop/bol/shipping.py:7"]),
    ("/retailer/shipping-labels/{shipping-label-id}", "GET", "get-shipping-label",
     "shipping-labels", "Logistics", "read", False, ["webshop/bol/shipping.py:12"]),
    ("/shared/process-status/{process-status-id}", "GET", "get-process-status", "process-status",
     None, "read", False, ["webshop/bol/client.py:41"]),
]
WEBSHOP_REQUIRED = [
    {"group": "Assortment Management", "resource": "offers", "right": "manage"},
    {"group": "Logistics", "resource": "orders", "right": "read"},
    {"group": "Logistics", "resource": "shipping-labels", "right": "manage"},
    {"group": "Insights", "resource": "retailer-info", "right": "read"},
]
# notify(url): the URL is a parameter nobody passes; replay(job): method and path from queue data.
WEBSHOP_UNRESOLVED = ["webshop/bol/account.py:15", "webshop/sync.py:21"]


def run_cli(*args: str, cwd: Path, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("BOL_")}
    environ.update(NO_COLOR="1", **env)
    return subprocess.run([sys.executable, "-m", "bolaudit", *args], cwd=cwd, env=environ,
                          input=stdin, capture_output=True, text=True, timeout=300)


@pytest.fixture
def webshop(tmp_path: Path) -> Path:
    root = tmp_path / "webshop"
    shutil.copytree(FIXTURE, root)
    return root


def token_file(folder: Path, **claims: Any) -> tuple[Path, str]:
    token = mint(bol_claims(**claims))
    path = folder.parent / "token.jwt"
    path.write_text(token + "\n")
    return path, token


def assert_no_leak(text: str, token: str) -> None:
    assert CLIENT_SECRET not in text
    for part in token.split("."):
        assert part not in text


# --- granted ------------------------------------------------------------------------------------

ALL = {rid: max(CATALOG.resources[rid].rights, key=["read", "manage"].index)
       for rid in grantable(CATALOG)}


@pytest.mark.parametrize(("scopes", "rights", "legacy", "flow", "unknown"), [
    (("orders.read",), {"orders": "read"}, False, (), ()),
    (("orders.read", "orders.manage"), {"orders": "manage"}, False, (), ()),
    (("OFFERS.MANAGE", "retailer-info.read"), {"offers": "manage", "retailer-info": "read"}, False, (), ()),
    (("RETAILER",), ALL, True, (), ()),
    (("retailer", "orders.read"), ALL, True, (), ()),
    (("offline_access",), {}, False, ("offline_access",), ()),
    (("orders.read", "orders.write", "profile"), {"orders": "read"}, False, (), ("orders.write", "profile")),
    ((), {}, False, (), ()),
])
def test_grants(scopes: tuple[str, ...], rights: dict[str, str], legacy: bool,
                flow: tuple[str, ...], unknown: tuple[str, ...]) -> None:
    granted = grants(scopes, CATALOG)
    assert dict(granted.rights) == rights
    assert (granted.legacy, granted.flow, granted.unknown) == (legacy, flow, unknown)


def test_full_access_is_capped_at_what_a_resource_offers_and_skips_process_status() -> None:
    granted = grants(("retailer",), CATALOG)
    assert granted.rights["invoices"] == "read"  # Invoices offers Read only
    assert granted.rights["transports"] == "manage"  # Transports offers Manage only
    assert "process-status" not in granted.rights  # no scope of its own


def test_scope_mapping_override_adds_and_replaces() -> None:
    catalog = CATALOG.with_overrides(scope_map={"orders.full": "orders:manage", "offers.read": "offers:manage"})
    granted = grants(("orders.full", "offers.read"), catalog)
    assert dict(granted.rights) == {"orders": "manage", "offers": "manage"}
    assert granted.unknown == ()


# --- needed vs granted --------------------------------------------------------------------------

def need(*pairs: tuple[str, str, int]) -> Needs:
    required = tuple(
        Requirement(CATALOG.resources[rid], right, (), (Location("app.py", line),), (Location("app.py", line),))
        for rid, right, line in pairs)
    return Needs((), (), required)


COMPARE_CASES = [
    pytest.param(("orders.manage", "offers.read", "retailer-info.read", "invoices.read"),
                 [("shipping-labels", "manage", None)], [("offers", "manage", "read")],
                 [("orders", "read", "manage"), ("invoices", None, "read")], id="fine-grained"),
    pytest.param(("offers.manage", "orders.read", "shipping-labels.manage", "retailer-info.read"),
                 [], [], [], id="exactly"),
    pytest.param(("offline_access",),
                 [("offers", "manage", None), ("orders", "read", None), ("shipping-labels", "manage", None),
                  ("retailer-info", "read", None)], [], [], id="offline-access-grants-nothing"),
]


@pytest.mark.parametrize(("scopes", "missing", "insufficient", "unused"), COMPARE_CASES)
def test_compare(scopes: tuple[str, ...], missing: list[Any], insufficient: list[Any], unused: list[Any]) -> None:
    needs = need(("offers", "manage", 7), ("orders", "read", 10), ("shipping-labels", "manage", 12),
                 ("retailer-info", "read", 3))
    result = compare(needs, grants(scopes, CATALOG), CATALOG)
    shown = [[(g.resource.id, g.needed, g.granted) for g in gaps]
             for gaps in (result.missing, result.insufficient, result.unused)]
    assert shown == [missing, insufficient, unused]
    assert result.covered == (not missing and not insufficient)


def test_legacy_token_covers_everything_and_lists_the_rest_as_unused() -> None:
    result = compare(need(("orders", "read", 1)), grants(("RETAILER",), CATALOG), CATALOG)
    assert result.covered
    unused = {g.resource.id: (g.needed, g.granted) for g in result.unused}
    assert unused["orders"] == ("read", "manage")
    assert unused["invoices"] == (None, "read")
    assert set(unused) == set(grantable(CATALOG))


def test_missing_and_insufficient_point_at_the_first_call_that_needs_the_right() -> None:
    read_site, manage_site = Location("a.py", 3), Location("b.py", 9)
    req = Requirement(CATALOG.resources["offers"], "manage", (), (read_site, manage_site), (manage_site,))
    needs = Needs((), (), (req,))
    assert compare(needs, grants((), CATALOG), CATALOG).missing[0].site == read_site
    assert compare(needs, grants(("offers.read",), CATALOG), CATALOG).insufficient[0].site == manage_site


# --- the command on the webshop fixture ---------------------------------------------------------

def test_scopes_json_lists_exactly_what_the_webshop_calls(webshop: Path) -> None:
    run = run_cli("scopes", "--format", "json", cwd=webshop)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert list(data) == ["version", "operations", "unresolved", "complete", "not_covered", "required", "token",
                          "missing", "insufficient", "unused", "expiring"]
    assert data["complete"] is False and data["not_covered"] == []  # two calls are unresolved
    operations = [(o["path"], o["method"], o["operation_id"], o["resource"], o["group"], o["right"],
                   o["deprecated"], [f"{loc['path']}:{loc['line']}" for loc in o["locations"]])
                  for o in data["operations"]]
    assert operations == WEBSHOP_OPERATIONS
    assert {o["api"] for o in data["operations"]} == {"retailer", "shared"}
    assert data["required"] == WEBSHOP_REQUIRED
    assert [f"{u['path']}:{u['line']}" for u in data["unresolved"]] == WEBSHOP_UNRESOLVED
    assert all(u["reason"] for u in data["unresolved"])
    assert (data["token"], data["missing"], data["insufficient"], data["unused"]) == (None, [], [], [])


def test_scopes_text_groups_like_the_dashboard_and_ends_with_a_checklist(webshop: Path) -> None:
    run = run_cli("scopes", cwd=webshop)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    # Two calls are not resolved: the checklist is a floor, and says so (never "Grant exactly").
    assert not any(line.startswith(("Grant exactly", "Grant nothing")) for line in lines)
    assert "This list is incomplete: 2 calls could not be resolved (see Not resolved) and may need more rights." in lines
    start = lines.index("Grant at least this on bol's authorisation screen, and check the calls above:")
    assert lines[start + 1:start + 5] == [
        "  [ ] Assortment Management > Offers: Manage",
        "  [ ] Logistics > Orders: Read",
        "  [ ] Logistics > Shipping Labels: Manage",
        "  [ ] Insights > Retailer Info: Read",
    ]
    groups = [line for line in lines if line in ("Assortment Management", "Logistics", "Insights")]
    assert groups == ["Assortment Management", "Logistics", "Insights"]
    assert "  Shipping Labels: Manage" in lines
    assert "      webshop/bol/shipping.py:7" in lines
    assert any(line.startswith("  webshop/sync.py:21: ") for line in lines)  # unresolved, with why
    assert "Needs no grant of its own" in lines


def test_scopes_markdown_for_a_pull_request(webshop: Path) -> None:
    run = run_cli("scopes", "--format", "markdown", cwd=webshop)
    assert run.returncode == 0, run.stderr
    assert "| Logistics | Shipping Labels | **Manage** | `POST /retailer/shipping-labels` (post-shipping-label)" \
        "<br>`GET /retailer/shipping-labels/{shipping-label-id}` (get-shipping-label) |" in run.stdout
    assert "- [ ] Assortment Management › Offers: **Manage**" in run.stdout
    assert "- `webshop/sync.py:21`: " in run.stdout


def test_scopes_with_a_fine_grained_token_file(webshop: Path) -> None:
    path, token = token_file(webshop, scopes="orders.manage offers.read retailer-info.read invoices.read")
    run = run_cli("scopes", "--format", "json", "--token-file", str(path), cwd=webshop)
    assert run.returncode == 1, run.stderr
    data = json.loads(run.stdout)
    assert data["missing"] == [{"resource": "shipping-labels", "needed": "manage", "granted": None}]
    assert data["insufficient"] == [{"resource": "offers", "needed": "manage", "granted": "read"}]
    assert data["unused"] == [{"resource": "orders", "needed": "read", "granted": "manage"},
                              {"resource": "invoices", "needed": None, "granted": "read"}]
    assert data["token"]["scopes"] == ["orders.manage", "offers.read", "retailer-info.read", "invoices.read"]
    assert data["token"]["signature_verified"] is False
    assert_no_leak(run.stdout + run.stderr, token)


def test_scopes_text_with_a_token_reports_findings_at_their_call_sites(webshop: Path) -> None:
    path, token = token_file(webshop, scopes="orders.read offers.read retailer-info.read")
    run = run_cli("scopes", "--token-file", str(path), cwd=webshop)
    assert run.returncode == 1, run.stderr
    lines = run.stdout.splitlines()
    assert any(line.startswith("webshop/bol/shipping.py:7:") and " BOL401 grant-missing: " in line for line in lines)
    assert any(line.startswith("webshop/bol/stock.py:7:") and " BOL402 grant-insufficient: " in line for line in lines)
    assert not any("BOL403" in line for line in lines)
    assert any("signature NOT VERIFIED" in line for line in lines)
    assert lines[-1] == "The token does NOT cover this code (1 missing, 1 insufficient, 0 unused)."
    assert_no_leak(run.stdout + run.stderr, token)


def test_scopes_with_a_legacy_token_covers_and_says_what_a_renewal_should_grant(webshop: Path) -> None:
    path, token = token_file(webshop, scopes="RETAILER")
    run = run_cli("scopes", "--token-file", str(path), cwd=webshop)
    assert run.returncode == 0, run.stderr
    assert "legacy full access (retailer)" in run.stdout
    assert "  [ ] Logistics > Orders: Read" in run.stdout
    assert run.stdout.count("BOL403") == 1  # one line for the whole excess of full access
    assert run.stdout.splitlines()[-1].startswith("The token covers this code (0 missing, 0 insufficient, ")


def test_scope_mapping_from_the_config(webshop: Path) -> None:
    with (webshop / "pyproject.toml").open("a") as config:
        config.write('\n[tool.bolaudit.scopes]\n"logistics.all" = "shipping-labels:manage"\n'
                     '"orders.all" = "orders:read"\n"offers.all" = "offers:manage"\n'
                     '"account.read" = "retailer-info:read"\n')
    path, _ = token_file(webshop, scopes="logistics.all orders.all offers.all account.read")
    run = run_cli("scopes", "--format", "json", "--token-file", str(path), cwd=webshop)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert (data["missing"], data["insufficient"], data["unused"]) == ([], [], [])


def test_an_offline_access_token_grants_nothing_unless_mapped(webshop: Path) -> None:
    path, token = token_file(webshop, scope_claim="scope", scopes="offline_access")
    plain = run_cli("scopes", "--token-file", str(path), cwd=webshop)
    assert plain.returncode == 1
    assert "offline_access: asks for a refresh token; grants no resource" in plain.stdout
    assert 'offline_access = "*:manage"' in plain.stdout
    with (webshop / "pyproject.toml").open("a") as config:
        config.write('\n[tool.bolaudit.scopes]\noffline_access = "*:manage"\n')
    mapped = run_cli("scopes", "--token-file", str(path), "--format", "json", cwd=webshop)
    assert mapped.returncode == 0, mapped.stderr
    assert (json.loads(mapped.stdout)["missing"], json.loads(mapped.stdout)["insufficient"]) == ([], [])
    assert_no_leak(plain.stdout + mapped.stdout, token)


@pytest.mark.parametrize(("mapping", "says"), [
    ('"x.read" = "nonsense:read"', "unknown resource 'nonsense'"),
    ('"x.read" = "invoices:manage"', "invoices offers only read"),
])
def test_a_bad_scope_mapping_is_an_error(webshop: Path, mapping: str, says: str) -> None:
    with (webshop / "pyproject.toml").open("a") as config:
        config.write(f"\n[tool.bolaudit.scopes]\n{mapping}\n")
    run = run_cli("scopes", cwd=webshop)
    assert run.returncode == 2
    assert says in run.stderr and "Traceback" not in run.stderr


def test_a_call_that_fits_several_operations_of_one_resource_and_right_still_counts(tree: Path) -> None:
    """No Accept: offers v10 or v11, bolaudit cannot tell which; both need Offers: Read."""
    write_tree(tree, {"shop.py": (
        "import requests\n"
        "def offer(offer_id):\n"
        "    return requests.get(f'https://api.bol.com/retailer/offers/{offer_id}')\n"
        "def shipment(method, shipment_id):\n"
        "    return requests.request(method, f'https://api.bol.com/retailer/offers/{shipment_id}')\n")})
    run = run_cli("scopes", "--format", "json", "--no-cache", cwd=tree)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["operations"] == []  # never guessed into an operation
    assert [(u["path"], u["line"]) for u in data["unresolved"]] == [("shop.py", 3), ("shop.py", 5)]
    assert "counted as Offers: Read" in data["unresolved"][0]["reason"]
    assert "counted as" not in data["unresolved"][1]["reason"]  # GET, PUT or DELETE: not one right
    assert data["required"] == [{"group": "Assortment Management", "resource": "offers", "right": "read"}]


def test_an_unparsable_file_is_listed_not_dropped(tree: Path) -> None:
    write_tree(tree, {"shop.py": "import requests\nBOL = 'https://api.bol.com/retailer'\ndef f(:\n"})
    run = run_cli("scopes", "--format", "json", "--no-cache", cwd=tree)
    assert run.returncode == 0, run.stderr
    unresolved = json.loads(run.stdout)["unresolved"]
    assert [(u["path"], u["line"]) for u in unresolved] == [("shop.py", 3)]
    assert "could not be parsed" in unresolved[0]["reason"]


def test_token_rules_report_nothing_in_check(tree: Path) -> None:
    """BOL401-BOL404 need a token; `check` has none, so their INVALID code is quiet there."""
    from bolaudit.rulebase import TokenRule, all_rules, case_files

    rules = [r for r in all_rules() if issubclass(r, TokenRule)]
    assert [r.code for r in rules] == ["BOL401", "BOL402", "BOL403", "BOL404"]
    write_tree(tree, case_files(rules[0].INVALID[0].files))
    assert [f for f in audit(tree).findings if f.code.startswith("BOL4")] == []


def test_scopes_runs_no_check_rule_and_leaves_no_record_for_check(
    webshop: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bolaudit.commands import scopes as scopes_cmd
    from bolaudit.config import Config
    from bolaudit.pipeline import engine

    checked: list[str] = []
    original = engine._project_findings

    def counting(project: Any, config: Any, debug: bool, problems: Any) -> Any:
        checked.append("rules ran")
        return original(project, config, debug, problems)

    monkeypatch.setattr(engine, "_project_findings", counting)
    cache = tmp_path / "cache"
    config = Config(root=webshop, jobs=1, use_cache=True, cache_dir=cache)
    engine.run([webshop], config)  # fills the cache folder, so the next runs may keep a record
    age(webshop)
    checked.clear()
    result = scopes_cmd.analyse([webshop], config, None, now=datetime.now(timezone.utc))
    assert checked == [] and result.report.audit.needs.operations  # the requests, without the rules
    # A check right after on the unchanged tree must run its rules, not reuse a findings-less run.
    findings = engine.run([webshop], config).findings
    assert checked == ["rules ran"] and findings
