"""Decide from a file's bytes, cheaply, whether it can matter; only files that can are parsed.

A Python file matters when its bytes mention bol (hosts, media types, credential names, token
grants) or hold a credential shape, or when it imports a module that matters (a loop in
``sync.py`` that calls ``BolClient.get_order`` from ``bol/client.py`` matters, though it never says
"bol"). The import closures (``import_graph``) run over the regex-extracted imports of every
Python file, so the decision needs no parse. Most files of a large unrelated codebase match
nothing and cost a few substring scans.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from bolaudit.catalog import knowledge
from bolaudit.extract.import_graph import IMPORT_LINE, absolute, imported_modules

# Plain substrings of the lower-cased bytes: ``in`` on bytes is a fast scan, unlike a regex with
# many branches (measured: 0.07 s for one such scan over 44 MB, 4 s for one alternation regex).
# Each group is behind an anchor shared by its words, so an unrelated file costs a few scans.
API_WORDS: dict[bytes, tuple[bytes, ...]] = {
    # A client generated from bol's OpenAPI documents names only the paths of an operation.
    b"retailer": (b"retailer-demo", b"\"/retailer/", b"'/retailer/"),
    b"vnd.": tuple(b"vnd." + family.encode() for family in knowledge.media_families()),
    b"plazaapi": (b"plazaapi",),
    b"/shared/": (b"\"/shared/", b"'/shared/"),
}
# Token grants: every OAuth client says these (requests-oauthlib, oauthlib, Authlib, google-auth,
# pip's vendored copies), so they count only in a file where "bol" starts a word somewhere
# (``bol_client``, ``BolAuth``, ``import bol``, a bol.com URL). A token module that never says bol
# is still analysed when it imports, or is imported by, a file that does (the import closures).
# Measured on a venv's site-packages (2,600 files): 88 files said these words, none said bol, and
# their importers pulled in 2,400 files.
OAUTH_WORDS: dict[bytes, tuple[bytes, ...]] = {
    b"client_cred": (b"client_credentials",),
    b"grant_type": (b"grant_type",),
    b"fetch_": (b"fetch_token", b"fetch_access_token"),
    b"oauth2": (b"oauth2session", b"oauth2client"),
}
# bol's hosts (api.bol.com, login.bol.com, "bol.com" in a docstring), but not a host that ends in
# "bol.com" (rebol.com, a COBOL site): "bol" must start a word.
_BOL_HOST = re.compile(rb"bol\.com", re.IGNORECASE)
# In code, bol.com counts as a host (``api.bol.com``, ``https://bol.com/``), not as the shop's
# name in a message or a field description, nor as the domain of an e-mail address (a generated
# client's examples are full of ``billie@verkopen.bol.com``): see ``_host_in_code``.
_BOL_HOST_IN_CODE = re.compile(rb"(?<=[./@])bol\.com|bol\.com/", re.IGNORECASE)
_TOKEN_END = re.compile(rb"[\s\"'`(<>=,;\[\]{}]")
# bol-named identifiers (BOL_API_URL, bol_client, BolClient), checked only when "bol" is there.
API_NAMES = re.compile(rb"(?:BOL|bol|Bol)_|Bol[A-Z]")
_ANY = re.compile(rb"")
CREDENTIAL_WORDS: dict[bytes, tuple[bytes, ...]] = {
    b"client": (
        b"client_secret", b"clientsecret", b"client-secret", b"client secret", b"client_id",
        b"clientid", b"client-id", b"client id",
    ),
    b"auth": (b"httpbasicauth", b"auth=(", b"auth = ("),
}
# bol-named credentials (BOL_SECRET, bolApiKey, BOL_NL_CLIENT_ID), not words that contain "bol".
BOL_CREDENTIAL_NAME = re.compile(
    rb"(?:BOL|[Bb]ol)[\w\-. ]{0,40}?(?i:secret|key|pass|pwd|id|user|login)"
)


def _bol_word(data: bytes, lowered: bytes, pattern: re.Pattern[bytes], alnum: bool) -> bool:
    """``pattern`` matched at an occurrence of "bol" that starts a word.

    Anchored matches at the (few) occurrences found by a fast substring search: a regex with a
    look-behind scans every position of the file instead (0.2 s over Django's 153 files that
    say "symbol").
    """
    i = lowered.find(b"bol")
    while i != -1:
        before = data[i - 1 : i]
        if not before or not (before.isalnum() if alnum else before.isalpha()):
            if pattern.match(data, i):
                return True
        i = lowered.find(b"bol", i + 3)
    return False


# Some value a credential could be: a UUID, a 64-character secret run, a long base64 run, or a
# secret percent-encoded in a form body. As one regex (``VALUE_SHAPE``, the definition) these
# tried every position of a file, some with 63 steps of backtracking: 0.17 s over the 23 files
# of Django's docs that say "client id". ``value_shape`` says the same: the UUID and the
# percent-encoded value anchored at a literal ``-`` or ``%`` the engine skips to, the runs found
# as a run of one marker byte in the bytes translated by character class.
_SECRET_CHARS = rb"A-Za-z0-9!?()@+\-_"
VALUE_SHAPE = re.compile(
    rb"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-|[" + _SECRET_CHARS + rb"]{64}|[A-Za-z0-9+/]{40}"
    rb"|(?:[" + _SECRET_CHARS + rb"]{1,63}%[0-9A-Fa-f]{2}){4}"
)
_UUID_START = re.compile(rb"-(?<=[0-9a-fA-F]{8}-)[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-")
_PERCENT_ENCODED = re.compile(
    rb"%(?<=[" + _SECRET_CHARS + rb"]%)[0-9A-Fa-f]{2}(?:[" + _SECRET_CHARS + rb"]{1,63}%[0-9A-Fa-f]{2}){3}"
)


def _class_table(members: bytes) -> bytes:
    """A ``bytes.translate`` table: bytes of the class become "x", every other byte a space."""
    inside = set(re.findall(rb"[" + members + rb"]", bytes(range(256))))
    return bytes(ord("x") if bytes([b]) in inside else ord(" ") for b in range(256))


_SECRET_TABLE = _class_table(_SECRET_CHARS)
_BASE64_TABLE = _class_table(rb"A-Za-z0-9+/")


def value_shape(data: bytes) -> bool:
    """``VALUE_SHAPE.search(data) is not None``, in a few passes over the bytes."""
    return (
        (b"-" in data and _UUID_START.search(data) is not None)
        or b"x" * 64 in data.translate(_SECRET_TABLE)
        or b"x" * 40 in data.translate(_BASE64_TABLE)
        or (b"%" in data and _PERCENT_ENCODED.search(data) is not None)
    )


@functools.cache
def http_words() -> tuple[bytes, ...]:
    """Words of code that speaks HTTP: the engine defers no module whose bytes say one of these
    (``selection.select``), and a big module's slice keeps every unit that does (``slicing``).
    (The HTTP libraries' adapters are imported only when a run has bol code to judge.)"""
    from bolaudit import clients

    return (b"headers", b"session", b"urlopen", *(word.encode() for word in clients.MODULE_WORDS))


def oauth_words(low: bytes) -> bool:
    """The lower-cased bytes say a token grant's words (``OAUTH_WORDS``)."""
    return _any_word(low, _OAUTH_SEARCHES)


Searches = list[tuple[bytes, Callable[[bytes], object] | None]]


def _any_word(low: bytes, searches: Searches) -> bool:
    return any(anchor in low and (found is None or found(low) is not None) for anchor, found in searches)


def _searches(groups: dict[bytes, tuple[bytes, ...]]) -> Searches:
    """Each group's anchor and what finds one of its words once the anchor is there: nothing
    when the anchor is the word, else one search for them all. "auth" is in most files of a web
    framework; its three words were three more scans of each. The search is written to start
    with the anchor ("auth", then: preceded by "httpbasic", or followed by "=(" or " = ("), so
    the regex engine skips ahead to each "auth" as a substring scan would; an alternation of the
    bare words would try every position of the file."""
    return [
        (anchor, None if words == (anchor,) else re.compile(_from_anchor(anchor, words)).search)
        for anchor, words in groups.items()
    ]


def _from_anchor(anchor: bytes, words: tuple[bytes, ...]) -> bytes:
    """A regex that finds any of ``words`` (each holds ``anchor``) and begins with ``anchor``."""
    branches = []
    for word in words:
        end = word.index(anchor) + len(anchor)
        before = b"(?<=" + re.escape(word[:end]) + b")" if end > len(anchor) else b""
        branches.append(before + re.escape(word[end:]))
    return re.escape(anchor) + b"(?:" + b"|".join(branches) + b")"


_API_SEARCHES = _searches(API_WORDS)
_OAUTH_SEARCHES = _searches(OAUTH_WORDS)
_CREDENTIAL_SEARCHES = _searches(CREDENTIAL_WORDS)


def api_matters(data: bytes, lowered: bytes | None = None, *, oauth_alone: bool = True, prose: bool = True) -> bool:
    """The bytes mention bol's API: hosts, media types, bol-named identifiers, token grants.

    ``oauth_alone=False``: token grants count only where "bol" starts a word in the file too
    (``OAUTH_WORDS``); the engine asks so of Python files, whose importers it follows.
    ``prose=False``: "bol.com" counts only as a host (``api_in_code``).
    """
    low = data.lower() if lowered is None else lowered
    if _any_word(low, _API_SEARCHES):
        return True
    if oauth_alone and _any_word(low, _OAUTH_SEARCHES):
        return True
    if b"bol" not in low:
        return False  # (most Python files: the OAuth words are not looked for at all)
    if b"bol.com" in low and (
        _bol_word(low, low, _BOL_HOST, alnum=True) if prose else _host_in_code(low)
    ):
        return True
    if _any_word(low, _OAUTH_SEARCHES) and _bol_word(data, low, _ANY, alnum=False):
        return True
    return _bol_word(data, low, API_NAMES, alnum=True)


_DOCSTRING_START = re.compile(rb'\A(?:\xef\xbb\xbf)?(?:[ \t]*(?:#[^\n]*)?\r?\n)*[ \t]*[rRuU]?("""|\'\'\')')


def without_docstring(data: bytes) -> bytes | None:
    """A Python module's bytes with its docstring blanked, or None when it has none.

    bol named only in a module's docstring is documentation, not bol code: every model module of a
    client generated from bol's OpenAPI documents repeats the document's description (with its
    api.bol.com links) at its top, and would otherwise pull in hundreds of modules that never
    touch the API."""
    m = _DOCSTRING_START.match(data)
    if m is None:
        return None
    end = data.find(m.group(1), m.end())
    if end < 0:
        return None
    return data[: m.start(1)] + b" " * (end + 3 - m.start(1)) + data[end + 3 :]


def _host_in_code(low: bytes) -> bool:
    """bol.com as a host in lower-cased code: a URL's or a bare host name, not an e-mail
    address's domain (the text before it, up to a quote or a space, has an "@" and no "://")."""
    for m in _BOL_HOST_IN_CODE.finditer(low):
        start = m.start()
        begin = start
        while begin > 0 and not _TOKEN_END.match(low, begin - 1):
            begin -= 1
            if start - begin > 255:
                break
        before = low[begin:start]
        if b"@" in before and b"://" not in before:
            continue
        return True
    return False


_WORD_BYTES = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")
_NAME_START = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_")
_DOT = ord(".")


def without_project_heads(code: bytes, low: bytes, in_project: Callable[[str], bool]) -> bytes:
    """``code`` with the first part of each dotted name blanked where it is a project package's
    name that says bol: ``bol_retailer_v10`` of ``bol_retailer_v10.models.order.Order``.

    Only names that say bol can make a module bol code, so only those are read, each found from
    an occurrence of "bol" (a scan of every position for a dotted name was most of the time of
    judging the modules of a generated client)."""
    out: bytearray | None = None
    size = len(code)
    i = low.find(b"bol")
    while i != -1:
        start, end = i, i + 3
        while start > 0 and code[start - 1] in _WORD_BYTES:
            start -= 1
        while end < size and code[end] in _WORD_BYTES:
            end += 1
        if (
            code[start] in _NAME_START
            and (start == 0 or code[start - 1] != _DOT)
            and end + 1 < size and code[end] == _DOT and code[end + 1] in _NAME_START
            and in_project(code[start:end].decode("ascii"))
        ):
            if out is None:
                out = bytearray(code)
            out[start:end] = b" " * (end - start)
        i = low.find(b"bol", end)
    return code if out is None else bytes(out)


def api_in_code(data: bytes, module: str, is_package: bool, in_project: Callable[[str], bool]) -> bool:
    """``api_matters`` (token grants only beside "bol", bol.com only as a host) on a Python
    module's code: without its docstring (``without_docstring``), without its imports of project
    modules, which the import closures follow, and without the project packages' names in its
    dotted names (``without_project_heads``): ``from bol_retailer_v10.models.order import Order``
    in a generated model, or ``bol_retailer_v10.models.order.Order(...)`` in its test, names a
    package, not the API; the model matters if ``order`` does."""
    code = without_docstring(data) or data
    if not api_matters(code, code.lower(), oauth_alone=False, prose=False):
        return False

    def blank(m: re.Match[bytes]) -> bytes:
        if m.group(3) is None:  # from X import a, b: X is what is imported from
            raw = m.group(1).decode("ascii", "replace")
            level = len(raw) - len(raw.lstrip("."))
            names = {absolute(raw.lstrip("."), level, module, is_package)}
        else:
            names = imported_modules(m.group(0), module, is_package)
        return b" " * len(m.group(0)) if names and all(in_project(n) for n in names) else m.group(0)

    code = IMPORT_LINE.sub(blank, code)
    low = code.lower()
    if not api_matters(code, low, oauth_alone=False, prose=False):
        return False
    code = without_project_heads(code, low, in_project)
    return api_matters(code, code.lower(), oauth_alone=False, prose=False)


def credentials_matter(data: bytes, candidate: re.Pattern[bytes], lowered: bytes | None = None) -> bool:
    """The bytes may hold a bol credential: a credential word or a bol name, and a value shape.

    A secret-shaped value with no credential word and no mention of bol anywhere in the file is
    not looked for (a documented trade-off: it keeps large unrelated trees fast).
    """
    low = data.lower() if lowered is None else lowered
    named = (
        _any_word(low, _CREDENTIAL_SEARCHES)
        or b"Basic " in data
        or (b"bol" in low and _bol_word(data, low, BOL_CREDENTIAL_NAME, alnum=False))
    )
    return named and value_shape(data) and candidate.search(data) is not None
