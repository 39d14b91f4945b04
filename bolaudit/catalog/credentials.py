"""What bol credentials look like, and how to tell one from a look-alike.

Pure knowledge, shared by the Python visitor (``credential_visitor``) and the text scan
(``bolaudit.credentials.textscan`` and the detect-secrets plugins of ``credentials.detectors``): compiled regexes and small functions, no libcst, no detect-secrets.

Shapes (FACTS.md, "What credentials look like"):

* client id: a UUID. Order, offer, label, transport and process-status ids are UUIDs too, so a
  UUID is a client id only in a credential context: a name such as ``client_id``/``BOL_CLIENT_ID``,
  the first half of an ``auth=`` tuple or ``HTTPBasicAuth(...)``, a ``uuid:secret`` pair, a decoded
  ``Basic`` header, or ``username=`` next to a secret.
* client secret: 64 characters of letters, digits and punctuation (2024-2026), or 86-87 characters
  of base64url (2019). A secret needs the shape everywhere (as a detect-secrets detector does). In a
  credential context the shape alone is enough; without one it must be the *specific* shape: the
  modern one with at least one character no base64 alphabet has (``!?()@``), or the legacy
  one. That keeps SHA-256 hex digests (no upper case), base64 blobs (``/``, other lengths), JWT
  segments (``.``) and long identifiers (low entropy, no digits) out.

Placeholders, masked values and bol's documented examples are never findings. A value whose own
text says it is fake (``test``, ``example``, ``secret``...) is a placeholder; a real-looking value
under a test-looking *name* is still reported: bol's demo environment takes the same credentials
as production, so a "test" credential is a live one.
"""

from __future__ import annotations

from typing import Final

import base64
import binascii
import hashlib
import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache

from bolaudit.facts import CredentialKind
from bolaudit.findings import Mask

CLIENT_ID: Final = "client_id"
CLIENT_SECRET: Final = "client_secret"
ENV_NAMES = {CLIENT_ID: "BOL_CLIENT_ID", CLIENT_SECRET: "BOL_CLIENT_SECRET"}

# bol's punctuation as FACTS.md lists it. Deliberately no ``& % # $ = / :``: a secret must end where
# a URL query, a shell variable or a comment does.
SECRET_PUNCTUATION = "!?()@+-_"
_S = r"A-Za-z0-9!?()@+\-_"
_U = r"A-Za-z0-9_\-"
_SPECIFIC = frozenset("!?()@")  # in no base64 alphabet
_SECRET_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789" + SECRET_PUNCTUATION)
_B64URL_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
# Random 64-char secrets measure 4.75-5.7 bits/char; identifiers and prose stay below 4.4.
_MIN_ENTROPY = {"modern": 4.5, "legacy": 4.7}

UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
UUID_RE = re.compile(UUID)

# Detectors' regexes: maximal runs, so a window of a longer token never matches. A run may also
# follow an escape (``\n`` in a JSON or Python string) or a shell default (``${X:-...}``). The
# lookaheads ask for the digit, upper and lower case letter every secret shape has.
_R = _S + "/"
_LEAD = r"(?<=\\[abfnrtv])"
_MIX64 = rf"(?=[{_S}]{{0,63}}[0-9])(?=[{_S}]{{0,63}}[A-Z])(?=[{_S}]{{0,63}}[a-z])"
_MIX86 = rf"(?=[{_U}]{{0,86}}[0-9])(?=[{_U}]{{0,86}}[A-Z])(?=[{_U}]{{0,86}}[a-z])"
_RUN64 = rf"{_MIX64}[{_S}]{{64}}(?![{_S}])"
_RUN86 = rf"{_MIX86}[{_U}]{{86,87}}(?![{_U}+/=]|\.[{_U}])"
SECRET_RUN_RE = re.compile(
    rf"(?:(?<![{_S}])|(?<=:-)|{_LEAD}){_RUN64}|(?:(?<![{_U}+/.])|{_LEAD}){_RUN86}"
)
# A secret percent-encoded in a form body or a query string (``client_secret=Vb7%29kQ2%21...``):
# a maximal run of 64-87 secret characters and ``%XX`` escapes, at least one an escape. It counts only
# under a name (``credential_lines``); its value is the decoded run.
PCT_RUN_RE = re.compile(
    rf"(?<![{_S}%])(?=[{_S}]*%[0-9A-Fa-f]{{2}})(?:[{_S}]|%[0-9A-Fa-f]{{2}}){{64,87}}(?![{_S}%])"
)
UUID_RUN_RE = re.compile(rf"(?:(?<![0-9A-Za-z\-])|{_LEAD}){UUID}(?![0-9A-Za-z\-])")
BASIC_RUN_RE = re.compile(
    r"Basic[ \t]+[A-Za-z0-9+/]{16,}={0,2}(?![A-Za-z0-9+/=])"
    r"|(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{132,}={0,2}(?![A-Za-z0-9+/=])"
)

