"""Property tests: no file content makes the per-file stage or a whole run raise.

Generated programs (hypothesmith: from the grammar, and from LibCST node types), random bytes,
and random text with bol's words sprinkled in (so the HTTP, token and credential paths really
run) go through ``filestage.analyze``, which runs the fact extractor, the credential visitor and
every per-file rule in one traversal. Whatever a file holds, the result is facts, findings and at
most a BOL000 error fact, never an exception and never an internal problem. A few examples go
through ``engine.run`` on a small tree, so every project rule sees odd facts too.

Bounded for the suite (a few seconds). ``BOLAUDIT_FUZZ_SCALE`` multiplies the example counts for
the longer run (``python benchmarks/fuzz.py``), and lengthens the random inputs;
``BOLAUDIT_FUZZ_DB`` keeps the examples found.
Inputs the longer run found are pinned below as ``REGRESSIONS``.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import tempfile
from pathlib import Path

import hypothesmith
import libcst
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase

from bolaudit.config import Config
from bolaudit.pipeline.engine import run
from bolaudit.pipeline.filestage import FileJob, FileResult, analyze
from bolaudit.findings import ProblemKind

SCALE = max(1, int(os.environ.get("BOLAUDIT_FUZZ_SCALE", "1")))
SIZE = min(SCALE, 8)  # the longer run also tries longer inputs
_DB = os.environ.get("BOLAUDIT_FUZZ_DB")


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples * SCALE,
        deadline=None,
        database=DirectoryBasedExampleDatabase(_DB) if _DB else None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )


# Fragments that steer the analysis into its bol paths: hosts, token service, media types,
# clients, sessions, headers, loops and credential shapes (all made up).
BOL_WORDS = (
    '"https://api.bol.com/retailer"', '"https://api.bol.com/retailer/orders"',
    '"https://login.bol.com/token"', '"https://login.bol.com/token?grant_type=client_credentials"',
    '"application/vnd.retailer.v10+json"', '"http://api.bol.com/retailer/v3/offers"',
    "requests.get", "requests.post", "requests.Session()", "httpx.Client(base_url=BASE)",
    "aiohttp.ClientSession", "OAuth2Session", "session.headers.update", "headers=",
    '{"Accept": "application/json"}', "auth=(CLIENT_ID, CLIENT_SECRET)", "verify=False",
    "BOL_CLIENT_SECRET", 'os.getenv("BOL_CLIENT_ID", "x")', "client_secret", "client_id",
    '"Bearer " + token', "self._token", "self._request", "import requests", "import httpx",
    "from .client import BolClient", "for order in orders:", "while True:", "def get_token(self):",
    "class BolClient:", "return", "if expired:", "print(token)", "logging.info(",
    '"d3u2bfa1-7c2e-4f7a-9a1b-2c3d4e5f6a7b"', "'" + "Zk9" * 22 + "'", "%", ".format(", "f'{BASE}/x'",
    "urljoin(BASE, path)", '"/".join(parts)', "**kwargs", "*args", "lambda: None", "\\", "#", "\n",
    "\n    ", "(", ")", "[", "]", "{", "}", ":", "=", ",", ".", " ", '"', "'", '"""',
)
bol_text = st.lists(st.one_of(st.sampled_from(BOL_WORDS), st.text(max_size=8)), max_size=60 * SIZE).map("".join)

# Programs that parse, built around bol calls, so the extractor sees real shapes with odd twists.
_TEMPLATE = """\
import os
import requests
{prefix}
BASE = "https://api.bol.com/retailer"
CLIENT_ID = os.getenv("BOL_CLIENT_ID", {default})

class BolClient:
    def __init__(self, {params}):
        self.session = requests.Session()
        self.session.headers.update({{"Accept": {media}}})

    def get_token(self):
        return requests.post("https://login.bol.com/token", auth=(CLIENT_ID, {secret})).json()

    def _request(self, method, path, **kwargs):
        return self.session.request(method, {url}, headers={headers}, **kwargs)

def sync(client, orders):
    for order in orders:
        token = client.get_token()
        client._request({method}, {path})
{suffix}
"""
_expr = st.sampled_from(
    ('"x"', "None", "BASE", "BASE + path", 'f"{BASE}/{path}"', "os.environ['X']", "1", "[]",
     "{}", "{**kwargs}", "lambda: 1", "CLIENT_ID", "self.session", "(yield)", "path % (1, 2)",
     '"%s/%s" % (BASE, path)', '"{}/orders".format(BASE)', '"/".join([BASE, path])', "...")
)
templated = st.builds(
    _TEMPLATE.format,
    prefix=st.sampled_from(("", "from __future__ import annotations", "import httpx as requests", "requests = None")),
    default=_expr, params=st.sampled_from(("", "self", "*a, **k", "base=BASE", "/, x")),
    media=_expr, secret=_expr, url=_expr, headers=_expr, method=_expr, path=_expr,
    suffix=st.sampled_from(("", "sync(BolClient(), range(3))", "del BolClient", "BolClient = 1", "global BASE")),
)


def _job(data: bytes, kind: str = "python", rel: str = "pkg/mod.py") -> FileJob:
    return FileJob(str(Path("/fuzz") / rel), rel, kind, "pkg.mod" if kind == "python" else "", False, data)


def assert_clean(result: FileResult) -> None:
    """A file's result: facts, findings and at most BOL000 errors; nothing internal; it pickles."""
    assert isinstance(result, FileResult)
    internal = [p for p in result.problems if p.kind is ProblemKind.INTERNAL]
    assert not internal, internal
    for message, span in result.facts.errors:
        assert message and span.line >= 1
    pickle.loads(pickle.dumps(result))  # it crosses process boundaries and goes into the cache


