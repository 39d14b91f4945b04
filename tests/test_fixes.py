"""The safe fixes: building them so formatting and comments stay, applying them to text and to
files (``bolaudit check --fix`` / ``--diff``)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from bolaudit.commands.check import run as run_check
from bolaudit.commands.fixes import apply as apply_to_files
from bolaudit.config import Config
from bolaudit.findings import Finding, Fix, Severity, Span
from bolaudit.fixes.edits import apply_fixes, header_fix
from conftest import write_tree

ACCEPT = ("Accept", "application/vnd.retailer.v10+json")
CT = ("Content-Type", "application/vnd.retailer.v10+json")


def fixed(source: str, add: list[tuple[str, str]], library: str = "requests") -> str | None:
    """The source after adding ``add`` to the only call on the line holding ``requests.``."""
    import libcst as cst
    from libcst.metadata import MetadataWrapper, PositionProvider

    source = textwrap.dedent(source).lstrip("\n")
    wrapper = MetadataWrapper(cst.parse_module(source))
    positions = wrapper.resolve(PositionProvider)
    calls = [
        (node, rng) for node, rng in positions.items()
        if isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute)
        and node.func.attr.value in ("get", "post", "put", "Request")
    ]
    assert len(calls) == 1
    rng = calls[0][1]
    span = Span(rng.start.line, rng.start.column + 1, rng.end.line, rng.end.column + 1)
    fix = header_fix(source, span, add, "add headers", library)
    return None if fix is None else apply_fixes(source, [fix]).text


LAYOUTS = [
    pytest.param(
        'requests.get(URL, headers={"Authorization": token})\n',
        [ACCEPT],
        'requests.get(URL, headers={"Authorization": token, "Accept": "application/vnd.retailer.v10+json"})\n',
        id="one-line dict",
    ),
    pytest.param(
        "requests.get(URL, headers={'Authorization': token})\n",
        [ACCEPT],
        "requests.get(URL, headers={'Authorization': token, 'Accept': 'application/vnd.retailer.v10+json'})\n",
        id="single quotes kept",
    ),
    pytest.param(
        "requests.get(URL, headers={})\n",
        [ACCEPT, CT],
        'requests.get(URL, headers={"Accept": "application/vnd.retailer.v10+json", "Content-Type": "application/vnd.retailer.v10+json"})\n',
        id="empty dict",
    ),
    pytest.param(
        """
        def f():
            return requests.post(
                URL,
                json=body,  # the order
                headers={
                    # who we are
                    "Authorization": token,
                },
            )
        """,
        [CT],
        """
        def f():
            return requests.post(
                URL,
                json=body,  # the order
                headers={
                    # who we are
                    "Authorization": token,
                    "Content-Type": "application/vnd.retailer.v10+json",
                },
            )
        """,
        id="multi-line dict with trailing comma and comments",
    ),
    pytest.param(
        """
        def f():
            return requests.post(URL, headers={
                "Authorization": token,
                "X-Shop": "1"
            })
        """,
        [ACCEPT],
        """
        def f():
            return requests.post(URL, headers={
                "Authorization": token,
                "X-Shop": "1",
                "Accept": "application/vnd.retailer.v10+json"
            })
        """,
        id="multi-line dict without trailing comma",
    ),
    pytest.param(
        """
        class A:
            def f(self):
                return self.session.get(
                    URL,
                    timeout=5,
                )
        """,
        [ACCEPT],
        """
        class A:
            def f(self):
                return self.session.get(
                    URL,
                    timeout=5,
                    headers={"Accept": "application/vnd.retailer.v10+json"},
                )
        """,
        id="no headers, multi-line call",
    ),
    pytest.param(
        "x = (requests.get(URL))  # comment\n",
        [ACCEPT],
        'x = (requests.get(URL, headers={"Accept": "application/vnd.retailer.v10+json"}))  # comment\n',
        id="no headers, parenthesised",
    ),
    pytest.param(
        'req = urllib.request.Request(URL, None, {"Authorization": token})\n',
        [ACCEPT],
        'req = urllib.request.Request(URL, None, {"Authorization": token, "Accept": "application/vnd.retailer.v10+json"})\n',
        id="urllib positional headers",
    ),
]


@pytest.mark.parametrize(("source", "add", "expected"), LAYOUTS)
def test_header_fix_keeps_the_layout(source: str, add: list[tuple[str, str]], expected: str) -> None:
    library = "urllib" if "urllib" in source else "requests"
    assert fixed(source, add, library) == textwrap.dedent(expected).lstrip("\n")


# Layouts where rendering the changed node alone could go wrong; each must give what rendering the
# whole module gives.
TRICKY = [
    'def f():\n    return requests.get(URL, headers={\n        "X-Note": """a\nb""",\n    })\n',
    "class A:\n\tdef f(self):\n\t\treturn self.s.get(\n\t\t\tURL,\n\t\t\ttimeout=5,\n\t\t)\n",
    "if ok: r = requests.get(\n    URL,\n)\n",
    "def f():\n    if requests.get(URL, headers={\n            'A': 'b',\n    }).ok:\n        pass\n",
    "def f():\n    x = 1; r = requests.get(\n        URL,\n    )\n",
    "def f():\n    r = requests.get(\n        URL,\n# a comment at column 1\n        timeout=5,\n    )\n",
    "def f():\n    r = requests.get(URL, headers={'A': 'b', \\\n        'C': 'd'})\n",
]


@pytest.mark.parametrize("source", TRICKY)
def test_header_fix_rendered_alone_is_what_the_whole_module_gives(
    source: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import bolaudit.fixes.edits as fixes

    fixes._parsed.cache_clear()
    quick = fixed(source, [ACCEPT])
    fixes._parsed.cache_clear()
    monkeypatch.setattr(fixes, "_rendered_alone", lambda *args: None)
    reference = fixed(source, [ACCEPT])
    assert reference is not None and "Accept" in reference
    assert quick == reference


def test_header_fix_renders_the_node_alone_where_it_can(monkeypatch: pytest.MonkeyPatch) -> None:
    import bolaudit.fixes.edits as fixes

    fixes._parsed.cache_clear()
    alone: list[str | None] = []
    real = fixes._rendered_alone
    monkeypatch.setattr(fixes, "_rendered_alone", lambda *a: alone.append(real(*a)) or alone[-1])
    for param in LAYOUTS:
        source = param.values[0]
        fixed(source, param.values[1], "urllib" if "urllib" in source else "requests")  # type: ignore[arg-type]
    assert len(alone) == len(LAYOUTS)
    # A parenthesised call's node holds its parentheses, its span does not: the reference path.
    assert [p.id for p, text in zip(LAYOUTS, alone) if text is None] == ["no headers, parenthesised"]


UNSAFE = [
    pytest.param("requests.get(URL, headers=HEADERS)\n", id="headers variable"),
    pytest.param("requests.get(URL, **kwargs)\n", id="kwargs spread"),
    pytest.param("requests.get(URL, headers=dict(a=1))\n", id="headers call"),
    pytest.param('requests.get(URL, headers={"ACCEPT": "x"})\n', id="already written"),
]


@pytest.mark.parametrize("source", UNSAFE)
def test_header_fix_refuses_what_it_cannot_change_safely(source: str) -> None:
    assert fixed(source, [ACCEPT]) is None


def test_header_fix_on_a_span_that_is_no_call() -> None:
    assert header_fix("x = 1\n", Span(1, 1, 1, 6), [ACCEPT], "d") is None
    assert header_fix("def (:\n", Span(1, 1, 1, 2), [ACCEPT], "d") is None


def test_apply_fixes_dedupes_and_skips_overlaps() -> None:
    text = "abc\ndef\n"
    a = Fix("a", Span(1, 2, 1, 3), "B")
    b = Fix("b", Span(1, 1, 1, 4), "XYZ")
    c = Fix("c", Span(2, 1, 2, 1), ">")
    out = apply_fixes(text, [a, a, c, b])
    assert out.text == "XYZ\n>def\n"
    assert out.applied == (b, c) and out.skipped == (a,)


def finding(path: str, fix: Fix | None) -> Finding:
    return Finding("BOL301", "missing-accept", Severity.ERROR, "m", path, Span(1, 1, 1, 1), "h", fix)


def test_files_keep_encoding_and_permissions_and_bad_results_are_refused(tree: Path) -> None:
    latin = "# -*- coding: latin-1 -*-\nNAME = 'café'\nx = requests.get(URL)\n"
    (tree / "a.py").write_bytes(latin.encode("latin-1"))
    os.chmod(tree / "a.py", 0o640)
    add = Fix("add", Span(3, 5, 3, 22), 'requests.get(URL, headers={"Accept": "v"})')
    broken = Fix("break", Span(1, 1, 1, 4), "def (")
    (tree / "b.py").write_text("x = 1\n")
    out = apply_to_files([finding("a.py", add), finding("b.py", broken), finding("c.py", None)], tree, write=True)
    assert (tree / "a.py").read_bytes() == latin.replace("requests.get(URL)", add.replacement).encode("latin-1")
    assert stat.S_IMODE((tree / "a.py").stat().st_mode) == 0o640
    assert (tree / "b.py").read_text() == "x = 1\n"
    assert out.files == ["a.py"] and len(out.fixed) == 1
    assert out.skipped == ["b.py: the fixed file would not parse; left unchanged"]
    assert out.diff.startswith("--- a/a.py\n+++ b/a.py\n")


CASE = {
    "shop/bol.py": textwrap.dedent(
        """
        import requests

        def orders(token):
            return requests.get("https://api.bol.com/retailer/orders",
                                headers={"Authorization": f"Bearer {token}"})

        def weather():
            return requests.get("https://example.com/weather")
        """
    ).lstrip("\n")
}


def test_check_diff_shows_and_fix_writes(tree: Path) -> None:
    write_tree(tree, CASE)
    config = Config(root=tree, jobs=1, use_cache=False)
    before = (tree / "shop/bol.py").read_text()
    shown = run_check([tree], config, diff=True)
    assert shown.exit_code == 1
    added = '+' + ' ' * 24 + 'headers={"Authorization": f"Bearer {token}", "Accept": "application/vnd.retailer.v10+json"})\n'
    assert added in shown.stdout
    assert "would fix 1 finding(s) in 1 file(s)" in shown.stderr
    assert (tree / "shop/bol.py").read_text() == before
    done = run_check([tree], config, fix=True)
    assert "fixed 1 finding(s) in 1 file(s)" in done.stderr
    assert done.exit_code == 0, done.stdout
    assert "application/vnd.retailer.v10+json" in (tree / "shop/bol.py").read_text()
    again = run_check([tree], config, diff=True)
    assert (again.exit_code, again.stdout) == (0, "")


def test_fixes_are_built_for_the_reports_that_show_them(tree: Path) -> None:
    """Text and github reports do not show fixes, so none is built; a JSON run after a text run
    on the same unchanged tree is not served the text run's fix-less result."""
    import json

    from bolaudit.pipeline.engine import run

    write_tree(tree, CASE)
    past = 1_600_000_000
    for path in [tree, *tree.rglob("*")]:
        os.utime(path, (past, past))
    config = Config(root=tree, jobs=1, cache_dir=tree.parent / "cache")
    assert [f.fix for f in run([tree], replace(config, fixes=False)).findings] == [None]
    assert run_check([tree], config, fmt="text").exit_code == 1
    assert run_check([tree], config, fmt="text").exit_code == 1  # from the record of the first
    shown = json.loads(run_check([tree], config, fmt="json").stdout)
    assert [f["fix"]["description"] for f in shown["findings"]] == [
        "add Accept: application/vnd.retailer.v10+json"
    ]