# Names. A name is a credential name when "client" is directly followed by "id"/"secret", or when
# it says "bol" followed by a few filler words and a role word (BOL_SECRET, bolApiKey, BOL2_USER).
_END = r"(?=[\W_]|$|[A-Z][a-z]|\d)"
_CLIENT_NAME_RE = re.compile(r"(?i:client)[_\-. ]?(?:(?i:id)|(?i:secret))" + _END)
_BOL_NAME_RE = re.compile(
    r"(?<![a-z])(?i:bol)"
    r"(?:[_\-. ]?(?i:com|api|retailer|client|oauth|app|prod|production|live|demo|test|sandbox|nl|be"
    r"|default|\d{1,3})){0,4}"
    r"[_\-. ]?(?i:(secret|key|password|passwd|pass|pwd)|(id|user|username|login))" + _END
)
_OTHER_VENDORS = frozenset(
    "azure aad msal microsoft ms graph entra google gcp gcloud firebase okta auth0 keycloak cognito "
    "aws amazon amzn lwa spapi github gh gitlab slack discord spotify twitch paypal stripe "
    "salesforce sfdc hubspot zoho shopify ebay etsy facebook fb meta instagram linkedin twitter "
    "tiktok dropbox box zendesk intercom mollie adyen sendcloud myparcel postnl dhl exact moneybird "
    "picqer channable woocommerce wc magento lightspeed mailchimp klaviyo strava fitbit reddit "
    "yahoo apple sentry datadog twilio sendgrid plaid xero quickbooks qbo intuit".split()
)
_WEAK_ID = frozenset({"username", "user", "login", "userid", "usr"})
_WEAK_SECRET = frozenset({"password", "passwd", "pwd", "pass", "secret", "apisecret", "appsecret"})
_ROLE_WORDS = frozenset(
    "client id secret key username user login password passwd pass pwd api app oauth auth".split()
)
_WORD_RE = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")

# Placeholders and masks.
_PLACEHOLDER_RE = re.compile(
    r"<[^<>]*>|\$\{|\$\(|\{\{|%\(|\{[A-Za-z_][\w.]*\}|…|\.\.\.|\*{3,}|•|[xX]{4,}|_{4,}|#{3,}"
)
_FAKE_WORDS = (
    "your", "jouw", "changeme", "change_me", "change-me", "replace", "placeholder", "example",
    "sample", "dummy", "fake", "redacted", "secret", "client", "password", "test", "todo", "fixme",
    "insert", "here", "uuid",
)
_HEX_SPEAK = ("deadbeef", "cafebabe", "feedface", "badc0ffee")
DOCUMENTED_CLIENT_ID = "b9e44ad0-32fa-4gv7-9705-c107d8ceg80c"
DOCUMENTED_SECRET_PREFIX = "d3u2MrLqPqp32j9T"

