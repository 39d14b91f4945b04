"""Modules analysed when the project stage asks for them (issue 16).

A Python module wanted only because bol code imports it, and whose bytes say nothing of bol, OAuth,
credentials or HTTP, is deferred: it can only lend definitions (an endpoint class, a constant, a
helper) to the code that imports it. The engine analyses it when resolving a request or a token
asks for one of its names, and runs the project stage again. A generated client's model modules
are never asked for; an integration's endpoint groups are. Either way the findings are those of a
run that analyses every wanted module (the oracle below switches deferral off).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bolaudit.pipeline import engine, selection
from bolaudit.pipeline.engine import RunResult
from conftest import audit, write_tree

REPO = Path(__file__).resolve().parents[1]
DOCSTRING = '''"""
    v10 - Retailer API

    The bol.com API for retailers. See [authentication](https://api.bol.com/retailer/public/Retailer-API/authentication.html).

    Do not edit the class manually.
"""  # noqa: E501
'''

# A client shaped like openapi-generator's: an API module that says the paths, model modules whose
# docstring links api.bol.com and which import each other by the bol-named package's name.
GENERATED = {
    "bol_retailer/__init__.py": "",
    "bol_retailer/models/__init__.py": "",
    "bol_retailer/models/order_item.py": DOCSTRING + '''
from pydantic import BaseModel


class OrderItem(BaseModel):
    order_item_id: str

    def to_dict(self):
        return self.model_dump(by_alias=True)

    @classmethod
    def from_dict(cls, obj):
        return cls.model_validate({"orderItemId": obj.get("orderItemId")})
''',
    "bol_retailer/models/order.py": DOCSTRING + '''
from pydantic import BaseModel
from bol_retailer.models.order_item import OrderItem


class Order(BaseModel):
    order_id: str
    items: list[OrderItem]

    def to_dict(self):
        return self.model_dump(by_alias=True)

    @classmethod
    def from_dict(cls, obj):
        return cls.model_validate({"orderId": obj.get("orderId"),
                                   "items": [OrderItem.from_dict(i) for i in obj.get("items", [])]})
''',
    "bol_retailer/models/reduced_order.py": DOCSTRING + '''
from pydantic import BaseModel


class ReducedOrder(BaseModel):
    order_id: str

    def to_dict(self):
        return self.model_dump(by_alias=True)
''',
    "bol_retailer/api/orders_api.py": DOCSTRING + '''
import requests

from bol_retailer.models.order import Order
from bol_retailer.models.reduced_order import ReducedOrder

HOST = "https://api.bol.com"


class OrdersApi:
    def __init__(self, session: requests.Session):
        self.session = session

    def get_order(self, order_id: str) -> Order:
        response = self.session.get(
            HOST + "/retailer/orders/" + order_id,
            headers={"Accept": "application/vnd.retailer.v10+json"},
        )
        return Order.from_dict(response.json())

    def get_orders(self) -> list[ReducedOrder]:
        response = self.session.get(HOST + "/retailer/orders")
        return [ReducedOrder(**o) for o in response.json()["orders"]]
''',
}

# An integration's endpoint groups in a module that never says bol: asked for, and resolved.
ENDPOINT_GROUPS = {
    "shop/__init__.py": "",
    "shop/paths.py": '''
class Shipments:
    collection = "shipments"

    @staticmethod
    def one(shipment_id):
        return "shipments/" + shipment_id
''',
    "shop/bol.py": '''
import requests

from shop.paths import Shipments

BASE = "https://api.bol.com/retailer/"
ACCEPT = {"Accept": "application/vnd.retailer.v10+json"}


def shipments():
    return requests.get(BASE + Shipments.collection, headers=ACCEPT, timeout=10)


def shipment(shipment_id):
    return requests.get(BASE + Shipments.one(shipment_id), timeout=10)
''',
}


@pytest.fixture(autouse=True)
def defer_any_size(monkeypatch: pytest.MonkeyPatch) -> None:
    """These trees are small: below ``DEFER_BYTES`` the engine parses everything up front."""
    monkeypatch.setattr(engine, "DEFER_BYTES", 0)


def test_a_small_tree_is_read_up_front(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A project-stage round costs more than parsing a few small modules."""
    monkeypatch.setattr(engine, "DEFER_BYTES", 48 * 1024)
    write_tree(tmp_path, GENERATED)
    project = audit(tmp_path).project
    assert project is not None and "bol_retailer/models/order.py" in project.modules


def test_a_large_module_of_a_small_tree_waits_to_be_asked_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A client's response models in one large module (as python_bol_api_latest's 640-line
    ``models.py``): parsing it costs about a round of the project stage, and nothing asks for it."""
    monkeypatch.setattr(engine, "DEFER_BYTES", 48 * 1024)
    models = "".join(
        f"class {name}(Model):\n    def parse(self, api, text):\n        return self.from_json(api, text, '{name.lower()}')\n\n"
        for name in (f"Model{i}" for i in range(80))
    )
    tree = {
        "shop/__init__.py": "",
        "shop/models.py": "class Model:\n    @classmethod\n    def from_json(cls, api, text, key):\n        return cls()\n\n" + models,
        "shop/api.py": GENERATED["bol_retailer/api/orders_api.py"].replace("bol_retailer.models.order", "shop.models")
        .replace("bol_retailer.models.reduced_order", "shop.models"),
    }
    assert len(tree["shop/models.py"]) >= engine.DEFER_ONE_BYTES
    write_tree(tmp_path, tree)
    result = audit(tmp_path)
    assert result.project is not None and "shop/models.py" not in result.project.modules
    deferred = _outcome(result)
    _without_deferral(monkeypatch)
    assert _outcome(audit(tmp_path)) == deferred


def _without_deferral(monkeypatch: pytest.MonkeyPatch) -> None:
    real = selection.select

    def select(*args: object, **kwargs: object) -> tuple[object, set[str], dict[str, bool]]:
        namer, wanted, _ = real(*args, **kwargs)  # type: ignore[arg-type]
        return namer, wanted, {}

    monkeypatch.setattr(selection, "select", select)


def _outcome(result: RunResult) -> tuple[list[str], list[str]]:
    project = result.project
    assert project is not None
    findings = sorted(f"{f.path}:{f.span.line}:{f.span.column} {f.code} {f.message}" for f in result.findings)
    requests = sorted(f"{r.site.path}:{r.site.span.line} {r.kind} {r.endpoint}" for r in project.requests)
    return findings, requests


def test_model_modules_of_a_generated_client_are_never_parsed(tmp_path: Path) -> None:
    write_tree(tmp_path, GENERATED)
    result = audit(tmp_path)
    project = result.project
    assert project is not None
    assert sorted(project.modules) == ["bol_retailer/api/orders_api.py"]
    endpoints = sorted(r.endpoint for r in project.requests)
    assert endpoints == ["GET /retailer/orders", "GET /retailer/orders/{?}"]


def test_a_module_the_resolver_asks_for_is_analysed(tmp_path: Path) -> None:
    write_tree(tmp_path, ENDPOINT_GROUPS)
    project = audit(tmp_path).project
    assert project is not None
    assert "shop/paths.py" in project.modules
    assert sorted(r.endpoint for r in project.requests) == ["GET /retailer/shipments", "GET /retailer/shipments/{?}"]


@pytest.mark.parametrize("tree", ["generated", "endpoint-groups"])
def test_findings_and_requests_are_those_of_a_run_that_reads_everything(
    tree: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_tree(tmp_path, GENERATED if tree == "generated" else ENDPOINT_GROUPS)
    deferred = _outcome(audit(tmp_path))
    _without_deferral(monkeypatch)
    assert _outcome(audit(tmp_path)) == deferred


def _named_run(root: Path, named: Path) -> tuple[list[str], tuple[list[str], list[str]]]:
    """A pre-commit run on ``named``: the modules it analysed, its findings and requests."""
    from bolaudit.config import Config

    result = engine.run([named], Config(root=root, use_cache=False), debug=True)
    assert result.project is not None
    return sorted(result.project.modules), _outcome(result)


def _fixture_trees() -> list[Path]:
    """Every multi-file tree of the fixtures: the example, the integrations, the scopes trees, the
    generated clients, and the apps the token oracle runs (Django, DRF, Flask, FastAPI, Celery,
    Odoo, schedulers), each written the way such code is."""
    fixtures = REPO / "tests" / "fixtures"
    roots = [REPO / "examples" / "shop-sync", *sorted((fixtures / "integrations").iterdir())]
    for group in ("scopes", "generated", "token_apps"):
        roots += sorted(p for p in (fixtures / group).iterdir() if p.is_dir())
    return [r for r in roots if r.is_dir()]


@pytest.mark.parametrize("root", _fixture_trees(), ids=lambda p: p.name)
def test_every_fixture_integration_gives_the_same_result_deferred_or_not(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deferred = _outcome(audit(root))
    _without_deferral(monkeypatch)
    assert _outcome(audit(root)) == deferred


def test_a_named_file_is_never_deferred(tmp_path: Path) -> None:
    """pre-commit names the files it changed: a model module named beside the API module that
    imports it is analysed, though a module it imports is not."""
    write_tree(tmp_path, GENERATED)
    from bolaudit.config import Config

    named = [tmp_path / "bol_retailer" / "api" / "orders_api.py", tmp_path / "bol_retailer" / "models" / "order.py"]
    result = engine.run(named, Config(root=tmp_path, use_cache=False), debug=True)
    assert result.project is not None
    assert sorted(result.project.modules) == ["bol_retailer/api/orders_api.py", "bol_retailer/models/order.py"]


def test_bol_named_only_in_a_docstring_or_an_import_of_a_project_module_is_not_bol_code(tmp_path: Path) -> None:
    from bolaudit.extract import prefilter

    data = GENERATED["bol_retailer/models/order.py"].encode()
    assert prefilter.api_matters(data)  # the bytes say api.bol.com and bol_retailer
    assert not prefilter.api_in_code(data, "bol_retailer.models.order", False, lambda name: name.startswith("bol_retailer"))
    # An installed bol SDK is not a project module: importing it is bol code.
    assert prefilter.api_in_code(data, "bol_retailer.models.order", False, lambda name: False)
    # A generated model's test names the model by its dotted name, in a string of example code.
    test = b'from bol_retailer.models.order import Order\n"""\nmodel = bol_retailer.models.order.Order(\n"""\n'
    assert not prefilter.api_in_code(test, "test.test_order", False, lambda name: name.startswith("bol_retailer"))
    assert prefilter.api_in_code(test, "test.test_order", False, lambda name: False)


def _python_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.py") if ".git" not in p.parts)


@pytest.mark.parametrize("root", _fixture_trees(), ids=lambda p: p.name)
def test_a_file_named_alone_gives_the_same_result_deferred_or_not(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pre-commit's runs: every Python file of every fixture integration, named alone."""
    from bolaudit.config import Config

    def each() -> list[tuple[str, list[str], list[str]]]:
        out = []
        for path in _python_files(root):
            rel = str(path.relative_to(root))
            result = engine.run([path], Config(root=root, use_cache=False), debug=True)
            findings, requests = _outcome(result)
            # What a named run reports: findings and requests at the named file.
            out.append((rel, findings, [r for r in requests if r.startswith(rel + ":")]))
        return out

    deferred = each()
    _without_deferral(monkeypatch)
    assert each() == deferred


def test_bol_com_in_code_counts_as_a_host_not_as_the_shops_name() -> None:
    from bolaudit.extract import prefilter

    def says(code: str) -> bool:
        return prefilter.api_in_code(code.encode(), "shop.m", False, lambda name: False)

    assert not says('total: float = Field(description="The commission for selling at bol.com.")\n')
    assert says('BASE = "https://api.bol.com/retailer"\n')
    assert says('HOST = "bol.com/"\n')
    assert not says('example = "billie@verkopen.bol.com"\n')  # an e-mail address, not a host
    assert not says('CONTACT = "mailto:partnerservice@bol.com"\n')
    assert says('BASE = "https://user:pw@api.bol.com/retailer"\n')
    assert says('send(to="billie@verkopen.bol.com", url="https://api.bol.com/retailer/orders")\n')


def test_the_context_of_a_named_file_does_not_depend_on_the_hash_seed(tmp_path: Path) -> None:
    """A named run reads at most ``MAX_CONTEXT_FILES`` imported modules: which ones must not
    change from one process to the next (a set's order follows the hash seed)."""
    import subprocess
    import sys

    from bolaudit.pipeline.selection import MAX_CONTEXT_FILES

    files = {"pkg/__init__.py": ""}
    names = [f"m{i:03d}" for i in range(MAX_CONTEXT_FILES + 40)]
    files["pkg/main.py"] = "".join(f"from pkg import {n}\n" for n in names) + 'URL = "https://api.bol.com/retailer/orders"\n'
    files.update({f"pkg/{n}.py": f"X = {i}\n" for i, n in enumerate(names)})
    write_tree(tmp_path, files)
    code = (
        "import sys; from pathlib import Path\n"
        "from bolaudit.config import Config\n"
        "from bolaudit.pipeline import selection, sources\n"
        "root = Path(sys.argv[1]); config = Config(root=root, use_cache=False)\n"
        "found, _, config = sources.gather([root / 'pkg' / 'main.py'], config, None, None)\n"
        "datas = {}; selection.read_all(found, datas, [], config.max_file_size)\n"
        "print(sorted(f.rel for f in selection.context_files(datas, config)))\n"
    )
    seen = {
        subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True, check=True,
                       env={**__import__("os").environ, "PYTHONHASHSEED": seed}).stdout
        for seed in ("1", "2", "3", "4")
    }
    assert len(seen) == 1


