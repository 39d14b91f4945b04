"""What every report format renders: one frozen ``Report`` (and the helpers every format shares).

Every format is a pure function in a sibling module (``text``, ``json_format``, ``sarif``,
``github``, ``gitlab``, ``markdown``): it reads the report and returns text. Printing, choosing colour and exit codes are
the CLI's job. Reporters never read the audited files: all they show comes from the findings, whose
messages hold masked values only, so no format can leak a secret by quoting source.

Paths: ``Finding.path`` is relative to the top of the run, the repository's top (stable, part of
the fingerprint), and every format shows it so: the same from any folder the command runs in, and
what code scanning, GitLab and annotations resolve against the checkout. Never ``../``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import field
from pathlib import Path

from bolaudit import __version__
from bolaudit.bounded.printable import printable as printable  # re-exported: every format uses it
from bolaudit.findings import Finding, Problem, RuleInfo
from bolaudit.pipeline.suppress import Suppressed, SuppressionKind, UnusedSuppression
from bolaudit.records import record

FORMATS = ("text", "json", "sarif", "github", "gitlab", "markdown")

# Control characters (and bidi overrides) in a file name or message could move the cursor, recolour
# or reorder a terminal line; shown escaped instead. So are lone surrogates: the bytes of a file name
# that is not UTF-8 (``os.fsdecode`` keeps byte 0xE9 as U+DCE9), which no terminal can show.
@record(slots=True)
class CredentialRecord:
    """A credential sighting for the JSON report: unsalted SHA-256 of the value (never the value),
    ``client_id``/``client_secret``, the app it is in (``bolaudit.credentials.apps``), where."""

    fingerprint: str
    kind: str
    app: str | None
    path: str
    line: int


@record
class Report:
    """Everything one ``bolaudit check`` run has to say.

    ``rules`` holds the infos of the rules that ran (SARIF lists them all, found or not);
    ``suppressed`` the findings hidden inline or by the baseline, with why; ``unused_suppressions``
    inline directives that matched nothing; ``baseline_unmatched`` how many baseline entries
    matched nothing (stale entries to clean up); ``files_audited`` and ``files_parsed`` how many
    files the run listed and how many it read in depth (None: not told).
    """

    findings: tuple[Finding, ...]
    root: Path
    rules: Mapping[str, RuleInfo] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()
    suppressed: tuple[Suppressed, ...] = ()
    unused_suppressions: tuple[UnusedSuppression, ...] = ()
    baseline_unmatched: int = 0
    statistics: bool = False
    quiet: bool = False  # text: the findings only, no summary
    files_audited: int | None = None
    files_parsed: int | None = None
    version: str = __version__
    # Credential sightings (``check --format json``); None: not collected, no key in the JSON.
    credentials: tuple[CredentialRecord, ...] | None = None

    def display_path(self, path: str) -> str:
        """A path as every format shows it: relative to the top of the run, posix (as found)."""
        return path

    @property
    def fixable(self) -> int:
        """Findings ``--fix`` can fix (a withheld fix too: only its text is not shown)."""
        return sum(1 for f in self.findings if f.fix is not None)

    def sorted_findings(self) -> list[Finding]:
        """Findings in the order every format shows them: shown path, line, column, code."""
        return sorted(
            self.findings,
            key=lambda f: (self.display_path(f.path), f.span.line, f.span.column, f.code),
        )

    def rule_info(self, finding: Finding) -> RuleInfo:
        """The finding's rule info; made from the finding when the rule is not in ``rules``."""
        info = self.rules.get(finding.code)
        if info is None:
            return RuleInfo(finding.code, finding.name, finding.severity, finding.name)
        return info

    def count_suppressed(self, kind: SuppressionKind) -> int:
        return sum(1 for s in self.suppressed if s.kind is kind)


def color_wanted(isatty: bool, environ: Mapping[str, str]) -> bool:
    """Colour for the text format: only on a terminal, and never when ``NO_COLOR`` is set.

    no-color.org: ``NO_COLOR`` present and not empty disables colour, whatever its value.
    """
    return isatty and not environ.get("NO_COLOR")