_GATE = rf"(?=[{_R}]{{36}})"
_ANY_RUN = rf"(?:{_RUN64}|{_RUN86}|{UUID}|[A-Za-z0-9+/]{{132}})"
CANDIDATE_BYTES: re.Pattern[bytes] = re.compile(
    (
        rf"\A{_GATE}{_ANY_RUN}"
        # Everything else starts at a character of this class, which lets ``re`` skip the rest fast;
        # the branches check what that character was with a look-behind.
        r"|[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\xffbBcC](?:"
        r"[lL][iI][eE][nN][tT](?<=(?i:client))[\W_]{0,3}(?i:id|secret)"
        r"|[oO][lL](?<=(?i:bol))(?<![a-z](?i:bol))[\w\-. ]{0,60}?(?i:secret|key|pass|pwd|id|user|login)"
        r"|asic(?<=Basic)\s+[A-Za-z0-9+/]{16}|Basic(?<=[\"']Basic)\s[\"']"
        rf"|(?<=\\)[abfnrtv]{_GATE}{_ANY_RUN}"
        rf"|{_GATE}(?:(?<=[^{_S}]){_RUN64}|(?<=:-){_RUN64}|(?<=[^{_U}+/.]){_RUN86}"
        rf"|(?<=[^0-9A-Za-z\-]){UUID}|(?<=[^A-Za-z0-9+/])[A-Za-z0-9+/]{{132}})"
        r")"
    ).encode()
)
"""Every file holding what the detectors here report matches this (the engine skips the rest).

It matches each credential name the role functions accept, every UUID, every run a secret shape
needs, Basic headers (whole, or a concatenation starting with ``"Basic "``) and bare base64 pairs.
"""


def shannon_entropy(value: str) -> float:
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values()) if n else 0.0


def _has_sequence(value: str, length: int = 6) -> bool:
    """``123456``, ``abcdef``: typed by a person, never drawn at random."""
    run = 1
    for a, b in zip(value, value[1:]):
        run = run + 1 if ord(b) - ord(a) == 1 and a.isalnum() and b.isalnum() else 1
        if run >= length:
            return True
    return False


def is_placeholder(value: str) -> bool:
    """A template, a masked value, or a value that says it is fake."""
    if len(value) < 8 or _PLACEHOLDER_RE.search(value) or _has_sequence(value):
        return True
    lower = value.lower()
    if any(w in lower for w in _FAKE_WORDS) or any(w in lower for w in _HEX_SPEAK):
        return True
    return Counter(value).most_common(1)[0][1] > len(value) // 2


def is_documented_example(value: str) -> bool:
    return value.lower() == DOCUMENTED_CLIENT_ID or value.startswith(DOCUMENTED_SECRET_PREFIX)


def secret_shape(value: str, *, specific: bool = False) -> str | None:
    """``"modern"`` or ``"legacy"`` when ``value`` has a bol secret's shape, else None.

    ``specific`` asks for the shape that is a finding without any context.
    """
    n = len(value)
    if n == 64 and _SECRET_CHARS.issuperset(value):
        kind = "modern"
        if specific and _SPECIFIC.isdisjoint(value):
            return None
    elif n in (86, 87) and _B64URL_CHARS.issuperset(value):
        kind = "legacy"
    else:
        return None
    if not (any(c.isupper() for c in value) and any(c.islower() for c in value)):
        return None
    if not any(c.isdigit() for c in value) or shannon_entropy(value) < _MIN_ENTROPY[kind]:
        return None
    return kind


_ENCODED_WORD = re.compile(r"\?[\w-]{2,}\?[bBqQ]\?")  # RFC 2047: =?iso-2022-jp?b?...?=


def is_secret(value: str, *, in_context: bool) -> bool:
    """A bol client secret: the shape (specific unless in context), and not a placeholder."""
    return (
        secret_shape(value, specific=not in_context) is not None
        and not is_placeholder(value)
        and not is_documented_example(value)
        and not _ENCODED_WORD.search(value)
    )


def is_client_id(value: str) -> bool:
    """A UUID that could be a real client id (in context); nil, sequential and example ids are not."""
    if not UUID_RE.fullmatch(value) or is_documented_example(value):
        return False
    digits = value.replace("-", "").lower()
    if len(set(digits)) <= 8 or _has_sequence(digits) or any(w in digits for w in _HEX_SPEAK):
        return False
    return True


def name_parts(name: str) -> tuple[str, ...]:
    return tuple(w.lower() for w in _WORD_RE.findall(name))


@lru_cache(maxsize=4096)
def is_other_vendor(name: str) -> bool:
    """``AZURE_CLIENT_ID``, ``SHOPIFY_CLIENT_SECRET``: a credential, but not bol's."""
    return not _OTHER_VENDORS.isdisjoint(name_parts(name))