def test_a_helper_that_calls_a_token_fetching_client_is_read_for_a_named_loop(tmp_path: Path) -> None:
    """``sync.py`` named alone loops over ``helpers.ship``, which says nothing of HTTP but calls a
    client that fetches a token per request (and holds a credential, so it is read anyway):
    the helper is asked for when the loop's calls are resolved, and BOL201 is found."""
    write_tree(tmp_path, {
        "shop/__init__.py": "",
        "shop/client.py": (
            "import requests\n\nCLIENT_ID = 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d'\n\n"
            "def token():\n"
            "    return requests.post('https://login.bol.com/token', data={'grant_type': 'client_credentials'},\n"
            "                         auth=(CLIENT_ID, 'x'), timeout=10).json()['access_token']\n\n"
            "def ship(item):\n"
            "    return requests.post('https://api.bol.com/retailer/shipments', json={'orderItems': [item]},\n"
            "                         headers={'Authorization': 'Bearer ' + token(),\n"
            "                                  'Accept': 'application/vnd.retailer.v10+json'}, timeout=10)\n"
        ),
        "shop/helpers.py": "from shop import client\n\n\ndef ship_one(item):\n    return client.ship(item)\n",
        "shop/sync.py": "from shop.helpers import ship_one\n\n\ndef run(items):\n    for item in items:\n        ship_one(item)\n",
    })
    from bolaudit.config import Config

    named = engine.run([tmp_path / "shop" / "sync.py"], Config(root=tmp_path, use_cache=False), debug=True)
    assert [f.code for f in named.findings] == ["BOL201"]


