"""Configuration: ``[tool.bolaudit]`` in pyproject.toml or ``.bolaudit.toml``, then the command line.

Resolved once into a frozen ``Config``; nothing else in bolaudit reads configuration files or
global settings. Precedence: command line > config file > default. Unknown keys and bad values are
a ``ConfigError`` naming the file and the key (exit 2). The checks of each key's value live in
``config_values``; this module finds the file, applies precedence and answers path questions.
Where credentials go (``token-url``, ``client-id-env``, ``client-secret-env``) is the exception:
command line > the user's config (``config_user``) > default; a project file's value is ignored
and ``Config.notices`` says so.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bolaudit.config.keys import (
    CLI_ONLY_KEYS,
    CREDENTIAL_KEYS,
    FILE_KEYS,
    BadValue,
    ConfigError,
    DEFAULT_MAX_FILE_SIZE,
    DEFAULT_TOKEN_URL,
    Where,
    convert,
    load_toml,
)

__all__ = [
    "DEFAULT_MAX_FILE_SIZE",
    "DEFAULT_TOKEN_URL",
    "Config",
    "ConfigError",
    "load_config",
]

CONFIG_NAME = ".bolaudit.toml"
PYPROJECT = "pyproject.toml"
DEFAULT_CACHE_NAME = ".bolaudit_cache"
MAX_CONFIG_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Config:
    # Where the configuration was found (its directory is the project root), or None.
    config_file: Path | None = None
    # Paths in excludes, per-file-ignores and reports are relative to this folder.
    root: Path = field(default_factory=Path.cwd)
    select: tuple[str, ...] = ()  # codes or prefixes ("BOL1"); empty = all
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()  # gitignore-style patterns
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    jobs: int = 0  # 0 = CPU count
    cache_dir: Path | None = None  # None = <root>/.bolaudit_cache
    use_cache: bool = True
    # Build the safe fixes of project rules (JSON, SARIF, --fix and --diff show them; text and
    # github reports do not, and skip the LibCST work).
    fixes: bool = True
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    token_url: str = DEFAULT_TOKEN_URL
    client_id_env: str = "BOL_CLIENT_ID"
    client_secret_env: str = "BOL_CLIENT_SECRET"
    warn_days: int = 60
    # [tool.bolaudit.scopes]: token scope string -> "resource:right" (overrides/additions).
    scopes: tuple[tuple[str, str], ...] = ()
    # [tool.bolaudit.apps]: app name -> folders (relative to root); wins over detection.
    apps: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # One line each for the user (printed on stderr): settings that were found but not used.
    notices: tuple[str, ...] = field(default=(), compare=False)

    def rule_enabled(self, code: str) -> bool:
        if self.select and not any(code.startswith(s) for s in self.select):
            return False
        return not any(code.startswith(i) for i in self.ignore)

    def cache_key(self) -> str:
        """What in the config can change per-file results (part of the cache key)."""
        return repr((self.select, self.ignore, self.max_file_size))

    @property
    def cache_path(self) -> Path:
        """The cache folder actually used (``cache_dir`` or ``<root>/.bolaudit_cache``)."""
        return self.cache_dir if self.cache_dir is not None else self.root / DEFAULT_CACHE_NAME

    def is_excluded(self, rel_path: str) -> bool:
        """Whether ``exclude`` matches a root-relative posix path (a trailing "/" marks a folder).

        Paths outside the root (``../x``, absolute) are never excluded: the patterns are
        relative to the root and cannot speak about them.
        """
        if not self.exclude or _outside_root(rel_path):
            return False
        from bolaudit.config.patterns import pattern_set

        return pattern_set(self.exclude).match(rel_path)

    def ignored_codes_for(self, rel_path: str) -> frozenset[str]:
        """Codes and prefixes that ``per-file-ignores`` switches off for this path."""
        if not self.per_file_ignores or _outside_root(rel_path):
            return frozenset()
        from bolaudit.config.patterns import ignore_table

        return ignore_table(self.per_file_ignores).codes_for(rel_path)

    def is_code_ignored(self, code: str, rel_path: str) -> bool:
        """``per-file-ignores`` for one finding: prefixes ("BOL1") cover the codes under them."""
        return any(code.startswith(prefix) for prefix in self.ignored_codes_for(rel_path))


def _outside_root(rel_path: str) -> bool:
    return rel_path.startswith(("/", "../")) or rel_path == ".."


def load_config(
    paths: Sequence[Path],
    overrides: Mapping[str, object] | None = None,
    *,
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Find, read and check the configuration for ``paths``, then apply the command line.

    ``config_file`` (``--config``) skips the upward search; it is a project file all the same.
    ``overrides`` use the config's key names (snake or kebab case); a value of ``None`` or an
    empty list means "not given", since that is what click passes for an absent option.
    ``environ`` (default ``os.environ``) locates the user's config.
    """
    from bolaudit.config.user import user_values

    environ = os.environ if environ is None else environ
    start = _start_folder(paths)
    git_top: Path | None = None
    if config_file is not None:
        found: Path | None = config_file.absolute()
        table = _read_table(config_file.absolute())
    else:
        found, table, git_top = _search(start)
    values: dict[str, Any] = {}
    notices: list[str] = []
    if found is not None:
        root = found.parent.resolve()
        values.update(_file_values(found, table, root, notices, environ))
    else:
        root = git_top if git_top is not None else Path.cwd().resolve()
    values.update(user_values(environ))
    values.update(_override_values(overrides or {}))
    return Config(config_file=found, root=root, notices=tuple(notices), **values)


