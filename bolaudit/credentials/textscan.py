"""The text scan: bol credentials in every file that is not Python code (and in comments).

It runs the bol detectors' patterns (``PATTERNS``, keyed by the detect-secrets ``secret_type`` the
plugins in ``credentials.detectors`` carry) once over the whole text, takes positions from them,
and judges each match by its line (``credential_lines``) and its section (``credentials.judge``).
It does not import detect-secrets: that package loads requests, urllib3 and ssl on import (about
0.1 s, a fifth of a small run's start-up), and the scan needs none of it. The plugins take their
``denylist`` from ``PATTERNS``, so a ``detect-secrets --plugin`` run and this scan match the same
text (tests/test_credentials.py checks they agree). No filter, baseline or network is involved.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from bolaudit.credentials import groups as cg
from bolaudit.extract.deploy_names import env_file
from bolaudit.credentials import lines as cl
from bolaudit.catalog import credentials as cr
from bolaudit.facts import CredentialKind, CredentialSighting, SecretSource, SourceKind
from bolaudit.findings import Span

# detect-secrets secret_type -> the patterns its plugin's denylist holds (the type is permanent:
# baselines key on it).
PATTERNS: dict[str, tuple[re.Pattern[str], ...]] = {
    "bol client secret": (cr.SECRET_RUN_RE, cr.PCT_RUN_RE),
    "bol client id": (cr.UUID_RUN_RE,),
    "bol basic auth header": (cr.BASIC_RUN_RE,),
}

_DETECTOR_OF = {
    "bol client secret": cl.SECRET,
    "bol client id": cl.UUID,
    "bol basic auth header": cl.BASIC,
}

_LABELS = {
    "env": ".env entry",
    "compose": "compose environment",
    "yaml": "YAML key",
    "json": "JSON key",
    "toml": "TOML key",
    "ini": "INI key",
    "markdown": "Markdown",
    "dockerfile": "Dockerfile",
    "shell": "shell",
    "text": "text",
    "notebook": "notebook text",
    "comment": "comment",
}


def file_kind(rel_path: str) -> str:
    name = rel_path.rsplit("/", 1)[-1].lower()
    if env_file(name):
        return "env"
    if name.endswith((".yml", ".yaml")):
        return "compose" if "compose" in name else "yaml"
    if name.startswith("dockerfile") or name.endswith(".dockerfile"):
        return "dockerfile"
    for kind, suffixes in (
        ("json", (".json", ".ipynb")), ("toml", (".toml",)),
        ("ini", (".ini", ".cfg", ".conf", ".properties")),
        ("markdown", (".md", ".markdown", ".rst")), ("shell", (".sh", ".bash", ".zsh")),
    ):
        if name.endswith(suffixes):
            return kind
    return "text"


@dataclass
class _Scan:
    kind: str
    sightings: list[CredentialSighting] = field(default_factory=list)
    sources: list[SecretSource] = field(default_factory=list)
    pairs: int = 0
    found: dict[str, set[str]] | None = None

    def pair_id(self) -> str:
        self.pairs += 1
        return f"pair-{self.pairs}"

    def add(self, kind: CredentialKind, value: str, span: Span, context: str, pair: str = "") -> None:
        if self.found is not None:
            self.found.setdefault(kind, set()).add(value)
        self.sightings.append(
            CredentialSighting(kind, cr.fingerprint(value), cr.mask(value), span, context, pair)
        )


def scan_text(
    rel_path: str, text: str, found: dict[str, set[str]] | None = None, kind: str | None = None
) -> tuple[list[CredentialSighting], list[SecretSource]]:
    """Credential sightings and secret sources in a non-Python text file. Never raises on content.

    ``found`` gathers the values themselves by kind (for ``credentials.scrub``; never stored);
    ``kind`` overrides the kind of file the name says (``file_kind``)."""
    scan = _Scan(kind or file_kind(rel_path), found=found)
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)
    by_line: dict[int, list[cl.Match]] = {}
    for secret_type, patterns in PATTERNS.items():
        for regex in patterns:
            detector = cl.PCT if regex is cr.PCT_RUN_RE else _DETECTOR_OF[secret_type]
            for m in regex.finditer(text):
                n = bisect.bisect_right(starts, m.start()) - 1
                by_line.setdefault(n, []).append(
                    cl.Match(detector, m.start() - starts[n], m.end() - starts[n])
                )
    sections = _sections(scan.kind, lines)
    groups: dict[int, list[tuple[int, cl.LineCandidate]]] = {}
    for n in sorted(by_line):
        line = lines[n].rstrip("\r")
        candidates, pairs = cl.read_line(line, by_line[n])
        for p in pairs:
            pid = scan.pair_id()
            scan.add(cr.CLIENT_ID, p.client_id, _span(n, p.id_span), p.context, pid)
            scan.add(cr.CLIENT_SECRET, p.secret, _span(n, p.secret_span), p.context, pid)
        for c in candidates:
            if c.names[:1] == ("value",) and n > 0:
                c = _named_by_previous(lines, n, c)
            groups.setdefault(sections[n], []).append((n, c))
    for section in sorted(groups):
        _judge_section(scan, groups[section])
    if scan.kind in ("env", "compose"):
        scan.sources.extend(_env_sources(scan.kind, lines, sections))
    scan.sightings.sort(key=lambda s: (s.span, s.kind))
    return scan.sightings, scan.sources


def _span(n: int, cols: tuple[int, int]) -> Span:
    return Span(n + 1, cols[0] + 1, n + 1, cols[1] + 1)


_K8S_NAME = re.compile(r"^\s*-?\s*name:\s*[\"']?([A-Za-z_][\w.\-]*)")


def _named_by_previous(lines: list[str], n: int, c: cl.LineCandidate) -> cl.LineCandidate:
    """``- name: BOL_CLIENT_SECRET`` / ``value: ...`` (Kubernetes, compose long form)."""
    if re.match(r"^\s*value\s*:", lines[n]):
        m = _K8S_NAME.match(lines[n - 1])
        if m:
            return cl.LineCandidate(c.value, c.start, c.end, (m.group(1),), c.default_of)
    return c


def _judge_section(scan: _Scan, items: list[tuple[int, cl.LineCandidate]]) -> None:
    refs = [cg.Candidate(c.value, c.names, ref=i) for i, (_, c) in enumerate(items)]
    verdicts = cg.judge(refs)
    pair_ids = {n: scan.pair_id() for n in sorted({v.pair for v in verdicts if v.pair})}
    for v in verdicts:
        n, c = items[v.ref]
        scan.add(v.kind, c.value, _span(n, (c.start, c.end)), _context(scan.kind, c), pair_ids.get(v.pair, ""))


def _context(kind: str, c: cl.LineCandidate) -> str:
    if c.default_of:
        var = cr.telling_name(c.default_of) or "a variable"
        return f"default of ${{{var}}}" if kind in ("env", "compose", "shell", "dockerfile") else f"default of {var}"
    label = _LABELS[kind]
    name = cr.telling_name(cr.best_name(c.names))
    if name:
        return f"{label} {name}"
    return {"markdown": "Markdown text", "text": "text", "notebook": "notebook text", "comment": "comment"}.get(
        kind, f"{label} value"
    )


_INI_HEADER = re.compile(r"^\s*\[[^\]]*\]\s*$")


def _sections(kind: str, lines: list[str]) -> list[int]:
    """Section number of every line: what counts as "seen together" for pairing."""
    if kind == "compose":
        units = _compose_units(lines)
        order = {u: i for i, u in enumerate(dict.fromkeys(units))}
        return [order[u] for u in units]
    out: list[int] = []
    section = 0
    for line in lines:
        if kind == "env":
            pass
        elif kind in ("ini", "toml"):
            section += bool(_INI_HEADER.match(line))
        elif not line.strip():
            section += 1
        out.append(section)
    return out


_TOP_KEY = re.compile(r"^([A-Za-z_][\w.\-]*)\s*:")
_KEY = re.compile(r"^(\s+)([A-Za-z0-9_][\w.\-]*)\s*:\s*(?:#.*)?$")


def _compose_units(lines: list[str]) -> list[str]:
    """The compose service each line belongs to ("" outside ``services:``)."""
    out: list[str] = []
    in_services, indent, unit = False, -1, ""
    for line in lines:
        top = _TOP_KEY.match(line)
        if top:
            in_services, indent, unit = top.group(1) == "services", -1, ""
        elif in_services:
            key = _KEY.match(line.rstrip("\r"))
            if key and (indent < 0 or len(key.group(1)) == indent):
                indent, unit = len(key.group(1)), key.group(2)
        out.append(unit)
    return out


_ENV_REF = re.compile(
    r"""^\s*(?:export\s+|-\s*)?["']?([A-Za-z_][\w.\-]*)["']?\s*[=:]\s*["']?(\$\{?([A-Za-z_]\w*)[^"'\s]*)"""
)
_PASS_THROUGH = re.compile(r"^\s*-\s*([A-Za-z_]\w*)\s*$|^\s+([A-Za-z_]\w*)\s*:\s*$")


def _env_sources(kind: str, lines: list[str], sections: list[int]) -> Iterable[SecretSource]:
    """Credential variables a ``.env``/compose file defines by reference (``${X}``) or passes through."""
    units = _compose_units(lines) if kind == "compose" else [""] * len(lines)
    source_kind: SourceKind = "compose-env" if kind == "compose" else "env-file"
    for n, raw in enumerate(lines):
        line = raw.rstrip("\r")
        m = _ENV_REF.match(line)
        if m:
            role = cr.credential_role(m.group(1)) or cr.credential_role(m.group(3))
            if role:
                span = Span(n + 1, m.start(2) + 1, n + 1, m.end(2) + 1)
                yield SecretSource(source_kind, m.group(3), role, span, units[n])
            continue
        m = _PASS_THROUGH.match(line) if kind == "compose" else None
        if m:
            group = 1 if m.group(1) else 2
            role = cr.credential_role(m.group(group))
            if role:
                span = Span(n + 1, m.start(group) + 1, n + 1, m.end(group) + 1)
                yield SecretSource(source_kind, m.group(group), role, span, units[n])
