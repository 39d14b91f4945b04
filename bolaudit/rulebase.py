"""Rule bases: a rule is one class in one file, with its docs and its test cases.

Two kinds:

* ``ProjectRule``: runs once over the facts of all files (``bolaudit.project.Project``): names
  resolved across modules, wrappers bound, requests resolved, the call graph, the token flow,
  credential sightings from Python and every other text file. Every ``check`` rule is one.
* ``TokenRule``: about what a token grants; runs in ``bolaudit scopes`` and ``bolaudit token``.

A rule exists because it subclasses one of these in a module of ``bolaudit.rules``; there is no
registry to edit. Its docstring has the sections *What it does*, *Why is this bad*, *Example* and
*Use instead*; ``VALID`` and ``INVALID`` hold code that must not / must produce the rule's finding.

Rules import these from ``bolaudit.rules_api`` (the public surface), not from here; the pipeline
imports this module alone, which imports nothing but the leaf types.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
import textwrap
from collections.abc import Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, ClassVar

from bolaudit.findings import Finding, Fix, RuleInfo, Severity, Span, text_hash
from bolaudit.records import record

if TYPE_CHECKING:
    from bolaudit.project import Project
    from bolaudit.tokens.grants import GrantAudit

DOC_SECTIONS = ("What it does", "Why is this bad", "Example", "Use instead")

Files = str | Mapping[str, str]
"""A case's code: one Python file's source (named ``example.py``), or {relative path: content}."""


@record
class Valid:
    """Code on which the rule must report nothing (``token_claims``: see ``Invalid``)."""

    files: Files
    note: str = ""
    token_claims: Mapping[str, object] | None = None


@record
class Invalid:
    """Code on which the rule must report.

    ``line`` (and ``path`` for multi-file cases) pins where the first finding must be; ``count``
    the exact number of findings when given; ``message`` a substring its message must contain;
    ``fixed`` the expected content of the file after ``--fix`` (for fixable rules).
    ``token_claims`` (rules about a token's grants, BOL4xx): the claims of a test token; the
    case then runs through ``bolaudit scopes`` with it instead of ``check``. ``iat`` and ``exp``
    there are seconds relative to the moment the case runs.
    """

    files: Files
    line: int | None = None
    path: str | None = None
    count: int | None = None
    message: str | None = None
    fixed: str | None = None
    note: str = ""
    token_claims: Mapping[str, object] | None = None


def case_files(files: Files) -> dict[str, str]:
    if isinstance(files, str):
        return {"example.py": textwrap.dedent(files).lstrip("\n")}
    return {p: textwrap.dedent(c).lstrip("\n") for p, c in files.items()}


class RuleBase:
    code: ClassVar[str] = ""
    name: ClassVar[str] = ""
    severity: ClassVar[Severity] = Severity.ERROR
    VALID: ClassVar[list[Valid]] = []
    INVALID: ClassVar[list[Invalid]] = []

    @classmethod
    def docs(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def summary(cls) -> str:
        return cls.docs().split("\n", 1)[0].strip()

    @classmethod
    def info(cls) -> RuleInfo:
        return RuleInfo(cls.code, cls.name, cls.severity, cls.summary(), cls.docs())

    def make_finding(
        self,
        path: str,
        span: Span,
        message: str,
        *,
        flagged: str,
        fix: Fix | None = None,
        properties: Iterable[tuple[str, str]] = (),
    ) -> Finding:
        """A finding of this rule. ``flagged`` is hashed, never stored."""
        return Finding(
            code=self.code,
            name=self.name,
            severity=self.severity,
            message=message,
            path=path,
            span=span,
            flagged_hash=text_hash(flagged),
            fix=fix,
            properties=tuple(properties),
        )


class ProjectRule(RuleBase):
    """A rule over the facts of the whole project: implement ``check``."""

    def check(self, project: Project) -> Iterator[Finding]:
        raise NotImplementedError


class TokenRule(ProjectRule):
    """A rule about what a token grants (``bolaudit scopes``/``token``): implement
    ``check_grants``. ``check`` has no token, so these rules report nothing there."""

    def check(self, project: Project) -> Iterator[Finding]:
        return iter(())

    def check_grants(self, audit: GrantAudit) -> Iterator[Finding]:
        raise NotImplementedError


def _rule_modules() -> Iterator[str]:
    # Imported by name: the pack lives in the top-level rules/ folder, installed as bolaudit.rules.
    pack = importlib.import_module("bolaudit.rules")
    for info in pkgutil.iter_modules(pack.__path__, pack.__name__ + "."):
        yield info.name


@functools.cache
def all_rules() -> tuple[type[RuleBase], ...]:
    """Every concrete rule in ``bolaudit.rules``, sorted by code (found once per process)."""
    for module in _rule_modules():
        importlib.import_module(module)
    found: dict[str, type[RuleBase]] = {}
    stack: list[type[RuleBase]] = [RuleBase]
    while stack:
        cls = stack.pop()
        for sub in cls.__subclasses__():
            stack.append(sub)
            if sub.code and sub.__module__.startswith("bolaudit.rules."):
                found[sub.code] = sub
    return tuple(found[c] for c in sorted(found))


def rule_infos() -> dict[str, RuleInfo]:
    return {r.code: r.info() for r in all_rules()}