def test_cli_fix_and_diff_flags(tree: Path) -> None:
    write_tree(tree, CASE)
    env = {**os.environ, "NO_COLOR": "1"}
    env.pop("BOLAUDIT_DEBUG", None)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "bolaudit.cli", "check", "--no-cache", *args],
                              cwd=tree, env=env, capture_output=True, text=True)

    diff = cli("--diff")
    assert diff.returncode == 1 and diff.stdout.startswith("--- a/shop/bol.py\n"), diff.stdout + diff.stderr
    fix = cli("--fix")
    assert fix.returncode == 0 and "fixed 1 finding(s)" in fix.stderr, fix.stdout + fix.stderr
    assert cli().returncode == 0


# -- fixes whose text would show a credential ---------------------------------------------------

_SECRET = "Hq4(Lm7!Vx2@Rt9?Kp3-Nz6+Wb8_Jd5" "Ac1Fg0Ys4Ue7Io2Pl9Mk3Tn6Qr8Sv5Xwe"  # fake, kept in pieces
_ID = "3f0c2a5e-8d41-4b7a-9e63-c1d2f4a6b8e0"
_BASIC = __import__("base64").b64encode(f"{_ID}:{_SECRET}".encode()).decode()
LEAKY = {
    "shop/bol.py": textwrap.dedent(
        f"""
        import requests

        BASE = "https://api.bol.com/retailer"


        def orders(page):
            return requests.get(
                BASE + "/orders",
                params={{"page": page}},
                headers={{"Authorization": "Basic {_BASIC}"}},
            )


        def order():
            return requests.get(
                BASE + "/orders/1042?client_secret=" + "{_SECRET[:32]}" + "{_SECRET[32:]}",
            )


        def health():
            # Whether the shop answers at all: the monitoring job asks every five minutes,
            # without a token, so that a broken deployment is seen before the first order.
            return True


        def shipments():
            return requests.get(BASE + "/shipments", headers={{"X-Trace": "1"}})
        """
    ).lstrip("\n")
}