GROUPS = ("orders", "offers", "shipments", "invoices")
# Shaped as openapi-generator writes a client: the package imports every endpoint group, each
# group imports the client class, the client imports the package for its REST layer.
GROUPS_SHARING_A_CLIENT = {
    "client/__init__.py": "".join(f"from client.api.{g}_api import {g.title()}Api\n" for g in GROUPS)
    + "from client.api_client import ApiClient\nfrom client.configuration import Configuration\n",
    "client/api/__init__.py": "".join(f"from client.api.{g}_api import {g.title()}Api\n" for g in GROUPS),
    "client/configuration.py": '''
class Configuration:
    def __init__(self, host=None):
        self.host = host or "https://api.bol.com/retailer"
''',
    "client/rest.py": '''
import requests


class RESTClientObject:
    def __init__(self, configuration):
        self.configuration = configuration
        self.session = requests.Session()

    def request(self, method, path, headers=None):
        return self.session.request(method, self.configuration.host + path, headers=headers)
''',
    "client/api_client.py": '''
from client import rest
from client.configuration import Configuration


class ApiClient:
    _default = None

    def __init__(self, configuration=None):
        self.configuration = configuration or Configuration()
        self.rest_client = rest.RESTClientObject(self.configuration)

    @classmethod
    def get_default(cls):
        if cls._default is None:
            cls._default = cls()
        return cls._default

    def call_api(self, method, path, headers=None):
        return self.rest_client.request(method, path, headers=headers)
''',
    **{f"client/api/{group}_api.py": f'''
from client.api_client import ApiClient, RequestSerialized
from client.api_client import (
    ApiClient,
)
{"from client.sandbox import SANDBOX" if group == "orders" else ""}


class {group.title()}Api:
    def __init__(self, api_client=None):
        if api_client is None:
            api_client = ApiClient.get_default()
        self.api_client = api_client

    def get_{group}(self):
        return self.api_client.call_api("GET", "/{group}", headers={{"Accept": "application/vnd.retailer.v10+json"}})
''' for group in GROUPS},
    # A client for the demo environment, made under another name: a call site of ApiClient
    # that the named file's requests depend on.
    "client/sandbox.py": '''
from client.api_client import ApiClient as Client
from client.configuration import Configuration

SANDBOX = Client(Configuration("https://api.bol.com/retailer-demo"))
''',
}


