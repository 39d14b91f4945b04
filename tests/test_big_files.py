"""Big Python files cost in proportion to their bol code (issue 11, item 4): a module over
``SLICE_ABOVE`` is analysed by slice, with the same findings, requests and fixes as a whole parse."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bolaudit.pipeline import filestage
from bolaudit.bounded import limits
from bolaudit.catalog.credentials import CANDIDATE_BYTES
from bolaudit.extract.slicing import enclosing_statement, imported_names, slice_module
from bolaudit.config import Config
from bolaudit.pipeline.engine import RunResult, run
from conftest import write_tree

REPO = Path(__file__).resolve().parents[1]
SECRET = "Pq3!xT7@vB2-kN9+zR4(mW6)yH1?cJ8_dF5eL0gS3aU7iO2nK4tV9wX1rQ6bM8zD"

CLIENT = '''"""Order sync for the shop: a vendored module that grew."""
import logging

import requests

from shop import settings
from shop.bol import TokenCache

log = logging.getLogger(__name__)
BASE = "https://api.bol.com/retailer"


class Endpoint:
    """Base of the resource groups; says nothing of bol."""

    def __init__(self, api, name):
        self.api = api
        self.name = name

    def all(self, **params):
        return self.api.get(self.name, params=params)


class BolApi:
    def __init__(self, token):
        self.session = requests.Session()
        self.session.headers["Authorization"] = "Bearer " + token
        self.returns = Endpoint(self, "returns")

    def login(self):
        self.session.headers.update({"Accept": settings.RETAILER_JSON})

    def get(self, path, **kwargs):
        return self.session.get(f"{BASE}/{path}", **kwargs)

    def stock(self, offer_id, amount):
        return requests.put(f"{BASE}/offers/{offer_id}/stock", json={"amount": amount},
                            headers={"Accept": "application/vnd.retailer.v9+json"})


def sync(token):
    api = BolApi(token)
    for page in range(1, 4):
        api.get("orders", params={"page": page})
    return api.returns.all()


def fresh_api():
    return BolApi(TokenCache().token())


PRICE_LIST = "price-list.csv"
'''

FILLER = '''

def transform_{i}(row, factor={i}):
    total = 0
    for key, value in row.items():
        if isinstance(value, (int, float)) and key != "id_{i}":
            total += value * factor - {m}
        elif value is None:
            continue
    return {{"sum": total, "name": "transform_{i}", "items": [x for x in row if x]}}
'''

OTHER_FILES = {
    "shop/__init__.py": "",
    "shop/settings.py": "RETAILER_JSON = 'application/vnd.retailer.v10+json'\n",
    "shop/bol.py": (
        "import requests\n\n\nclass TokenCache:\n    def token(self):\n"
        "        return requests.post('https://login.bol.com/token', data={'grant_type': 'client_credentials'},"
        " auth=('id', 'x')).json()['access_token']\n"
    ),
    # Uses a name of the big module that nothing in it connects to bol.
    "shop/prices.py": "from shop.orders import PRICE_LIST\n\nFILE = PRICE_LIST\n",
}


def big_module(size: int, secret_at: int | None = None) -> str:
    parts = [CLIENT]
    i = 0
    while sum(map(len, parts)) < size:
        parts.append(FILLER.format(i=i, m=i % 7))
        if secret_at is not None and i == secret_at:
            parts.append(f"\n\nBOL_CLIENT_SECRET = '{SECRET}'\n")
        i += 1
    return "".join(parts)


def rows(result: RunResult) -> tuple[list[object], list[object]]:
    findings = sorted((f.code, f.path, f.span, f.message, f.fix) for f in result.findings)
    project = result.project
    requests = sorted(
        (r.path, r.http.span, r.endpoint, r.operation and r.operation.operation_id, r.unresolved or "",
         tuple(sorted(r.headers.as_dict().items())))
        for r in project.requests  # type: ignore[attr-defined]
    )
    return findings, requests


def audited(root: Path) -> RunResult:
    return run([root], Config(root=root, use_cache=False, jobs=1, fixes=True), debug=True)


def test_a_big_module_gives_what_a_whole_parse_gives(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = big_module(200 * 1024, secret_at=300)
    write_tree(tree, {**OTHER_FILES, "shop/orders.py": text})
    sliced = slice_module(text, CANDIDATE_BYTES, seeds=["PRICE_LIST"], follow=["bol", "settings"])
    assert sliced is not None and len(sliced.text) < len(text) / 10  # really a slice
    kept = sliced.text
    for needed in ("class Endpoint", "def login", "def sync", "def fresh_api", "PRICE_LIST =",
                   "BOL_CLIENT_SECRET", "from shop import settings"):
        assert needed in kept, needed
    assert "transform_17" not in kept

    findings, requests = rows(audited(tree))
    monkeypatch.setattr(filestage, "SLICE_ABOVE", 10**9)
    monkeypatch.setattr(limits, "SLICE_ABOVE", 10**9)
    assert rows(audited(tree)) == (findings, requests)
    codes = {code for code, *_ in findings}
    assert {"BOL101", "BOL303"} <= codes  # the secret among the filler; the v9 media type
    secret = next(span for code, path, span, *_ in findings if code == "BOL101" and path == "shop/orders.py")
    assert text.split("\n")[secret.line - 1].startswith("BOL_CLIENT_SECRET = ")
    endpoints = {endpoint for _, _, endpoint, *_ in requests}
    assert "GET /retailer/orders" in endpoints and "GET /retailer/returns" in endpoints


def test_a_commented_out_secret_between_statements_of_a_big_module_is_found(tree: Path) -> None:
    text = big_module(150 * 1024)
    lines = text.split("\n")
    at = next(n for n, line in enumerate(lines) if line.startswith("def transform_60("))
    lines.insert(at, f"# BOL_CLIENT_SECRET = '{SECRET}'  (the old one, rotated?)")
    write_tree(tree, {**OTHER_FILES, "shop/orders.py": "\n".join(lines)})
    found = [f for f in audited(tree).findings if f.code == "BOL101" and f.path == "shop/orders.py"]
    assert [f.span.line for f in found] == [at + 1]


def test_a_syntax_error_outside_the_bol_code_is_still_bol000(tree: Path) -> None:
    text = big_module(150 * 1024)
    lines = text.split("\n")
    broken = next(n for n, line in enumerate(lines) if line.startswith("def transform_40("))
    lines[broken + 2] = "    for key value in row.items():"  # far from any bol code
    write_tree(tree, {**OTHER_FILES, "shop/orders.py": "\n".join(lines)})
    result = audited(tree)
    errors = [f for f in result.findings if f.code == "BOL000" and f.path == "shop/orders.py"]
    assert [f.span.line for f in errors] == [broken + 3]


def test_a_big_notebook_is_sliced_and_its_lines_point_into_the_file(tree: Path) -> None:
    cells = [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
              "source": [f"def f_{i}(x):\n", f"    return x * {i} + sum(range({i}))\n"]} for i in range(3000)]
    cells.insert(2000, {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": [
        "import requests\n", "r = requests.get('https://api.bol.com/retailer/orders',\n",
        "                 headers={'Accept': 'application/vnd.retailer.v8+json'})\n"]})
    text = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)
    write_tree(tree, {"explore.ipynb": text})
    found = [f for f in audited(tree).findings if f.code == "BOL303"]
    assert len(found) == 1
    line = text.split("\n")[found[0].span.line - 1]
    assert "vnd.retailer.v8+json" in line  # the literal's own line in the .ipynb, not line 1 or 2


def test_a_literal_in_a_small_notebook_is_reported_at_its_own_line(tree: Path) -> None:
    """Literal positions travel as JSON in the facts; they are mapped to the file's lines too."""
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# Orders\n"] * 5},
             {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": [
                 "import requests\n", "r = requests.get('https://api.bol.com/retailer/orders',\n",
                 "                 headers={'Accept': 'application/vnd.retailer.v8+json'})\n"]}]
    text = json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, indent=1)
    write_tree(tree, {"orders.ipynb": text})
    found = [f for f in audited(tree).findings if f.code == "BOL303"]
    assert [("vnd.retailer.v8+json" in text.split("\n")[f.span.line - 1]) for f in found] == [True]