def check_python(source: str | bytes) -> FileResult:
    data = source.encode("utf-8", "surrogatepass") if isinstance(source, str) else source
    result = analyze(_job(data))
    assert_clean(result)
    return result


# Edge cases pinned as regular cases: empty and BOM-only files, declared and bogus encodings,
# NUL bytes, nesting just under what CPython and LibCST accept, an unclosed definition, a stray
# indent. Add here whatever the longer fuzz run finds.
REGRESSIONS: list[bytes] = [
    b"",
    b"\xef\xbb\xbf",
    b"# -*- coding: latin-1 -*-\nx = '\xe9'\n",
    b"# coding: nonsense\n",
    b"\x00\x01\x02",
    b"(" * 1000,
    b"x = " + b"[" * 300 + b"]" * 300 + b"\n",
    b"requests.get(" * 200 + b")" * 200 + b"\n",
    b"def f(\n",
    b"\t\n  x\n",
]


@pytest.mark.parametrize("data", REGRESSIONS, ids=range(len(REGRESSIONS)))
def test_regressions_are_analysed_without_raising(data: bytes) -> None:
    check_python(data)


# Deep nesting that LibCST's native parser cannot survive: it overflows the C stack and the
# process dies (SIGSEGV), taking a worker pool or a pre-commit run with it. CPython's own parser
# refuses these files cleanly (more than 200 nested brackets is a SyntaxError), so they must come
# back as BOL000. Run in a child process: a crash must fail this test, not kill the suite.
DEEP = {
    "open-brackets": b"(" * 5000,
    "nested-lists": b"x = " + b"[" * 2000 + b"]" * 2000 + b"\n",
    "nested-calls": b"requests.get(" * 2000 + b")" * 2000 + b"\n",
    "long-sum": b"BOL = 'https://api.bol.com/retailer' + " + b"'x' + " * 20000 + b"'x'\n",
    "long-attribute-chain": b"import requests\nx = requests" + b".a" * 20000 + b"\n",
}
_IN_CHILD = """
import sys
from bolaudit.pipeline.filestage import FileJob, analyze
data = sys.stdin.buffer.read()
result = analyze(FileJob("/fuzz/deep.py", "deep.py", "python", "deep", False, data))
print(len(result.facts.errors))
"""


@pytest.mark.parametrize("data", DEEP.values(), ids=DEEP.keys())
def test_deep_nesting_is_a_bol000_not_a_crash(data: bytes) -> None:
    proc = subprocess.run(
        [sys.executable, "-c", _IN_CHILD], input=data, capture_output=True, timeout=120, check=False
    )
    assert proc.returncode == 0, f"the analysis died: exit {proc.returncode}"
    assert proc.stdout.strip() == b"1", "a file Python cannot parse carries one BOL000 error"


def test_a_syntax_error_is_a_bol000_fact_not_an_exception() -> None:
    result = check_python("import requests\nrequests.get('https://api.bol.com/retailer/orders'\n")
    assert result.facts.errors, "an unparsable file must carry its BOL000 error"


@_settings(15)
@given(hypothesmith.from_grammar())
def test_programs_from_the_grammar(source: str) -> None:
    check_python(source)


@_settings(15)
@given(hypothesmith.from_node(libcst.Module))
def test_programs_from_libcst_nodes(source: str) -> None:
    check_python(source)


@_settings(25)
@given(templated)
def test_bol_shaped_programs(source: str) -> None:
    result = check_python(source)
    assert not result.facts.errors, "every templated program parses"


@_settings(40)
@given(bol_text)
def test_text_with_bol_words(source: str) -> None:
    check_python(source)


@_settings(40)
@example(b"\xff\xfe\x00")
@example(b"#!/usr/bin/env python\n# coding: utf-16\nx = 1\n")
@given(st.binary(max_size=600 * SIZE))
def test_random_bytes(data: bytes) -> None:
    check_python(data)


@_settings(25)
@given(st.one_of(st.binary(max_size=300 * SIZE), bol_text.map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_text_files(data: bytes) -> None:
    for rel in ("config.yaml", ".env", "docker-compose.yml", "README.md"):
        assert_clean(analyze(_job(data, "text", rel)))


notebooks = st.lists(st.one_of(bol_text, templated), max_size=3).map(
    lambda cells: json.dumps(
        {"cells": [{"cell_type": "code", "source": c, "metadata": {}, "outputs": []} for c in cells],
         "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    ).encode()
)


@_settings(15)
@given(st.one_of(notebooks, st.binary(max_size=200 * SIZE)))
def test_notebooks(data: bytes) -> None:
    assert_clean(analyze(_job(data, "notebook", "explore.ipynb")))


@_settings(6)
@given(
    st.dictionaries(
        st.sampled_from(("shop/__init__.py", "shop/bol/client.py", "shop/sync.py", "shop/config.py", "app.py", ".env", "deploy.yml")),
        st.one_of(templated, bol_text, hypothesmith.from_node(libcst.Module, auto_target=False)),
        min_size=1, max_size=5,
    )
)
def test_whole_runs_on_small_trees(files: dict[str, str]) -> None:
    """Project rules see facts of odd programs too; ``debug=True`` lets any bolaudit bug raise."""
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        for rel, content in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content.encode("utf-8", "surrogatepass"))
        result = run([root], Config(root=root, jobs=1, use_cache=False), debug=True)
    assert not [p for p in result.problems if p.kind is ProblemKind.INTERNAL]
    assert {f.path for f in result.findings} <= set(files)
