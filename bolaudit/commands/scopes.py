"""``bolaudit scopes``: the resources and rights the code needs, compared with a token's grants.

The same pipeline and cache as ``check`` (``engine.run``), with a different ending: resolved
requests -> catalog operations -> resources and rights (``bolaudit.tokens.grants``) -> BOL401-BOL404
(the rules' ``check_grants``) -> one of three formats. The token, when given, is read or fetched
before the analysis, so a bad token or key fails fast and costs nothing else.

``select``/``ignore`` in the configuration are ``check``'s: BOL401-BOL404 always run here, since
comparing is what this command is for. An expired token is compared all the same (its grants
have not changed), with a warning. Exit codes: 0 the token covers the code (or no token was
given), 1 a grant is missing or insufficient, 2 an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from bolaudit import __version__
from bolaudit.commands.check import FATAL, Outcome
from bolaudit.commands.token import Environment, KeySource, Obtained, TokenSource
from bolaudit.config import Config
from bolaudit.findings import Problem
from bolaudit.records import record

if TYPE_CHECKING:
    from bolaudit.catalog import Catalog
    from bolaudit.rulebase import TokenRule
    from bolaudit.report.scopes_report import ScopesReport, TokenSummary

FORMATS = ("text", "json", "markdown")


@record
class ScopesResult:
    report: ScopesReport
    problems: tuple[Problem, ...]

    @property
    def exit_code(self) -> int:
        if any(p.kind in FATAL for p in self.problems):
            return 2
        comparison = self.report.audit.comparison
        return 0 if comparison is None or comparison.covered else 1


def token_rules() -> list[TokenRule]:
    """BOL401-BOL404: every rule of the pack that looks at a token's grants."""
    from bolaudit.rulebase import TokenRule, all_rules

    return [rule() for rule in all_rules() if issubclass(rule, TokenRule)]


def analyse(paths: Sequence[Path], config: Config, obtained: Obtained | None, *,
            now: datetime, warn_days: int | None = None) -> ScopesResult:
    """Run the pipeline on ``paths`` and compare what the code needs with ``obtained``'s grants.

    Raises ``CatalogError`` for a bad ``[tool.bolaudit.scopes]`` mapping (``run`` checks it
    first)."""
    from bolaudit.pipeline import engine
    from bolaudit.commands.token import expiring
    from bolaudit.report.scopes_report import ScopesReport
    from bolaudit.tokens.grants import Expiring, GrantAudit, compare, grants, needs

    result = engine.run(paths, config, rules=False)
    project = result.project
    assert project is not None  # every run has a project stage, empty when nothing matters
    catalog = project.catalog
    unparsable = [(path, span.line, message) for path, facts in project.index.iter_modules()
                  for message, span in facts.errors]
    need = needs(project.requests, catalog, unparsable)
    comparison = None
    warnings: tuple[Expiring, ...] = ()
    if obtained is not None:
        comparison = compare(need, grants(obtained.decoded.scopes, catalog), catalog)
        warnings = expiring(obtained, config.warn_days if warn_days is None else warn_days, now)
    audit = GrantAudit(need, comparison, warnings)
    findings = tuple(f for rule in token_rules() for f in rule.check_grants(audit))
    report = ScopesReport(
        audit=audit, catalog=catalog, root=config.root, version=__version__,
        token=None if obtained is None else summary(obtained, now), findings=findings, now=now,
    )
    return ScopesResult(report, tuple(result.problems))


def summary(obtained: Obtained, now: datetime) -> TokenSummary:
    from bolaudit.report.scopes_report import TokenSummary
    from bolaudit.tokens.view import claim_warnings
    from bolaudit.tokens.jwt import SignatureStatus

    decoded = obtained.decoded
    return TokenSummary(
        client_id=decoded.client_id, client_name=decoded.client_name, seller_id=decoded.seller_id,
        scopes=decoded.scopes, expires_at=decoded.expires_at,
        signature_verified=decoded.signature is SignatureStatus.VERIFIED,
        signature_detail=decoded.signature_detail, masked=decoded.masked, source=obtained.source,
        warnings=tuple(w.message for w in claim_warnings(decoded, now)) + tuple(
            note for note in obtained.notes if note.startswith("the token expired")),
    )


def render(report: ScopesReport, fmt: str) -> str:
    if fmt == "json":
        from bolaudit.report import scopes_json

        return scopes_json.render(report)
    if fmt == "markdown":
        from bolaudit.report import scopes_markdown

        return scopes_markdown.render(report)
    if fmt == "text":
        from bolaudit.report import scopes_text

        return scopes_text.render(report)
    raise ValueError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def run(paths: Sequence[Path], config: Config, *, source: TokenSource, key: KeySource,
        env: Environment, fmt: str = "text", warn_days: int | None = None,
        now: datetime | None = None) -> Outcome:
    """``bolaudit scopes``: the catalog mapping is checked, then the token is obtained, then the
    code is analysed."""
    from bolaudit.catalog import CatalogError, load_catalog
    from bolaudit.report import Report
    from bolaudit.report.text import render_problems

    moment = now or datetime.now(timezone.utc)
    try:
        catalog: Catalog = load_catalog().with_overrides(scope_map=config.scopes)
    except CatalogError as error:
        return Outcome("", f"bolaudit: [tool.bolaudit.scopes]: {error}\n", 2)
    obtained: Obtained | None = None
    if source.given:
        from bolaudit.commands.token import error_outcome, obtain
        from bolaudit.tokens.jwt import TokenError

        try:  # an expired token still says what was granted: compared, with a warning
            obtained = obtain(source, key, config, env, moment, allow_expired=True)
        except TokenError as error:
            return error_outcome(error, moment, catalog)
    result = analyse(paths, config, obtained, now=moment, warn_days=warn_days)
    problems = Report(findings=(), root=config.root, problems=result.problems)
    notes = "".join(f"bolaudit: {note}\n" for note in (obtained.notes if obtained else ()))
    return Outcome(render(result.report, fmt), notes + render_problems(problems, color=False),
                   result.exit_code)
