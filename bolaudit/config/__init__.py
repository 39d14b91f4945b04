"""Configuration: ``[tool.bolaudit]`` in pyproject.toml or ``.bolaudit.toml``, then the command line.

Resolved once into a frozen ``Config``; nothing else in bolaudit reads configuration files or
global settings. Two kinds of settings:

* per file (``select``, ``ignore``, ``exclude``, ``per-file-ignores``): each file is judged by the
  nearest config above it (``tree``), found while the files are listed; ``Config.layers`` holds
  them, and the command line adjusts every one (``CommandLine``, ``rulesets``);
* the run's own (``cache-dir``, ``jobs``, ``max-file-size``, ``warn-days``, ``scopes``, ``apps``):
  from the config nearest the folder holding every path given, or ``--config``.

``--config FILE`` judges every file by that file alone, its patterns relative to the top of the
run. Precedence: command line > config file > default. Unknown keys and bad values are a
``ConfigError`` naming the file and the key (exit 2); the checks live in ``keys``. Where
credentials go (``token-url``, ``client-id-env``, ``client-secret-env``) is the exception: command
line > the user's config (``user``) > default; a project file's value is ignored with a notice.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import field
from functools import cached_property
from pathlib import Path
from typing import Any

from bolaudit.config.keys import (
    CLI_ONLY_KEYS,
    FILE_KEYS,
    ConfigError,
    DEFAULT_MAX_FILE_SIZE,
    DEFAULT_TOKEN_URL,
    Where,
)
from bolaudit.config.tree import Layer
from bolaudit.records import record

__all__ = [
    "DEFAULT_MAX_FILE_SIZE",
    "DEFAULT_TOKEN_URL",
    "CommandLine",
    "Config",
    "ConfigError",
    "Layer",
    "load_config",
]

DEFAULT_CACHE_NAME = ".bolaudit_cache"


@record
class CommandLine:
    """What the command line says about every file, whatever its config: ``select`` (given:
    replaces the config's ``select`` and ``ignore``), ``extend_select`` and ``ignore`` (adjust
    them), ``exclude`` (patterns relative to the root, added to the config's), and
    ``force_exclude`` (paths named on the command line are excluded too)."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    force_exclude: bool = False


@record
class Config:
    # The file the run's own settings came from (``--config``, or the nearest config), or None.
    config_file: Path | None = None
    # The top of the run: reports, excludes and per-file-ignores of this config, and the cache
    # speak of paths relative to it (``tree.run_top``: the repository's top).
    root: Path = field(default_factory=Path.cwd)
    # The settings for files no config judges (or every file, with ``--config``); root-relative.
    select: tuple[str, ...] = ()  # codes or prefixes ("BOL1"); empty = all
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()  # gitignore-style patterns
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    # Look for the nearest config above each file (``load_config`` without ``--config``).
    nested: bool = False
    # The configs found for the files (set while the files are listed), nearest last.
    layers: tuple[Layer, ...] = ()
    command_line: CommandLine = CommandLine()
    jobs: int = 0  # 0 = CPU count
    cache_dir: Path | None = None  # None = <root>/.bolaudit_cache
    use_cache: bool = True
    # Build the safe fixes of project rules (reports mark or show them; --fix applies them).
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

    @cached_property
    def base(self) -> Layer:
        """The settings of files no config judges, as a layer at the root (made once: listing
        asks for it per folder)."""
        return Layer(self.config_file, "", "", self.select, self.ignore, self.exclude, self.per_file_ignores)

    def layer_for(self, rel_path: str) -> Layer:
        """The layer judging a root-relative path: its nearest config, else ``base``."""
        found = self.base
        for layer in self.layers:  # nearest last
            if layer.contains(rel_path):
                found = layer
        return found

    def rule_enabled(self, code: str, rel_path: str | None = None) -> bool:
        """Whether ``code`` runs on ``rel_path``; without a path, whether it runs on any file."""
        from bolaudit.config.rulesets import enabled

        if rel_path is not None:
            return enabled(code, self._stages(self.layer_for(rel_path)))
        return any(enabled(code, self._stages(layer)) for layer in (self.base, *self.layers))

    def enabled_by_command_line(self, code: str) -> bool:
        """Whether the command line leaves ``code`` on (configs aside)."""
        from bolaudit.config.rulesets import enabled

        cli = self.command_line
        return enabled(code, [(cli.select or ("BOL",), cli.ignore)])

    def _stages(self, layer: Layer) -> list[tuple[Sequence[str], Sequence[str]]]:
        from bolaudit.config.rulesets import stages

        cli = self.command_line
        return stages(layer.select, layer.ignore, cli.select, cli.extend_select, cli.ignore)

    def cache_key(self) -> str:
        """What in the config can change per-file results (part of the cache key)."""
        return repr((self.select, self.ignore, self.max_file_size))

    @property
    def cache_path(self) -> Path:
        """The cache folder actually used (``cache_dir`` or ``<root>/.bolaudit_cache``)."""
        return self.cache_dir if self.cache_dir is not None else self.root / DEFAULT_CACHE_NAME

    def is_excluded(self, rel_path: str) -> bool:
        """Whether the root's ``exclude`` or ``--exclude`` matches a root-relative posix path (a
        trailing "/" marks a folder). Paths outside the root (``../x``, absolute) are never
        excluded: the patterns are relative to the root and cannot speak about them. Files under
        another config are ``pipeline.exclusion``'s business."""
        patterns = self.exclude + self.command_line.exclude
        if not patterns or _outside_root(rel_path):
            return False
        from bolaudit.config.patterns import pattern_set

        return pattern_set(patterns).match(rel_path)

    def ignored_codes_for(self, rel_path: str) -> frozenset[str]:
        """Codes and prefixes that ``per-file-ignores`` of the path's config switches off."""
        layer = self.layer_for(rel_path)
        if not layer.per_file_ignores or _outside_root(rel_path):
            return frozenset()
        from bolaudit.config.patterns import ignore_table

        return ignore_table(layer.per_file_ignores).codes_for(layer.local(rel_path))

    def is_code_ignored(self, code: str, rel_path: str) -> bool:
        """``per-file-ignores`` for one finding: prefixes ("BOL1") cover the codes under them."""
        return any(code.startswith(prefix) for prefix in self.ignored_codes_for(rel_path))


def _outside_root(rel_path: str) -> bool:
    return rel_path.startswith(("/", "../")) or rel_path == ".."


# Command-line keys that speak about files (``CommandLine``), and their field names.
_COMMAND_LINE = {"select": "select", "extend-select": "extend_select", "ignore": "ignore",
                 "exclude": "exclude", "force-exclude": "force_exclude"}


def load_config(
    paths: Sequence[Path],
    overrides: Mapping[str, object] | None = None,
    *,
    config_file: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Config:
    """Find, read and check the configuration for ``paths``, then apply the command line.

    ``config_file`` (``--config``) skips the search; it is a project file all the same.
    ``overrides`` use the config's key names (snake or kebab case); a value of ``None`` or an
    empty list means "not given", since that is what click passes for an absent option.
    ``environ`` (default ``os.environ``) locates the user's config and the home folder.
    """
    from bolaudit.config.files import file_values, read_table, shown
    from bolaudit.config.tree import ConfigTree, common_folder, home_folder, per_file, run_top
    from bolaudit.config.user import ignored_notice, user_values

    environ = os.environ if environ is None else environ
    cwd = Path.cwd().resolve()
    root = run_top(paths, cwd)
    values: dict[str, Any] = {}
    notices: list[str] = []
    found: Path | None = None
    layers: tuple[Layer, ...] = ()
    if config_file is not None:
        found = config_file.absolute()  # every relative path in it is relative to the root
        values, ignored = file_values(found, read_table(found), root)
    else:
        tree = ConfigTree(root, home_folder(environ))
        layer = tree.governing(common_folder(paths, cwd))
        if layer is not None and layer.error:
            raise ConfigError(layer.error)
        ignored = []
        if layer is not None and layer.config_file is not None:
            found = layer.config_file
            values, ignored = file_values(found, read_table(found), found.parent)
            if found.parent.resolve() != root:  # else they also judge files no config judges
                values = {key: value for key, value in values.items() if key not in per_file(values)}
            if "apps" in values:
                values["apps"] = _apps_from_root(values["apps"], found.parent.resolve(), root)
            layers = (layer,)
    if ignored:
        section = "[tool.bolaudit] " if found is not None and found.name == "pyproject.toml" else ""
        notices.append(ignored_notice(shown(found or Path()), section, ignored, environ))
    values.update(user_values(environ))
    command_line, rest = _override_values(overrides or {})
    values.update(rest)
    return Config(config_file=found, root=root, nested=config_file is None, layers=layers,
                  command_line=command_line, notices=tuple(notices), **values)


def _apps_from_root(apps: tuple[tuple[str, tuple[str, ...]], ...], folder: Path,
                    root: Path) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``[tool.bolaudit.apps]`` folders are relative to the config's folder; the apps module
    reads them relative to the root."""
    if folder == root or not folder.is_relative_to(root):
        return apps
    prefix = folder.relative_to(root).as_posix() + "/"
    return tuple((app, tuple(prefix + entry for entry in entries)) for app, entries in apps)


def _override_values(overrides: Mapping[str, object]) -> tuple[CommandLine, dict[str, Any]]:
    from bolaudit.config.files import converted, unknown_key

    values: dict[str, Any] = {}
    command_line: dict[str, Any] = {}
    for raw_key, value in overrides.items():
        key = raw_key.replace("_", "-")
        where = Where("command line: ", f"--{key}", command_line=True)
        if key not in FILE_KEYS and key not in CLI_ONLY_KEYS:
            raise ConfigError(where.message(unknown_key(key, FILE_KEYS | CLI_ONLY_KEYS, False)))
        if value is None or (isinstance(value, (list, tuple)) and not value):
            continue
        ((name, checked),) = converted(key, value, where, Path.cwd()).items()
        if key in _COMMAND_LINE:
            command_line[_COMMAND_LINE[key]] = checked
        else:
            values[name] = checked
    return CommandLine(**command_line), values
