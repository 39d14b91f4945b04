"""The small, closed set of result types every other module speaks.

This module imports nothing from bolaudit, so rules, the engine and the reporters can all depend on
it without cycles. Everything here is a frozen dataclass: findings travel between processes and
through the cache, and nobody may change one after it is made.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import field

from bolaudit.records import record


class Severity(enum.Enum):
    """How bad a finding is; maps onto SARIF levels and GitHub annotation kinds."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@record(slots=True, order=True)
class Span:
    """A region of a file. Lines and columns are 1-based, as editors show them."""

    line: int
    column: int
    end_line: int
    end_column: int

    @staticmethod
    def at(line: int, column: int = 1) -> Span:
        return Span(line, column, line, column)


@record(slots=True)
class Fix:
    """A safe, mechanical edit that resolves a finding.

    ``replacement`` replaces the text in ``span`` (SARIF's ``deletedRegion``/``insertedContent``).
    ``withheld`` says why the fix is not shown (its text as reports show it would hold a
    credential); such a fix is kept narrowed to what it inserts, and ``--fix`` still applies it.
    """

    description: str
    span: Span
    replacement: str
    withheld: str = ""


@record(slots=True)
class Finding:
    """One problem in the audited code, reported by one rule at one place.

    ``flagged_hash`` is a SHA-256 of the flagged text (never the text itself, which may be a
    secret); with the code and the path it makes the fingerprint that baselines and SARIF use, so
    a finding keeps its identity when lines move and gets a new one when its content changes.
    ``properties`` carries rule-specific, JSON-safe extras (a masked value, a verification result,
    a credential fingerprint); it must never hold a secret in full.
    """

    code: str
    name: str
    severity: Severity
    message: str
    path: str
    span: Span
    flagged_hash: str
    fix: Fix | None = None
    properties: tuple[tuple[str, str], ...] = ()

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.code, self.path, self.flagged_hash)

    def sort_key(self) -> tuple[str, Span, str]:
        return (self.path, self.span, self.code)


def text_hash(text: str) -> str:
    """SHA-256 of a flagged text; the only form in which flagged text is kept."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def fingerprint(code: str, path: str, flagged_hash: str) -> str:
    return hashlib.sha256(name_bytes(f"{code}\0{path}\0{flagged_hash}")).hexdigest()[:32]


def name_bytes(text: str) -> bytes:
    """UTF-8 of a text that may hold a file name that is not UTF-8: the name's own bytes, as
    ``os.fsdecode`` kept them in lone surrogates (PEP 383); valid UTF-8 text is unchanged."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate no file name decodes to
        return text.encode("utf-8", "surrogatepass")


class ProblemKind(enum.Enum):
    """Why a file was not (fully) audited. Problems are not findings: they go to stderr."""

    SKIPPED_LARGE = "skipped-large"
    SKIPPED_BINARY = "skipped-binary"
    UNREADABLE = "unreadable"
    CONFIG = "config"
    CACHE = "cache"  # the cache folder was refused; the run went on without a cache
    INTERNAL = "internal"


@record(slots=True)
class Problem:
    """Something bolaudit could not do for a file; the run goes on."""

    kind: ProblemKind
    path: str
    message: str


@record(slots=True)
class Mask:
    """A secret as it may be shown: the first and last few characters at most."""

    shown: str

    @staticmethod
    def of(secret: str, head: int = 4, tail: int = 3) -> Mask:
        if len(secret) <= head + tail + 4:
            # Too short to show both ends without giving most of it away.
            return Mask(secret[:2] + "…" if len(secret) > 4 else "…")
        return Mask(f"{secret[:head]}…{secret[-tail:]}")

    def __str__(self) -> str:
        return self.shown


@record(slots=True)
class RuleInfo:
    """What a reporter needs to know about a rule (SARIF's reportingDescriptor)."""

    code: str
    name: str
    severity: Severity
    summary: str
    docs: str = field(default="", compare=False)
