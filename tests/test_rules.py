"""Every rule's own VALID and INVALID cases, run through the whole pipeline; and rule hygiene."""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bolaudit.findings import Finding, Problem
from bolaudit.rulebase import DOC_SECTIONS, Invalid, RuleBase, Valid, all_rules, case_files
from conftest import audit, shared, write_tree

RULES = all_rules()
CASES = [
    pytest.param(rule, case, id=f"{rule.code}-{'valid' if isinstance(case, Valid) else 'invalid'}-{i}")
    for rule in RULES
    for i, case in enumerate([*rule.VALID, *rule.INVALID])
]


@pytest.mark.parametrize(("rule", "case"), CASES)
def test_case(rule: type[RuleBase], case: Valid | Invalid, tree: Path) -> None:
    files = case_files(case.files)
    write_tree(tree, files)
    if case.token_claims is not None:
        found, problems = token_case(tree, rule.code, case.token_claims)
    else:
        result = audit(tree, select=(rule.code,))
        found = [f for f in result.findings if f.code == rule.code]
        problems = list(result.problems)
    assert not [p for p in problems if p.kind.value == "internal"], problems
    if isinstance(case, Valid):
        assert found == [], f"{rule.code} must not report on this VALID case: {[f.message for f in found]}"
        return
    assert found, f"{rule.code} must report on this INVALID case"
    if case.count is not None:
        assert len(found) == case.count, [f.message for f in found]
    first = min(found, key=lambda f: (f.path, f.span))
    if case.path is not None:
        first = min((f for f in found if f.path == case.path), key=lambda f: f.span)
    if case.line is not None:
        assert first.span.line == case.line, f"first finding at {first.path}:{first.span.line}: {first.message}"
    if case.message is not None:
        assert any(case.message in f.message for f in found), [f.message for f in found]


def token_case(tree: Path, code: str, claims: Mapping[str, object]) -> tuple[list[Finding], list[Problem]]:
    """A case with a test token runs through ``bolaudit scopes``' pipeline: an RS256 token with
    these claims (``iat``/``exp`` relative to now, in seconds) is compared with the code."""
    from bolaudit.commands.scopes import analyse
    from bolaudit.commands.token import Obtained
    from bolaudit.config import Config
    from bolaudit.tokens.jwt import decode

    try:
        from tokenserver import mint  # type: ignore[import-not-found]
    except ModuleNotFoundError:  # tests/ became a package
        from tests.tokenserver import mint
    now = datetime.now(timezone.utc).replace(microsecond=0)
    stamp = int(now.timestamp())
    given = {k: stamp + v if k in ("iat", "exp") and isinstance(v, int) else v for k, v in claims.items()}
    decoded = decode(mint(given), now=now)
    config = Config(root=tree, jobs=1, use_cache=False)
    result = analyse([tree], config, Obtained(decoded, "a test token"), now=now)
    return [f for f in result.report.findings if f.code == code], list(result.problems)


FIXED = [
    pytest.param(rule, case, id=f"{rule.code}-invalid-{i}")
    for rule in RULES
    for i, case in enumerate(rule.INVALID)
    if case.fixed is not None
]


