"""The baseline: findings a team has accepted, so a new gate only fails on new problems.

An entry is a finding's fingerprint (rule code + project-relative path + hash of the flagged text,
see ``bolaudit.findings.fingerprint``) with how many findings had it. No line numbers: adding a line
above a baselined finding must not revive it, and the file must not churn on every edit. Changing
the flagged text changes the fingerprint, so the finding is raised again: that is the point.
The file never holds flagged text or a secret, only hashes, and is written atomically (a crash or a
full disk leaves the previous baseline intact, never half a file), through a symlink, in place for
a hard-linked file, and never over a FIFO or a device (``safe_io``).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bolaudit import __version__
from bolaudit.findings import Finding
from bolaudit.records import record

FORMAT_VERSION = 1
ABOUT = (
    "Findings accepted by bolaudit --write-baseline; hidden by --baseline. Entries are "
    "fingerprints (rule, path, hash of the flagged text), never the text itself. Regenerate, "
    "do not hand-edit."
)
_HEX = frozenset("0123456789abcdef")
# A baseline nests three levels; anything far deeper is refused before the parser recurses.
MAX_DEPTH = 32
# 64 MiB is a million entries; a bigger "baseline" is not one.
MAX_BYTES = 64 * 1024 * 1024


class BaselineError(Exception):
    """A baseline file cannot be read or written; the message names the file."""


@record(slots=True, order=True)
class BaselineEntry:
    """``count`` findings with this fingerprint were accepted (identical findings need one each)."""

    path: str
    code: str
    fingerprint: str
    count: int = 1


@record(slots=True)
class Baseline:
    """A loaded baseline. Pure: ``split`` and ``unmatched`` take findings and change nothing."""

    source: Path
    entries: tuple[BaselineEntry, ...]

    def split(self, findings: Iterable[Finding]) -> tuple[list[Finding], list[Finding]]:
        """(kept, hidden): each entry hides up to ``count`` findings with its fingerprint.

        Findings are matched in their sorted order, so which of several identical findings stays
        visible does not depend on the order the engine produced them in.
        """
        budget = self._counts()
        kept: list[Finding] = []
        hidden: list[Finding] = []
        for finding in sorted(findings, key=Finding.sort_key):
            if budget[finding.fingerprint] > 0:
                budget[finding.fingerprint] -= 1
                hidden.append(finding)
            else:
                kept.append(finding)
        return kept, hidden

    def unmatched(self, findings: Iterable[Finding]) -> list[BaselineEntry]:
        """Entries (with the unmatched part of their count) that match none of ``findings``.

        Pass every finding of the run, before the baseline hid any. The caller filters by path when
        only some files were audited (pre-commit passes changed files only).
        """
        left = self._counts()
        left.subtract(Counter(f.fingerprint for f in findings))
        return [
            BaselineEntry(e.path, e.code, e.fingerprint, left[e.fingerprint])
            for e in self.entries
            if left[e.fingerprint] > 0
        ]

    def _counts(self) -> Counter[str]:
        counts: Counter[str] = Counter()
        for entry in self.entries:
            counts[entry.fingerprint] += entry.count
        return counts


def entries_of(findings: Iterable[Finding]) -> tuple[BaselineEntry, ...]:
    """One entry per distinct fingerprint, counting identical findings; sorted for stable diffs."""
    counts: Counter[BaselineEntry] = Counter(
        BaselineEntry(f.path, f.code, f.fingerprint) for f in findings
    )
    return tuple(
        sorted(BaselineEntry(e.path, e.code, e.fingerprint, n) for e, n in counts.items())
    )


def dumps(entries: Iterable[BaselineEntry], *, tool_version: str = __version__) -> str:
    """The baseline file's text (ASCII JSON, so any path survives any locale)."""
    document = {
        "about": ABOUT,
        "baseline_version": FORMAT_VERSION,
        "bolaudit_version": tool_version,
        "findings": [
            {"code": e.code, "path": e.path, "fingerprint": e.fingerprint, "count": e.count}
            for e in sorted(entries)
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=True) + "\n"


def write_baseline(
    path: Path, findings: Iterable[Finding], *, tool_version: str = __version__
) -> None:
    """Write the baseline: atomically for a plain file, through a symlink, in place for a file
    with hard links; a FIFO or device at ``path`` is refused (``safe_io.write_regular``)."""
    write_atomic(path, dumps(entries_of(findings), tool_version=tool_version).encode("ascii"))


def write_atomic(path: Path, data: bytes) -> None:
    """Make ``data`` the content of ``path`` all at once, or leave it and raise BaselineError."""
    from bolaudit.bounded.files import write_regular

    try:
        write_regular(path, data)
    except OSError as e:
        raise BaselineError(f"cannot write baseline {path}: {e.strerror or e}") from e


def load_baseline(path: Path) -> Baseline:
    """Read and check a baseline file; any problem is one BaselineError naming the file."""
    from bolaudit.bounded.files import read_regular

    try:
        raw = read_regular(path, MAX_BYTES)  # a committed symlink to /dev/zero must not hang us
    except OSError as e:
        raise BaselineError(f"cannot read baseline {path}: {e.strerror or e}") from e
    from bolaudit.bounded import jsontext as bounded_json

    try:
        document = bounded_json.loads(raw, max_bytes=MAX_BYTES, max_depth=MAX_DEPTH)
    except bounded_json.JSONLimit as e:
        raise BaselineError(f"baseline {path} is {e}; regenerate it with --write-baseline") from e
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise BaselineError(f"baseline {path} is not valid JSON: {e}") from e
    return Baseline(path, _entries(path, document))


def _entries(path: Path, document: Any) -> tuple[BaselineEntry, ...]:
    def bad(why: str) -> BaselineError:
        return BaselineError(f"baseline {path}: {why}; regenerate it with --write-baseline")

    if not isinstance(document, dict):
        raise bad("expected a JSON object")
    version = document.get("baseline_version")
    if version != FORMAT_VERSION:
        raise bad(
            f"unsupported baseline_version {version!r} (this bolaudit reads {FORMAT_VERSION})"
        )
    items = document.get("findings")
    if not isinstance(items, list):
        raise bad('"findings" must be a list')
    entries: list[BaselineEntry] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise bad(f"findings[{index}] must be an object")
        code, file, fp, count = (item.get(k) for k in ("code", "path", "fingerprint", "count"))
        if not (isinstance(code, str) and isinstance(file, str) and isinstance(fp, str)):
            raise bad(f"findings[{index}] needs string code, path and fingerprint")
        if len(fp) != 32 or not _HEX.issuperset(fp):
            raise bad(f"findings[{index}] has a malformed fingerprint")
        if not (isinstance(count, int) and not isinstance(count, bool) and count >= 1):
            raise bad(f"findings[{index}] needs a count of at least 1")
        entries.append(BaselineEntry(file, code, fp, count))
    return tuple(sorted(entries))
