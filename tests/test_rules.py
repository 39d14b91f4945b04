"""Every rule's own VALID and INVALID cases, run through the whole pipeline; and rule hygiene."""

from __future__ import annotations

from pathlib import Path

import pytest

from bolaudit.rule import DOC_SECTIONS, Invalid, RuleBase, Valid, all_rules, case_files
from conftest import audit, write_tree

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
    result = audit(tree, select=(rule.code,))
    found = [f for f in result.findings if f.code == rule.code]
    assert not [p for p in result.problems if p.kind.value == "internal"], result.problems
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


@pytest.mark.parametrize("rule", RULES, ids=[r.code for r in RULES])
def test_rule_documents_itself(rule: type[RuleBase]) -> None:
    docs = rule.docs()
    for section in DOC_SECTIONS:
        assert f"## {section}" in docs, f"{rule.code} docs lack the section '{section}'"
    assert rule.summary(), f"{rule.code} has no one-line summary"
    assert len(rule.VALID) >= 2 and len(rule.INVALID) >= 2, f"{rule.code} needs 2+ cases of each kind"
    assert rule.code.startswith("BOL") and rule.name == rule.name.lower()


def test_codes_are_designs() -> None:
    """Rule codes are an interface: only DESIGN.md's codes, each used once."""
    design = {
        "BOL000", "BOL101", "BOL102", "BOL103", "BOL201", "BOL202", "BOL203", "BOL204", "BOL205",
        "BOL301", "BOL302", "BOL303", "BOL304", "BOL305", "BOL306", "BOL401", "BOL402", "BOL403",
        "BOL404",
    }
    codes = [r.code for r in RULES]
    assert len(codes) == len(set(codes))
    assert set(codes) <= design
