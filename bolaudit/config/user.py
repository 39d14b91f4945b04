"""The user's own configuration: where credentials go is the user's say, never the project's.

``token-url``, ``client-id-env`` and ``client-secret-env`` decide which environment variables
``--live`` reads the client id and secret from and where they (and the secrets that
``--verify-credentials`` finds) are sent. The audited repository must not decide that: a pull
request could name any variable of the CI job and any https URL to send it to. So these keys
come only from the command line or from the user's config file,
``$XDG_CONFIG_HOME/bolaudit/config.toml`` (``~/.config/bolaudit/config.toml`` when
``XDG_CONFIG_HOME`` is unset or not absolute), keys at its top level. A project file that sets one
is not an error (it used to be the place for them): the value is ignored, unread, with a notice.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from bolaudit.config.keys import CREDENTIAL_KEYS, BadValue, ConfigError, Where, convert, load_toml

USER_CONFIG = Path("bolaudit") / "config.toml"
MAX_USER_CONFIG = 64 * 1024  # three short keys; anything bigger is not this file


def user_config_path(environ: Mapping[str, str]) -> Path | None:
    """Where the user's config would be (it need not exist); None without a home folder."""
    base = environ.get("XDG_CONFIG_HOME", "")
    if base and os.path.isabs(base):  # the XDG spec: a relative value is to be ignored
        return Path(base) / USER_CONFIG
    home = environ.get("HOME", "")
    if not home:
        try:
            home = str(Path.home())
        except (RuntimeError, KeyError):  # no HOME and no passwd entry
            return None
    return Path(home) / ".config" / USER_CONFIG


def shown_path(path: Path | None, environ: Mapping[str, str]) -> str:
    """The user config's name in messages: ``~/...`` under the home folder."""
    if path is None:
        return "~/.config/bolaudit/config.toml"
    home = environ.get("HOME", "")
    if home and os.path.isabs(home) and path.is_relative_to(home):
        return "~/" + path.relative_to(home).as_posix()
    return str(path)


def user_values(environ: Mapping[str, str]) -> dict[str, Any]:
    """The credential settings in the user's config, checked; {} when there is no such file."""
    path = user_config_path(environ)
    if path is None or not os.path.isfile(path):
        return {}
    shown = shown_path(path, environ)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_USER_CONFIG + 1)
    except OSError as error:
        raise ConfigError(f"{shown}: cannot read: {error.strerror or error}") from None
    if len(data) > MAX_USER_CONFIG:
        raise ConfigError(f"{shown}: larger than {MAX_USER_CONFIG // 1024} KiB; it holds three short keys")
    values: dict[str, Any] = {}
    for key, value in load_toml(shown, data).items():
        where = Where(f"{shown}: ", key)
        if key not in CREDENTIAL_KEYS:
            raise ConfigError(where.message(
                f"not a user setting; the user config holds only {_listed(sorted(CREDENTIAL_KEYS))} "
                "(project settings go in the project's pyproject.toml or .bolaudit.toml)"))
        try:
            values[key.replace("-", "_")] = convert(key, value, where, path.parent)
        except BadValue as error:
            raise ConfigError(error.where.message(str(error))) from None
    return values


def ignored_notice(file_shown: str, section: str, keys: Iterable[str], environ: Mapping[str, str]) -> str:
    """One line saying that a project file's credential settings were not used, and where they go."""
    names = _listed(sorted(keys))
    user = shown_path(user_config_path(environ), environ)
    return (f"{file_shown}: {section}{names} ignored: where credentials go is set only on the command "
            f"line or in your user config ({user}), never by the audited project")


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