def test_a_named_group_of_a_generated_client_gives_the_same_result_deferred_or_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pre-commit on one endpoint group: its calls go through the shared client, whose call sites
    in the other groups and whose construction under another name (the sandbox) are read."""
    write_tree(tmp_path, GROUPS_SHARING_A_CLIENT)
    named = tmp_path / "client" / "api" / "orders_api.py"

    modules, outcome = _named_run(tmp_path, named)
    assert "client/sandbox.py" in modules
    _without_deferral(monkeypatch)
    assert _named_run(tmp_path, named)[1] == outcome


@pytest.mark.parametrize(("code", "mentions"), [
    ("from client.api_client import ApiClient, RequestSerialized\n", False),
    ("from client.api_client import (\n    RequestSerialized,\n    ApiClient,\n)\n", False),
    ("import client\nclient.api_client.ApiClient.get_default()\n", False),
    ("x = MyApiClient(config)\n", False),
    ("from x import MyApiClient as C\n", False),
    ("from client.api_client import ApiClient as C\n", True),
    ("ApiClient(config)\n", True),  # at the very start of the bytes
    ("from client.api_client import ApiClient\napi = ApiClient(Configuration())\n", True),
    ("from client import api_client\napi = api_client.ApiClient()\n", True),
    ("register(ApiClient)\n", True),
    ("class Sandbox(ApiClient):\n    pass\n", True),
    ("from client.api_client import ApiClient as Client\nSANDBOX = Client(cfg)\n", True),
    ("from client.api_client import (\n    ApiClient,\n)\nx = make(ApiClient, 1)\n", True),
])
def test_where_a_deferred_module_says_a_name(code: str, mentions: bool) -> None:
    """A deferred module is read for the call sites (or subclasses) of ``ApiClient`` when its
    bytes could make one: not for importing the name, which every generated group does."""
    from bolaudit.resolve.index import Deferred, FactIndex

    index = FactIndex({}, {"m.py": Deferred("m", code.encode(), inert=False)})
    index.ask_mentions("ApiClient")
    assert (index.asked == {"m.py"}) is mentions


# An openapi-generator model whose field docs say "bol.com ... identify" and whose example is a
# UUID (an economic operator's id): bytes shaped like a credential, in a module that holds none.
OFFERS = {
    **GENERATED,
    "bol_retailer/models/create_offer_request.py": DOCSTRING + '''
from pydantic import BaseModel, Field


class CreateOfferRequest(BaseModel):
    ean: str
    unknown_product_title: str | None = Field(default=None, description="In case the item is not known to bol.com you can use this field to identify this particular product.")
    economic_operator_id: str | None = Field(default=None, alias="economicOperatorId", json_schema_extra={"examples": ["90bfddc5-a6d0-4986-9253-407b3a6850ca"]})

    def to_dict(self):
        return self.model_dump(by_alias=True)
''',
    "bol_retailer/api/offers_api.py": DOCSTRING + '''
import requests

from bol_retailer.models.create_offer_request import CreateOfferRequest

HOST = "https://api.bol.com"


class OffersApi:
    def __init__(self, session: requests.Session):
        self.session = session

    def post_offer(self, offer: CreateOfferRequest):
        return self.session.post(HOST + "/retailer/offers", json=offer.to_dict(),
                                 headers={"Accept": "application/vnd.retailer.v10+json"})
''',
}


def test_a_module_shaped_like_a_credential_holder_waits_when_the_named_file_holds_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Credentials are compared across files only with a credential in the named file: a model
    whose example UUID looks like a client id is not parsed for an API module named alone, and
    it is parsed when the named file holds a credential of its own."""
    write_tree(tmp_path, OFFERS)
    named = tmp_path / "bol_retailer" / "api" / "offers_api.py"

    modules, outcome = _named_run(tmp_path, named)
    assert "bol_retailer/models/create_offer_request.py" not in modules
    assert outcome[1] == ["bol_retailer/api/offers_api.py:21 api POST /retailer/offers"]
    named.write_text(named.read_text() + '\nBOL_CLIENT_ID = "6f1c2a8e-3b4d-4e5f-9a0b-1c2d3e4f5a6b"\n')
    modules, outcome = _named_run(tmp_path, named)
    assert "bol_retailer/models/create_offer_request.py" in modules
    _without_deferral(monkeypatch)
    assert _named_run(tmp_path, named)[1] == outcome


@pytest.mark.parametrize("code", [
    "def top(): pass\nclass Api:\n    def get(self):\n        def inner(): pass\n    async def poll(self): pass\n",
    "async def first(): pass\r\n\tdef tabbed(): pass\r\nclass  Spaced :\n",
    "x = 'def not_this'\nundefined = 1\npredef  nope = 2\n  class Nested: pass\n",
    "",
])
def test_what_a_deferred_module_defines_is_what_the_line_anchored_regexes_find(code: str) -> None:
    """``Deferred.defined`` and ``methods`` (one pass, from each line's start) say what their
    definitions, two ``^``-anchored regexes over the bytes, say."""
    import re

    from bolaudit.resolve.index import Deferred

    data = code.encode()
    every = re.compile(rb"^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)
    indented = re.compile(rb"^[ \t]+(?:async[ \t]+)?def[ \t]+([A-Za-z_][A-Za-z0-9_]*)", re.MULTILINE)
    d = Deferred("m", data)
    assert d.defined() == {n.decode() for n in every.findall(data)}
    assert d.methods() == {n.decode() for n in indented.findall(data)}
    if code:
        assert d.defined()  # the cases define something