def _pieces(blob: str) -> list[str]:
    return [w for v in (_SECRET, _BASIC) for w in (v[i : i + 16] for i in range(len(v) - 15)) if w in blob]


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_a_fix_that_would_show_a_credential_is_reported_without_its_text(tree: Path, fmt: str) -> None:
    import json

    write_tree(tree, LEAKY)
    out = run_check([tree], Config(root=tree, jobs=1, use_cache=False), fmt=fmt)
    assert not _pieces(out.stdout)
    document = json.loads(out.stdout)
    if fmt == "json":
        fixes = {f["line"]: f["fix"] for f in document["findings"] if f["code"] == "BOL301"}
        assert set(fixes) == {7, 15, 27}
        assert fixes[7] == {"description": "add Accept: application/vnd.retailer.v10+json",
                            "withheld": fixes[7]["withheld"]} and "--fix applies it" in fixes[7]["withheld"]
        assert "withheld" in fixes[15]
        assert fixes[27]["replacement"].endswith('"Accept": "application/vnd.retailer.v10+json"}')
    else:
        results = [r for r in document["runs"][0]["results"] if r["ruleId"] == "BOL301"]
        shown = {r["locations"][0]["physicalLocation"]["region"]["startLine"]: r for r in results}
        assert "fixes" not in shown[7] and "fixWithheld" in shown[7]["properties"]
        assert "fixes" not in shown[15] and "fixes" in shown[27]


