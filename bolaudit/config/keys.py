"""The configuration keys and the check of each value, for ``bolaudit.config``.

Every key has one converter from what TOML (or click) gives to what ``Config`` holds; a bad value
raises ``BadValue`` carrying where it was found, so the message names the file and the key:
``pyproject.toml: [tool.bolaudit] jobs: expected a whole number from 0 to 256, got "two"``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

from bolaudit.catalog import knowledge
from bolaudit.findings import Mask
from bolaudit.bounded.limits import MAX_FILE_SIZE, MAX_JOBS, MAX_WARN_DAYS
from bolaudit.records import record

DEFAULT_MAX_FILE_SIZE = 1024 * 1024
DEFAULT_TOKEN_URL = knowledge.token_url()

_CODE = re.compile(r"BOL\d{0,3}")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_RIGHTS = ("read", "manage")
_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([kmg]i?b|b)?", re.IGNORECASE)
_UNITS = {"b": 1, "kb": 10**3, "kib": 2**10, "mb": 10**6, "mib": 2**20, "gb": 10**9, "gib": 2**30}
# Deeper than any real config (the deepest key, [tool.bolaudit.apps] lists, nests 4), and far
# below where tomllib's recursion would fail.
MAX_TOML_DEPTH = 32
_LOOPBACK = ("localhost", "127.0.0.1", "::1")
# Where credentials go: only the command line or the user's own config may set these (never the
# audited project, see ``config_user``). Their values may be a secret pasted in the wrong place:
# never echoed in full.
CREDENTIAL_KEYS = frozenset({"token-url", "client-id-env", "client-secret-env"})


class ConfigError(Exception):
    """A configuration file or option is invalid; the message names the file and the key."""


@record
class Where:
    """Where a value came from: ``prefix`` names the file and section, ``key`` the key."""

    prefix: str
    key: str
    command_line: bool = False

    def child(self, name: str) -> Where:
        key = f"{self.key}.{json.dumps(name, ensure_ascii=False)}"
        return Where(self.prefix, key, self.command_line)

    def message(self, text: str) -> str:
        return f"{self.prefix}{self.key}: {text}"


class BadValue(Exception):
    """A value that does not fit its key; ``where`` may point below the key (a table entry)."""

    def __init__(self, where: Where, text: str) -> None:
        super().__init__(text)
        self.where = where


def load_toml(name: str, data: bytes) -> dict[str, object]:
    """Parse a config file's bytes; ``name`` is how messages show the file."""
    import tomllib  # only when there is a file to read

    from bolaudit.bounded.toml_nesting import toml_too_deep

    try:
        text = data.decode("utf-8")
        if toml_too_deep(text, MAX_TOML_DEPTH):
            raise ConfigError(f"{name}: arrays or tables nest deeper than {MAX_TOML_DEPTH} levels")
        return tomllib.loads(text)
    except UnicodeDecodeError as error:
        raise ConfigError(f"{name}: not UTF-8 text (byte {error.start})") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{name}: invalid TOML: {error}") from None
    except RecursionError:
        raise ConfigError(f"{name}: arrays or tables nest too deeply to read") from None


