"""What a rule may use: the one module the rule pack (``rules/``, installed as ``bolaudit.rules``)
imports from bolaudit.

A rule is a ``ProjectRule`` (or ``TokenRule``) with its docs and ``VALID``/``INVALID`` cases; its
``check`` gets the ``Project`` (``bolaudit.project``: the fact index and every derived service)
and yields ``Finding``s made with ``make_finding``. Everything else a rule needs is named here, so
that what rules depend on is visible in one place and the modules behind it can move freely.

Where the logic lives, for a contributor: a request's URL, headers and endpoint are worked out in
``bolaudit.resolve`` (``requests``, ``media``, ``literals``); token requests, caches and loops in
``bolaudit.tokens``; credential shapes in ``bolaudit.catalog.credentials``; apps and sharing in
``bolaudit.credentials``; the safe header fix in ``bolaudit.fixes``.
"""

from __future__ import annotations

from bolaudit.catalog import Catalog, Operation
from bolaudit.catalog.credentials import CLIENT_ID, CLIENT_SECRET, advice
from bolaudit.credentials.apps import App
from bolaudit.credentials.sharing import Shared, members, shared, shared_by_programs
from bolaudit.extract.exprtools import REDACTED
from bolaudit.findings import Finding, Severity, Span
from bolaudit.fixes.headers import accept_json_fix, header_findings
from bolaudit.project import Project
from bolaudit.resolve.literals import Literal, all_literals, literals_in, literals_of, within
from bolaudit.resolve.media import accept_verdict, content_type_verdict
from bolaudit.resolve.requests import ResolvedRequest, by_call
from bolaudit.rulebase import Invalid, ProjectRule, TokenRule, Valid
from bolaudit.tokens.callgraph import callee_text
from bolaudit.tokens.expiry import Outlives, outliving
from bolaudit.tokens.flow import PerCallFetch, chain_text
from bolaudit.tokens.grants import GrantAudit
from bolaudit.tokens.accept import AcceptSent, accept_sent
from bolaudit.tokens.requests import TOKEN_URL

__all__ = [
    "AcceptSent", "App", "CLIENT_ID", "CLIENT_SECRET", "Catalog", "Finding", "GrantAudit",
    "Invalid", "Literal", "Operation", "Outlives", "PerCallFetch", "Project", "ProjectRule", "REDACTED",
    "ResolvedRequest", "Severity", "Shared", "Span", "TOKEN_URL", "TokenRule", "Valid",
    "accept_json_fix", "accept_sent", "accept_verdict", "advice", "all_literals", "by_call",
    "callee_text", "chain_text", "content_type_verdict", "header_findings", "literals_in",
    "literals_of", "members", "outliving", "shared", "shared_by_programs", "within",
]