def test_diff_leaves_out_the_changes_near_a_credential_and_fix_applies_them(tree: Path) -> None:
    write_tree(tree, LEAKY)
    config = Config(root=tree, jobs=1, use_cache=False)
    before = (tree / "shop/bol.py").read_text()
    shown = run_check([tree], config, diff=True)
    assert shown.exit_code == 1
    assert not _pieces(shown.stdout + shown.stderr)
    assert shown.stdout.count("@@ ") == 1 and "X-Trace" in shown.stdout  # only the clean change
    assert "1 change(s) not shown" in shown.stderr and "(shop/bol.py:10)" in shown.stderr
    # What is shown is a patch that applies by itself: the change left out above added a line,
    # which the new-file position of the hunk shown does not count.
    import re

    hunk = re.search(r"^@@ -(\d+),(\d+) \+(\d+),(\d+) @@", shown.stdout, re.MULTILINE)
    assert hunk is not None and hunk[1] == hunk[3], shown.stdout
    patch = subprocess.run(["patch", "-p1", "--dry-run"], cwd=tree, input=shown.stdout, text=True,
                           capture_output=True)
    assert patch.returncode == 0, patch.stdout + patch.stderr
    done = run_check([tree], config, fix=True, fmt="json")
    assert "fixed 3 finding(s) in 1 file(s)" in done.stderr
    after = (tree / "shop/bol.py").read_text()
    assert after.count('"Accept": "application/vnd.retailer.v10+json"') == 3
    assert after.replace(', "Accept": "application/vnd.retailer.v10+json"', "").replace(
        ',\n        headers={"Accept": "application/vnd.retailer.v10+json"}', "") == before


def test_narrowed_keeps_only_what_a_fix_changes() -> None:
    from bolaudit.fixes.edits import narrowed

    source = 'x = f(a, "S")\ny = 2\n'
    fix = Fix("add", Span(1, 5, 1, 14), 'f(a, "S", h=1)')
    narrow = narrowed(fix, source)
    assert narrow == Fix("add", Span(1, 13, 1, 13), ", h=1")
    assert apply_fixes(source, [narrow]).text == apply_fixes(source, [fix]).text
