"""What every command's command line shares: option types, loading the config, checking paths,
and printing (the only place besides ``cli`` and ``cli.check`` that writes to the terminal)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click


class Seconds(click.FloatRange):
    """A number of seconds in a range; unlike ``FloatRange``, "nan" (which compares false with
    both bounds) is refused."""

    name = "seconds"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        seconds = super().convert(value, param, ctx)
        if seconds != seconds:  # nan
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        return seconds


def split_codes(values: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for v in values:
        out.extend(c.strip().upper() for c in v.split(",") if c.strip())
    return tuple(out)


def load(paths: tuple[Path, ...], config_file: Path | None, overrides: dict[str, Any], *,
         notices: bool = True) -> Any:
    """The config for ``paths`` (a ``bolaudit.config.Config``); a bad one is a usage error."""
    from bolaudit.config import ConfigError, load_config

    require_cwd()
    try:
        config = load_config(list(paths) or [Path(".")], overrides, config_file=config_file)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    for notice in config.notices if notices else ():
        click.echo(f"bolaudit: {notice}", err=True)
    return config


def require_paths(paths: tuple[Path, ...]) -> None:
    """Every path named exists and can be read: a typo must not pass as a clean audit (exit 2)."""
    for path in paths:
        shown = click.format_filename(path)
        if not os.path.exists(path):
            link = " (a symlink to nowhere)" if os.path.islink(path) else ""
            raise click.UsageError(f"path {shown} does not exist{link}")
        folder = os.path.isdir(path)
        if not os.access(path, os.R_OK | (os.X_OK if folder else 0)):
            raise click.UsageError(f"path {shown} cannot be read (permission denied)")


def require_cwd() -> None:
    """Reports show paths relative to the repository; a current folder that was deleted (a shell
    left in a removed build folder) is a usage error, not a traceback from ``Path.cwd()``."""
    try:
        os.getcwd()
    except OSError as exc:
        reason = "it was deleted" if isinstance(exc, FileNotFoundError) else (exc.strerror or str(exc)).lower()
        raise click.UsageError(f"the current folder cannot be used ({reason}); cd into an existing folder") from None


def color() -> bool:
    from bolaudit.report import color_wanted

    return color_wanted(sys.stdout.isatty(), os.environ)


def emit(stdout: str, stderr: str) -> None:
    if stdout:
        echo(stdout, err=False)
    if stderr:
        echo(stderr, err=True)


def echo(text: str, err: bool) -> None:
    """Print ``text`` (with a final newline). A file name that is not UTF-8 (kept in lone
    surrogates) or a character the stream's encoding lacks must not turn a finished report into
    a traceback: such text is written as bytes, names as they are on disk, the rest escaped."""
    text = text if text.endswith("\n") else text + "\n"
    try:
        click.echo(text, err=err, nl=False)
    except UnicodeEncodeError:
        encoding = getattr(sys.stderr if err else sys.stdout, "encoding", None) or "utf-8"
        click.echo(encoded(text, encoding), err=err, nl=False)


def encoded(text: str, encoding: str = "utf-8") -> bytes:
    try:
        return text.encode(encoding, "surrogateescape")
    except UnicodeEncodeError:
        return text.encode(encoding, "backslashreplace")