@pytest.mark.parametrize(("rule", "case"), FIXED)
def test_fix(rule: type[RuleBase], case: Invalid, tree: Path) -> None:
    """``--fix`` on an INVALID case turns the flagged file into the case's ``fixed`` text."""
    import textwrap

    from bolaudit.fixes.edits import apply_fixes

    files = case_files(case.files)
    write_tree(tree, files)
    found = [f for f in audit(tree, select=(rule.code,)).findings if f.code == rule.code]
    fixes = [f for f in found if f.fix is not None]
    assert fixes, f"{rule.code} offers no fix on this INVALID case"
    target = case.path or fixes[0].path
    applied = apply_fixes(files[target], [f.fix for f in fixes if f.path == target and f.fix])
    assert applied.text == textwrap.dedent(case.fixed or "").lstrip("\n")
    assert not applied.skipped


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_documents_itself(rule: type[RuleBase]) -> None:
    docs = rule.docs()
    for section in DOC_SECTIONS:
        assert f"## {section}" in docs, f"{rule.code} docs lack the section '{section}'"
    assert rule.summary(), f"{rule.code} has no one-line summary"
    assert len(rule.VALID) >= 2 and len(rule.INVALID) >= 2, f"{rule.code} needs 2+ cases of each kind"
    assert rule.code.startswith("BOL") and rule.name == rule.name.lower()


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_docs_say_whether_fix_can_fix_it_and_cite_references(rule: type[RuleBase]) -> None:
    docs = rule.docs()
    fix = docs.split("## Fix\n", 1)[1].split("\n## ", 1)[0]
    fixable = any(case.fixed is not None for case in rule.INVALID)
    assert fix.startswith("Fix available: `bolaudit check --fix`") is fixable, fix
    assert fixable or fix.startswith("No automatic fix: "), fix
    references = docs.split("## References\n", 1)[1]
    assert re.fullmatch(r"(- [^\n]+: <https://[^>\s]+>\n?)+", references), references
    assert "bol.com" in references or rule.code == "BOL000"


def test_rule_references_are_pages_bol_documents() -> None:
    """Every bol URL a rule cites is one the project's sources name (../shared/bol-api)."""
    known = shared("bol-api", "FACTS.md").read_text(encoding="utf-8")
    known += shared("bol-api", "SOURCES.md").read_text(encoding="utf-8")
    cited = {url for rule in RULES for url in re.findall(r"<(https://[^>]+)>", rule.docs())}
    bol = {url for url in cited if urllib.parse.urlsplit(url).hostname.endswith("bol.com")}  # type: ignore[union-attr]
    assert len(bol) >= 8 and not [url for url in bol if url not in known]


def test_sarif_links_every_rule_to_its_readme_row() -> None:
    from bolaudit.report.sarif import help_uri

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    for rule in RULES:
        anchor = help_uri(rule.code).rsplit("#", 1)[1]
        assert f'<a id="{anchor}"></a>{rule.code} | {rule.name} |' in readme, rule.code


def test_the_rule_codes_check_runs_are_the_rule_pack() -> None:
    """``config.rulesets`` lists the codes as data (checking a selector must not import the
    rule pack): it must list exactly the rules there are."""
    from bolaudit.config.rulesets import CHECK_CODES, TOKEN_CODES
    from bolaudit.rules_api import TokenRule

    assert set(TOKEN_CODES) == {r.code for r in RULES if issubclass(r, TokenRule)}
    assert set(CHECK_CODES) == {r.code for r in RULES if not issubclass(r, TokenRule)}


def test_codes_are_designs() -> None:
    """Rule codes are an interface: only DESIGN.md's codes, each used once."""
    design = {
        "BOL000", "BOL101", "BOL102", "BOL103", "BOL201", "BOL202", "BOL203", "BOL204", "BOL205", "BOL206",
        "BOL301", "BOL302", "BOL303", "BOL304", "BOL305", "BOL306", "BOL401", "BOL402", "BOL403",
        "BOL404",
    }
    codes = [r.code for r in RULES]
    assert len(codes) == len(set(codes))
    assert set(codes) <= design


def test_rules_command_shows_a_token_rules_cases_with_their_token() -> None:
    """``bolaudit rules BOL401``: each case's code and the claims of the token it is judged by."""
    import json

    from bolaudit.commands.rules import render

    text, code = render("BOL401")
    assert code == 0
    shown = text.split("## Not flagged")[0].split("--- token claims\n")[1:]
    rule = next(r for r in RULES if r.code == "BOL401")
    expected = [c.token_claims for c in rule.INVALID[:3]]
    assert [json.loads(block.split("\n---")[0].split("\n\n")[0]) for block in shown] == expected
    plain, _ = render("BOL101")
    assert "token claims" not in plain
