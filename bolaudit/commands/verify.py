"""``bolaudit check --verify-credentials``: BOL101 findings say whether their secret is live.

Glue between the check command and ``bolaudit.credentials.verify``: which findings to verify (BOL101, shown
or suppressed), how to read a file's text back as the per-file stage saw it, and the finding with
the verification in its message and properties (its fingerprint is unchanged, so baselines keep
matching). Without the flag this module is never imported and no request is made.
"""

from __future__ import annotations

import dataclasses
import os
import time
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bolaudit.findings import Finding
from bolaudit.credentials.verify import DEFAULT_TIMEOUT, MAX_REQUESTS, Place, Read, Unreadable, Verification
from bolaudit.records import record

if TYPE_CHECKING:
    from bolaudit.project import Project
    from bolaudit.pipeline.suppress import Suppressed

CODE = "BOL101"


@record
class Annotated:
    findings: list[Finding]
    suppressed: list[Suppressed]
    note: str
    # By finding fingerprint (stable when lines move): for the report after --fix, which audits
    # the files again and must neither lose the results nor ask the token service twice.
    by_fingerprint: Mapping[str, Verification] = dataclasses.field(default_factory=dict)


def annotate(
    findings: Sequence[Finding],
    suppressed: Sequence[Suppressed],
    project: Project | None,
    token_url: str,
    texts: Mapping[str, bytes],
    *,
    timeout: float = DEFAULT_TIMEOUT,
    limit: int = MAX_REQUESTS,
    sleep: Callable[[float], None] = time.sleep,
) -> Annotated:
    """The findings with each BOL101 verified; raises ``TokenError`` for a bad token URL only."""
    from bolaudit.tokens.http import check_url
    from bolaudit.credentials.verify import pair_secrets, verify

    check_url(token_url)
    wanted = [Place(f.path, f.span) for f in findings if f.code == CODE]
    wanted += [Place(s.finding.path, s.finding.span) for s in suppressed if s.finding.code == CODE]
    if not wanted or project is None:
        return Annotated(list(findings), list(suppressed),
                         "bolaudit: --verify-credentials: no hard-coded client secret (BOL101) to verify\n")
    pairs = pair_secrets(project.modules, project.apps)
    results, summary = verify(wanted, pairs, reader(project.config.root, texts), token_url=token_url,
                              timeout=timeout, limit=limit, sleep=sleep)
    by_fingerprint = {
        f.fingerprint: found
        for f in [*findings, *(s.finding for s in suppressed)]
        if f.code == CODE and (found := results.get(Place(f.path, f.span))) is not None
    }
    kept, hidden = reapply(findings, suppressed, lambda f: results.get(Place(f.path, f.span)))
    counts = ", ".join(f"{n} {_STATUS[k]}" for k, n in sorted(summary.counts.items()))
    parts = urllib.parse.urlsplit(token_url)
    note = (f"bolaudit: --verify-credentials: {summary.pairs} id/secret pair(s), {summary.requests} request(s) to "
            f"{parts.scheme}://{parts.netloc}{parts.path}" + (f": {counts}" if counts else "") + "\n")
    note += "".join(f"bolaudit: {n}\n" for n in dict.fromkeys(summary.notes))
    return Annotated(kept, hidden, note, by_fingerprint)


def reapply(
    findings: Sequence[Finding],
    suppressed: Sequence[Suppressed],
    result_of: Callable[[Finding], Verification | None],
) -> tuple[list[Finding], list[Suppressed]]:
    """The findings (shown and suppressed) with each BOL101's verification result, if any."""
    kept = [_with(f, result_of(f)) for f in findings]
    hidden = [dataclasses.replace(s, finding=_with(s.finding, result_of(s.finding))) for s in suppressed]
    return kept, hidden


_STATUS = {"live": "verified live", "rejected": "rejected", "unverified": "unverified"}


def _with(finding: Finding, result: Verification | None) -> Finding:
    if finding.code != CODE or result is None:
        return finding
    return dataclasses.replace(finding, message=f"{finding.message}; {result.text()}",
                               properties=finding.properties + result.properties())


OUTSIDE = "the file is a symlink that leads outside the project; not read"


def reader(root: Path, texts: Mapping[str, bytes]) -> Read:
    """A file's text as the per-file stage read it (from the run's bytes, else from disk).

    Only files that are inside ``root`` once symlinks are resolved: the audit may have read a
    committed link to a file elsewhere on the machine, but its credentials are not sent anywhere.
    """
    seen: dict[str, str | Unreadable | None] = {}
    top = os.path.realpath(root)

    def read(path: str) -> str | Unreadable | None:
        if path not in seen:
            seen[path] = _read(path)
        return seen[path]

    def _read(path: str) -> str | Unreadable | None:
        if path.startswith(("/", "../")) or not _inside(top, os.path.realpath(root / path)):
            return Unreadable(OUTSIDE)
        data = texts.get(path)
        if data is None:
            try:
                data = (root / path).read_bytes()
            except OSError:
                return None
        return _decoded(path, data)

    return read


def _inside(top: str, real: str) -> bool:
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def _decoded(path: str, data: bytes) -> str | None:
    from bolaudit.extract.decoding import Decoded, decode_python, decode_text

    suffix = Path(path).suffix.lower()
    if suffix == ".ipynb":
        from bolaudit.extract.notebooks import notebook_module

        module = notebook_module(data)
        if isinstance(module, Decoded) and module.line_map:
            # Facts carry the notebook's file lines with the code cell's columns.
            lines = [""] * (max(module.line_map) + 1)
            for n, line in enumerate(module.text.split("\n")[: len(module.line_map)]):
                lines[module.line_map[n] - 1] = line
            return "\n".join(lines)
        return data.decode("latin-1")
    if suffix in (".py", ".pyi", ".pyw"):
        decoded = decode_python(data)
        return decoded.text if isinstance(decoded, Decoded) else data.decode("latin-1")
    text = decode_text(data)
    return text.text if text is not None else None