def test_imported_names_finds_what_other_files_take() -> None:
    importers = [
        b"from shop.orders import (\n    BolApi,\n    fresh_api as api,\n)\n",
        b"from .orders import sync; import shop.orders as o\nx = o.PRICE_LIST\n",
        b"import shop.orders\nshop.orders.Endpoint\n",
    ]
    assert imported_names("shop.orders", importers) >= {"BolApi", "fresh_api", "sync", "PRICE_LIST", "Endpoint"}


def test_enclosing_statement_is_the_top_level_statement() -> None:
    text = big_module(140 * 1024)
    lines = text.split("\n")
    get = next(n for n, line in enumerate(lines, 1) if "return self.session.get(" in line)
    start, end = enclosing_statement(text, get, get) or (0, 0)
    assert lines[start - 1] == "class BolApi:" and lines[end - 1].strip().startswith('headers={"Accept"')


def test_slicing_leaves_odd_text_to_the_parser() -> None:
    assert slice_module("x = (\n" * 10, CANDIDATE_BYTES) is None  # cannot tokenize
    assert slice_module("a = 1\rb = 2\r", CANDIDATE_BYTES) is None  # old Mac line ends
    assert slice_module("import requests\nrequests.get('https://api.bol.com/retailer/orders')\n", CANDIDATE_BYTES) is None


@pytest.mark.slow
def test_one_mebibyte_module_costs_seconds_and_megabytes_not_minutes_and_gigabytes(tmp_path: Path) -> None:
    """Measured: 20 s and 600 MB before slicing; about 2 s and 40 MB after."""
    root = tmp_path / "big"
    (root / ".git").mkdir(parents=True)
    (root / "orders.py").write_text(big_module(1024 * 1024 - 16 * 1024))
    done = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "measure.py"), "--cwd", str(root), "--",
         sys.executable, "-m", "bolaudit", "check", "--no-cache", "--format", "json", "orders.py"],
        capture_output=True, text=True, check=True,
    )
    measured = json.loads(done.stdout)
    assert measured["exit"] == 1, measured  # the v9 media type, the missing Accept
    assert measured["rss_mb"] < 250, measured
    assert measured["wall"] < 12, measured