def _start_folder(paths: Sequence[Path]) -> Path:
    if not paths:
        return Path.cwd().resolve()
    first = paths[0].resolve()
    return first if os.path.isdir(first) else first.parent


def _search(start: Path) -> tuple[Path | None, Mapping[str, object], Path | None]:
    """Walk up from ``start``: (config file, its table, git top-level when no file was found).

    In each folder ``.bolaudit.toml`` wins over ``pyproject.toml``; a pyproject without a
    ``[tool.bolaudit]`` table does not stop the search. The search ends at the top of the git
    work tree (a folder holding ``.git``), so a repository is never configured from outside it.
    """
    for folder in (start, *start.parents):
        candidate = folder / CONFIG_NAME
        if os.path.isfile(candidate):  # os.path: an unreadable folder is "no", not an error
            return candidate, _read_table(candidate), None
        candidate = folder / PYPROJECT
        if os.path.isfile(candidate):
            table = _pyproject_table(candidate)
            if table is not None:
                return candidate, table, None
        if os.path.exists(folder / ".git"):
            return None, {}, folder
    return None, {}, None


def _read_table(path: Path) -> Mapping[str, object]:
    if path.name == PYPROJECT:
        return _pyproject_table(path) or {}
    return load_toml(_shown(path), _read_bytes(path))


def _pyproject_table(path: Path) -> Mapping[str, object] | None:
    """``[tool.bolaudit]`` of a pyproject.toml, or None when it has none."""
    data = _read_bytes(path)
    if b"bolaudit" not in data:
        return None  # cheap, and a broken pyproject that is not about us is none of our business
    tool = load_toml(_shown(path), data).get("tool")
    if not isinstance(tool, dict) or "bolaudit" not in tool:
        return None
    table = tool["bolaudit"]
    if not isinstance(table, dict):
        raise ConfigError(f"{_shown(path)}: [tool.bolaudit] must be a table")
    return table


def _read_bytes(path: Path) -> bytes:
    from bolaudit.bounded.files import read_regular

    try:  # a symlink to /dev/zero, a FIFO or a huge file: an error, not a hang
        return read_regular(path, MAX_CONFIG_BYTES)
    except OSError as error:
        raise ConfigError(f"{_shown(path)}: cannot read: {error.strerror or error}") from None


def _file_values(path: Path, table: Mapping[str, object], root: Path, notices: list[str],
                 environ: Mapping[str, str]) -> dict[str, Any]:
    """The project file's settings; its credential settings are left unread (a notice says so)."""
    from bolaudit.config.user import ignored_notice

    section = "[tool.bolaudit] " if path.name == PYPROJECT else ""
    values: dict[str, Any] = {}
    ignored: list[str] = []
    for key, value in table.items():
        where = Where(f"{_shown(path)}: {section}", key)
        if key in CREDENTIAL_KEYS:
            ignored.append(key)
            continue
        if key not in FILE_KEYS:
            raise ConfigError(where.message(_unknown_key(key, FILE_KEYS, section == "")))
        values.update(_converted(key, value, where, root))
    if ignored:
        notices.append(ignored_notice(_shown(path), section, ignored, environ))
    return values


def _override_values(overrides: Mapping[str, object]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for raw_key, value in overrides.items():
        key = raw_key.replace("_", "-")
        where = Where("command line: ", f"--{key}", command_line=True)
        if key not in FILE_KEYS and key not in CLI_ONLY_KEYS:
            raise ConfigError(where.message(_unknown_key(key, FILE_KEYS | CLI_ONLY_KEYS, False)))
        if value is None or (isinstance(value, (list, tuple)) and not value):
            continue
        values.update(_converted(key, value, where, Path.cwd()))
    return values


def _converted(key: str, value: object, where: Where, base: Path) -> dict[str, Any]:
    try:
        return {key.replace("-", "_"): convert(key, value, where, base)}
    except BadValue as error:
        raise ConfigError(error.where.message(str(error))) from None


def _unknown_key(key: str, known: frozenset[str], top_level_file: bool) -> str:
    if top_level_file and key == "tool":
        return f"unknown key; in {CONFIG_NAME} the keys are top-level, without [tool.bolaudit]"
    close = difflib.get_close_matches(key.replace("_", "-"), sorted(known), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown key{hint}; known keys: {', '.join(sorted(known))}"


def _shown(path: Path) -> str:
    """A config file's name as the user knows it: relative to the current folder when inside it."""
    for folder in (Path.cwd(), Path.cwd().resolve()):
        if path.absolute().is_relative_to(folder):
            return path.absolute().relative_to(folder).as_posix()
    return str(path)
