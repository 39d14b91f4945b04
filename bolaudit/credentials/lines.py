"""Credentials in one line of text: what the detectors matched, and the name each value is bound to.

Shared by the text scan (``bolaudit.credentials.textscan``, whose patterns the detect-secrets plugins carry) and
the Python visitor (credentials embedded in a longer string literal, such as an ``.env`` example in
a docstring). Works for ``.env``, YAML, JSON, TOML, INI, Dockerfiles, shell, Markdown prose and
code blocks alike: the name is whatever key-like word sits right before the value, behind a
separator (``=``, ``:``, a space, quotes, ``|``, ``>``), so ``order_id: <uuid>`` names an order and
``BOL_CLIENT_ID=<uuid>`` a client. Pairs that one line settles on its own (a ``Basic`` header, a
``uuid:secret`` or ``("uuid", "secret")`` side by side) are decided here; the rest is judged per
section by ``credentials.judge``.
"""

from __future__ import annotations

import re

from urllib.parse import unquote

from bolaudit.catalog.credentials import (
    BASIC_RUN_RE,
    PCT_RUN_RE,
    SECRET_RUN_RE,
    UUID_RUN_RE,
    credential_role,
    decode_basic,
    is_client_id,
    is_secret,
)
from bolaudit.records import record

SECRET, UUID, BASIC, PCT = "secret", "uuid", "basic", "pct"
DETECTORS = ((SECRET, SECRET_RUN_RE), (UUID, UUID_RUN_RE), (BASIC, BASIC_RUN_RE), (PCT, PCT_RUN_RE))

_SEPARATORS = " \t\"'`\\:=>|"
_KEY_AT_END = re.compile(r"[A-Za-z_][\w.\-]*$")
_TWO_WORDS = re.compile(r"([A-Za-z]+)[ \t]+([A-Za-z]+)$")
_ENV_DEFAULT = re.compile(
    r"""(?:getenv|environ\.get|environ\.setdefault|\benv(?:\.str)?|\bconfig)\(\s*\\?["']"""
    r"""([A-Za-z_]\w*)\\?["']\s*,\s*(?:default\s*=\s*)?\\?["']$"""
)
_SHELL_DEFAULT = re.compile(r"\$\{([A-Za-z_]\w*):?[-=]$")
# Between an id and its secret on one line: ``:``, ``", "``, ``\", \"`` (notebook JSON).
_PAIR_GAP = re.compile(r"""\\?["'`]?[ \t]*[:,][ \t]*\\?["'`]?""")


@record(slots=True)
class Match:
    """A detector's hit: ``line[start:end]``."""

    detector: str
    start: int
    end: int


@record(slots=True)
class LineCandidate:
    """A value to judge with its section. ``default_of`` is the variable whose default it is."""

    value: str
    start: int
    end: int
    names: tuple[str, ...]
    default_of: str = ""


@record(slots=True)
class LinePair:
    """A client id and secret the line pairs by itself; for a Basic header both spans are the header."""

    client_id: str
    secret: str
    id_span: tuple[int, int]
    secret_span: tuple[int, int]
    context: str


def find_matches(line: str) -> list[Match]:
    """Every detector's matches in ``line`` (the text scan gets the same from its plugins)."""
    return [
        Match(name, m.start(), m.end()) for name, regex in DETECTORS for m in regex.finditer(line)
    ]


def names_before(line: str, start: int) -> tuple[tuple[str, ...], str]:
    """The names a value at ``line[start:]`` is bound to, and the env var it is the default of."""
    head = line[max(0, start - 120) : start]
    m = _ENV_DEFAULT.search(head) if "(" in head else None
    if m:
        return (m.group(1),), m.group(1)
    m = _SHELL_DEFAULT.search(head) if head.endswith(("-", "=")) else None
    if m:
        outer, _ = names_before(line, start - len(head) + m.start())
        return (m.group(1), *outer), m.group(1)
    stripped = head.rstrip(_SEPARATORS)
    if len(stripped) == len(head):
        return (), ""
    stripped = stripped[-60:]
    names: list[str] = []
    key = _KEY_AT_END.search(stripped)
    if key:
        names.append(key.group(0))
    words = _TWO_WORDS.search(stripped)
    if words:
        names.append(f"{words.group(1)}_{words.group(2)}")
    return tuple(names), ""


def read_line(line: str, matches: list[Match]) -> tuple[list[LineCandidate], list[LinePair]]:
    """Split one line's matches into pairs it settles itself and candidates for its section."""
    pairs: list[LinePair] = []
    basics = [m for m in matches if m.detector == BASIC]
    for m in basics:
        decoded = decode_basic(line[m.start : m.end])
        if decoded and is_client_id(decoded[0]) and is_secret(decoded[1], in_context=True):
            context = "Basic header" if line.startswith("Basic", m.start) else "base64 id:secret"
            span = (m.start, m.end)
            pairs.append(LinePair(decoded[0], decoded[1], span, span, context))
    rest = sorted(
        (m for m in matches if m.detector != BASIC
         and not any(b.start <= m.start < b.end for b in basics)),
        key=lambda m: m.start,
    )
    used: set[int] = set()
    for i, (a, b) in enumerate(zip(rest, rest[1:])):
        if a.detector != UUID or b.detector not in (SECRET, PCT) or i in used:
            continue
        gap = line[a.end : b.start]
        id_value, secret = line[a.start : a.end], value_of(line, b)
        if (
            len(gap) <= 8
            and _PAIR_GAP.fullmatch(gap)
            and is_client_id(id_value)
            and is_secret(secret, in_context=True)
        ):
            context = "id:secret string" if gap == ":" else "id and secret side by side"
            pairs.append(LinePair(id_value, secret, (a.start, a.end), (b.start, b.end), context))
            used.update((i, i + 1))
    candidates = []
    for i, m in enumerate(rest):
        if i not in used:
            names, default_of = names_before(line, m.start)
            if m.detector == PCT and not any(credential_role(n) for n in names):
                continue  # an encoded run counts under a credential name only (the pre-filter sees it)
            candidates.append(LineCandidate(value_of(line, m), m.start, m.end, names, default_of))
    return candidates, pairs


def value_of(line: str, m: Match) -> str:
    """The value a match stands for: its text, percent-decoded for an encoded run."""
    text = line[m.start : m.end]
    return unquote(text) if m.detector == PCT else text
