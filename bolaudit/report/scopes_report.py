"""What every ``bolaudit scopes`` format renders: one frozen ``ScopesReport``.

The audit itself (needs, comparison, BOL404 warnings) comes from ``bolaudit.tokens.grants``; this adds what
the formats need around it: the token as it may be shown (masked), the findings, and where paths
are shown from.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from bolaudit.catalog import Catalog
from bolaudit.findings import Finding
from bolaudit.records import record
from bolaudit.tokens.grants import GrantAudit, Location


@record
class TokenSummary:
    """What the reports say about the token compared; never the token itself, only ``masked``."""

    client_id: str | None
    client_name: str | None
    seller_id: str | None
    scopes: tuple[str, ...]
    expires_at: datetime | None
    signature_verified: bool
    signature_detail: str
    masked: str
    source: str
    # nbf in the future, iss not bol's (``tokens.view.claim_warnings``): one sentence each.
    warnings: tuple[str, ...] = ()


@record
class ScopesReport:
    """One ``bolaudit scopes`` run, as every format renders it."""

    audit: GrantAudit
    catalog: Catalog
    root: Path
    version: str
    token: TokenSummary | None = None
    findings: tuple[Finding, ...] = ()
    now: datetime | None = None  # the run's clock, for "expires in 4 min"

    def display_path(self, path: str) -> str:
        """A path as shown: relative to the top of the run (the repository's), as ``check``."""
        return path

    def where(self, location: Location) -> str:
        return f"{self.display_path(location.path)}:{location.line}"