@lru_cache(maxsize=4096)
def credential_role(name: str) -> CredentialKind | None:
    """``client_id``/``client_secret`` when ``name`` alone says it holds a bol credential."""
    if not name or is_other_vendor(name):
        return None
    m = _CLIENT_NAME_RE.search(name)
    if m:
        return CLIENT_SECRET if m.group(0)[-1] in "tT" else CLIENT_ID
    m = _BOL_NAME_RE.search(name)
    if m:
        return CLIENT_SECRET if m.group(1) else CLIENT_ID
    return None


@lru_cache(maxsize=4096)
def weak_role(name: str) -> CredentialKind | None:
    """``username``/``password`` and kin: a credential only next to its partner."""
    parts = name_parts(name)
    if not parts:
        return None
    if parts[-1] in _WEAK_ID or "".join(parts) in _WEAK_ID:
        return CLIENT_ID
    if parts[-1] in _WEAK_SECRET or "".join(parts) in _WEAK_SECRET:
        return CLIENT_SECRET
    return None


def best_name(names: Sequence[str]) -> str:
    """The name that says most: one with a role, else the first ("" when none)."""
    for role in (credential_role, weak_role):
        for name in names:
            if role(name):
                return name
    return names[0] if names else ""


def pair_key(name: str) -> str:
    """What is left of a name without its role words: ``BOL_NL_CLIENT_ID`` -> ``bol nl``."""
    return " ".join(p for p in name_parts(name) if p not in _ROLE_WORDS)


def decode_basic(header: str) -> tuple[str, str] | None:
    """``Basic base64(id:secret)`` (or the bare base64) -> (client id, secret) when the id is a UUID."""
    text = header.strip()
    if text.startswith("Basic"):
        text = text[5:].strip()
    if len(text) < 52 or not re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", text):
        return None
    try:
        raw = base64.b64decode(text + "==")
        decoded = raw.decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    return split_pair(decoded)


def split_pair(text: str) -> tuple[str, str] | None:
    """``uuid:secret`` -> (uuid, secret)."""
    if len(text) < 38 or text[36:37] != ":" or not UUID_RE.fullmatch(text[:36]):
        return None
    secret = text[37:]
    return (text[:36], secret) if secret else None


def mask(value: str) -> str:
    return Mask.of(value).shown


def shown_name(name: str) -> str:
    """A name or key as a message may show it: a long one could itself be a secret."""
    return name if len(name) <= 40 else mask(name)


def telling_name(name: str) -> str:
    """A key taken from a literal, shown only when it names a credential ("" otherwise): any
    other string in key position could be a secret, or a piece of one."""
    return shown_name(name) if credential_role(name) or weak_role(name) else ""


def fingerprint(value: str) -> str:
    """Unsalted SHA-256: joins sightings of one credential across files and repositories."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


_ADVICE = (
    ((".py", ".pyi", ".ipynb"), 'load it from the environment or a secret store, e.g. os.environ["{env}"]'),
    ((".md", ".rst", ".txt", ".markdown"), "show a placeholder such as <{env}> in documentation"),
    ((".yml", ".yaml", ".json", ".toml", ".ini", ".cfg", ".conf", ".properties"),
     "read it from the environment ({env}) or a secret store instead of the config file"),
    ((".sh", ".bash", ".zsh"), "read it from the environment ({env}) or a secret store"),
)


def advice(path: str, role: str) -> str:
    """Where the credential should come from instead, for a file like ``path``."""
    env = ENV_NAMES.get(role, "BOL_CLIENT_SECRET")
    name = path.rsplit("/", 1)[-1].lower()
    if name == ".env" or name.startswith(".env.") or name.endswith(".env"):
        return f"keep .env out of version control (commit a .env.example with <{env}>) and load it into the environment"
    if "compose" in name and name.endswith((".yml", ".yaml")):
        return f"write ${{{env}}} and supply the value from the environment or an env_file kept out of version control"
    if name.startswith("dockerfile") or name.endswith(".dockerfile"):
        return f"pass it at run time (docker run -e {env}, or a build secret), never in ENV or ARG"
    for suffixes, text in _ADVICE:
        if name.endswith(suffixes):
            return text.format(env=env)
    return f'load it from the environment or a secret store, e.g. os.environ["{env}"]'