def show(value: object, sensitive: bool = False) -> str:
    """A value as the user wrote it, shortened; masked where it might be a secret."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = str(Mask.of(value)) if sensitive else value
        shown = json.dumps(text if len(text) <= 60 else text[:57] + "...", ensure_ascii=False)
        return f"the string {shown}" if sensitive else shown
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list" if sensitive else json.dumps(value, default=str)[:60]
    return "a value" if sensitive else repr(value)


def _fail(where: Where, expected: str, value: object) -> BadValue:
    sensitive = where.key.lstrip("-") in CREDENTIAL_KEYS
    return BadValue(where, f"expected {expected}, got {show(value, sensitive)}")


def _str_list(value: object, where: Where, what: str) -> tuple[str, ...]:
    if isinstance(value, str) and where.command_line:  # "--select BOL1,BOL2"
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise _fail(where, f"a list of {what}", value)
    return tuple(value)


def _codes(value: object, where: Where) -> tuple[str, ...]:
    """Codes or prefixes, each selecting at least one rule ``check`` runs (``rulesets``)."""
    from bolaudit.config.rulesets import selector_problem

    codes = _str_list(value, where, "rule codes")
    for code in codes:
        if not _CODE.fullmatch(code):
            raise _fail(where, 'rule codes or prefixes like "BOL101" or "BOL1"', code)
        problem = selector_problem(code)
        if problem is not None:
            raise BadValue(where, problem)
    return codes


def _patterns(value: object, where: Where) -> tuple[str, ...]:
    patterns = _str_list(value, where, "gitignore-style patterns")
    _check_patterns([(pattern, where) for pattern in patterns])
    return patterns


def _check_patterns(items: list[tuple[str, Where]]) -> None:
    """Each pattern is one valid gitignore-style pattern: compiled all at once (thousands of
    entries in one pass), and one by one only to name the bad one."""
    from pathspec import GitIgnoreSpec

    for pattern, where in items:
        if not pattern.strip() or pattern.startswith("#"):
            raise _fail(where, "a gitignore-style pattern", pattern)
    try:
        GitIgnoreSpec.from_lines([pattern for pattern, _ in items])
        return
    except ValueError:
        pass
    for pattern, where in items:
        try:
            GitIgnoreSpec.from_lines([pattern])
        except ValueError:
            raise _fail(where, "a valid gitignore-style pattern", pattern) from None


def _table(value: object, where: Where) -> Mapping[str, object]:
    if not isinstance(value, Mapping):
        raise _fail(where, "a table", value)
    return value


def _per_file_ignores(value: object, where: Where) -> tuple[tuple[str, tuple[str, ...]], ...]:
    entries = []
    for pattern, codes in _table(value, where).items():
        if pattern.startswith("!"):
            raise BadValue(where.child(pattern), "a negated pattern matches no file here")
        entries.append((pattern, _codes(codes, where.child(pattern))))
    _check_patterns([(pattern, where.child(pattern)) for pattern, _ in entries])
    return tuple(entries)


def _count(maximum: int) -> Callable[[object, Where], int]:
    """A converter for a whole number from 0 to ``maximum``."""

    def convert(value: object, where: Where) -> int:
        if isinstance(value, str) and value.strip().isdigit() and len(value) < 20:  # click may hand over text
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= maximum:
            raise _fail(where, f"a whole number from 0 to {maximum}", value)
        return value

    return convert


def _size(value: object, where: Where) -> int:
    """Bytes: an integer, or text such as "1MiB", "500KB", "2 MB"; at most ``MAX_FILE_SIZE``."""
    size: float = -1
    if isinstance(value, int) and not isinstance(value, bool):
        size = value
    elif isinstance(value, str) and len(value) < 40 and (match := _SIZE.fullmatch(value.strip())):
        size = float(match[1]) * _UNITS[(match[2] or "b").lower()]
    if not 1 <= size <= MAX_FILE_SIZE:  # also false for nan and inf
        limit = f"{MAX_FILE_SIZE // 2**20}MiB"
        raise _fail(where, f'a size from 1 byte to {limit}, in bytes or like "1MiB" or "500KB"', value)
    return int(size)


def _path(value: object, where: Where, base: Path) -> Path:
    """Absolute, without ``..``, symbolic links kept (``cache_folder`` refuses some of them)."""
    if not isinstance(value, (str, Path)) or not str(value).strip():
        raise _fail(where, "a path", value)
    if any(ord(c) < 32 or ord(c) == 127 for c in str(value)):
        raise _fail(where, "a path without NUL or other control characters", value)
    try:
        return Path(os.path.abspath(base / Path(value).expanduser()))
    except (ValueError, RuntimeError, OSError):  # "~nosuchuser" expands to itself; this is a guard
        raise _fail(where, "a path", value) from None


def _url(value: object, where: Where) -> str:
    expected = "an https:// URL (http:// only to localhost)"
    if not isinstance(value, str):
        raise _fail(where, expected, value)
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        raise _fail(where, expected, value) from None
    secure = parts.scheme == "https" or (parts.scheme == "http" and host in _LOOPBACK)
    if not host or not secure or parts.username or parts.password:
        raise _fail(where, expected + ", without credentials", value)
    return value


def _env_name(value: object, where: Where) -> str:
    if not isinstance(value, str) or not _ENV_NAME.fullmatch(value):
        raise _fail(where, "the name of an environment variable (the value stays there)", value)
    return value


def _scopes(value: object, where: Where) -> tuple[tuple[str, str], ...]:
    entries = []
    for scope, grant in _table(value, where).items():
        resource, _, right = grant.partition(":") if isinstance(grant, str) else ("", "", "")
        if not resource.strip() or right.lower() not in _RIGHTS:
            raise _fail(where.child(scope), '"resource:right" with right read or manage', grant)
        entries.append((scope, f"{resource.strip()}:{right.lower()}"))
    return tuple(entries)


def _apps(value: object, where: Where) -> tuple[tuple[str, tuple[str, ...]], ...]:
    entries = []
    for app, folders in _table(value, where).items():
        names = _str_list(folders, where.child(app), "folders relative to the root")
        for name in names:
            if not name.strip() or PurePosixPath(name).is_absolute() or ".." in name.split("/"):
                raise _fail(where.child(app), "folders relative to the root", name)
        entries.append((app, tuple(PurePosixPath(name).as_posix() for name in names)))
    return tuple(entries)


def _flag(value: object, where: Where) -> bool:
    if not isinstance(value, bool):
        raise _fail(where, "true or false", value)
    return value


_Converter = Callable[[object, Where], object]
_CONVERTERS: dict[str, _Converter] = {
    "select": _codes,
    "ignore": _codes,
    "exclude": _patterns,
    "per-file-ignores": _per_file_ignores,
    "jobs": _count(MAX_JOBS),
    "max-file-size": _size,
    "token-url": _url,
    "client-id-env": _env_name,
    "client-secret-env": _env_name,
    "warn-days": _count(MAX_WARN_DAYS),
    "scopes": _scopes,
    "apps": _apps,
}
# What a project file may set; the credential keys come from the command line or the user config.
FILE_KEYS = frozenset({*_CONVERTERS, "cache-dir"}) - CREDENTIAL_KEYS
CLI_ONLY_KEYS = frozenset({"use-cache", "extend-select", "force-exclude", *CREDENTIAL_KEYS})


def convert(key: str, value: object, where: Where, base: Path) -> object:
    """The ``Config`` value for ``key``; ``base`` is the folder relative paths start from."""
    if key == "cache-dir":
        return _path(value, where, base)
    if key in ("use-cache", "force-exclude"):
        return _flag(value, where)
    if key == "extend-select":
        return _codes(value, where)
    return _CONVERTERS[key](value, where)
