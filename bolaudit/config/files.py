"""Config files: which file in a folder configures bolaudit, reading it, and checking its keys.

In a folder ``.bolaudit.toml`` wins over ``pyproject.toml``; a pyproject without a
``[tool.bolaudit]`` table is no config (and a broken one that is not about us is none of our
business). Every key of a file is checked wherever the file is used, so a typo is an error (exit 2)
naming the file and the key, whether the file configures the whole run or a folder of it.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from bolaudit.config.keys import (
    CREDENTIAL_KEYS,
    FILE_KEYS,
    BadValue,
    ConfigError,
    Where,
    convert,
    load_toml,
)

CONFIG_NAME = ".bolaudit.toml"
PYPROJECT = "pyproject.toml"
MAX_CONFIG_BYTES = 4 * 1024 * 1024
# What a config says about single files: which rules, which paths. The other keys (cache-dir,
# jobs, max-file-size, warn-days, scopes, apps) are the run's, taken from one file (``tree``).
PER_FILE_KEYS = frozenset({"select", "ignore", "exclude", "per-file-ignores"})


def config_in(folder: Path) -> tuple[Path, Mapping[str, object]] | None:
    """The config file of ``folder`` and its table, or None. ``ConfigError`` when it is broken."""
    candidate = folder / CONFIG_NAME
    if os.path.isfile(candidate):  # os.path: an unreadable folder is "no", not an error
        return candidate, read_table(candidate)
    candidate = folder / PYPROJECT
    if os.path.isfile(candidate):
        table = pyproject_table(candidate)
        if table is not None:
            return candidate, table
    return None


def read_table(path: Path) -> Mapping[str, object]:
    if path.name == PYPROJECT:
        return pyproject_table(path) or {}
    return load_toml(shown(path), _read_bytes(path))


def pyproject_table(path: Path) -> Mapping[str, object] | None:
    """``[tool.bolaudit]`` of a pyproject.toml, or None when it has none."""
    data = _read_bytes(path)
    if b"bolaudit" not in data:
        return None  # cheap, and a broken pyproject that is not about us is none of our business
    tool = load_toml(shown(path), data).get("tool")
    if not isinstance(tool, dict) or "bolaudit" not in tool:
        return None
    table = tool["bolaudit"]
    if not isinstance(table, dict):
        raise ConfigError(f"{shown(path)}: [tool.bolaudit] must be a table")
    return table


def _read_bytes(path: Path) -> bytes:
    from bolaudit.bounded.files import read_regular

    try:  # a symlink to /dev/zero, a FIFO or a huge file: an error, not a hang
        return read_regular(path, MAX_CONFIG_BYTES)
    except OSError as error:
        raise ConfigError(f"{shown(path)}: cannot read: {error.strerror or error}") from None


def file_values(path: Path, table: Mapping[str, object], base: Path) -> tuple[dict[str, Any], list[str]]:
    """Every setting of a config file, checked, and the credential keys it set (left unread:
    where credentials go is the user's say, see ``config.user``). ``base``: where the file's
    relative paths start (``cache-dir``)."""
    section = "[tool.bolaudit] " if path.name == PYPROJECT else ""
    values: dict[str, Any] = {}
    ignored: list[str] = []
    for key, value in table.items():
        where = Where(f"{shown(path)}: {section}", key)
        if key in CREDENTIAL_KEYS:
            ignored.append(key)
            continue
        if key not in FILE_KEYS:
            raise ConfigError(where.message(unknown_key(key, FILE_KEYS, section == "")))
        values.update(converted(key, value, where, base))
    return values, ignored


def converted(key: str, value: object, where: Where, base: Path) -> dict[str, Any]:
    try:
        return {key.replace("-", "_"): convert(key, value, where, base)}
    except BadValue as error:
        raise ConfigError(error.where.message(str(error))) from None


def unknown_key(key: str, known: frozenset[str], top_level_file: bool) -> str:
    if top_level_file and key == "tool":
        return f"unknown key; in {CONFIG_NAME} the keys are top-level, without [tool.bolaudit]"
    close = difflib.get_close_matches(key.replace("_", "-"), sorted(known), n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown key{hint}; known keys: {', '.join(sorted(known))}"


def shown(path: Path) -> str:
    """A config file's name as the user knows it: relative to the current folder when inside it."""
    for folder in (Path.cwd(), Path.cwd().resolve()):
        if path.absolute().is_relative_to(folder):
            return path.absolute().relative_to(folder).as_posix()
    return str(path)
