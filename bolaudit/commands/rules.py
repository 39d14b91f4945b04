"""``bolaudit rules [CODE]``: the rule table, or one rule's docs and examples."""

from __future__ import annotations

import json
import re

from bolaudit.rulebase import all_rules, case_files


def render(code: str | None) -> tuple[str, int]:
    rules = all_rules()
    if code is None:
        width = max(len(r.name) for r in rules)
        lines = [f"{r.code}  {r.name:<{width}}  {r.severity.value:<7}  {r.summary()}" for r in rules]
        return "\n".join(lines) + "\n", 0
    matches = [r for r in rules if r.code == code or r.name == code.lower()]
    if not matches:
        known = ", ".join(r.code for r in rules)
        return f"bolaudit: no rule {code}; known rules: {known}\n", 2
    rule = matches[0]
    out = [f"{rule.code} {rule.name} ({rule.severity.value})", "", rule.docs(), ""]
    for title, cases in (("Flagged", rule.INVALID[:3]), ("Not flagged", rule.VALID[:3])):
        out.append(f"## {title} (from the rule's test cases)")
        for case in cases:
            for path, content in case_files(case.files).items():
                out.append(f"--- {path}")
                out.append(masked(content.rstrip("\n")))
            if case.token_claims is not None:  # a BOL4xx case: the code and the token's grants
                out.append("--- token claims")
                out.append(json.dumps(case.token_claims, indent=2, sort_keys=True))
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n", 0


def masked(text: str) -> str:
    """A rule's example with every secret-shaped value and ``Basic`` pair masked (``d3u2…Ngw``).

    The examples are made-up credentials, but printed whole they would be reported by every
    secret scanner that reads a CI log or a pasted terminal; the cases run unmasked as tests.
    """
    from bolaudit.catalog import credentials as cr

    def secret(m: re.Match[str]) -> str:
        return cr.mask(m.group()) if cr.secret_shape(m.group()) is not None else m.group()

    def pair(m: re.Match[str]) -> str:
        run = m.group()
        if cr.decode_basic(run) is None:
            return run
        prefix = run[: len(run) - len(run.lstrip("Basic \t"))] if run.startswith("Basic") else ""
        return prefix + cr.mask(run[len(prefix) :])

    return cr.SECRET_RUN_RE.sub(secret, cr.BASIC_RUN_RE.sub(pair, text))
