"""The command line: the only place that prints and picks exit codes.

Exit codes (interfaces: other tools depend on them): ``check`` 0 no findings, 1 findings, 2 usage,
config or internal error; ``scopes`` 0 the token covers the code (or no token), 1 grants missing,
2 error; ``token`` 0 / 2. Heavy modules (libcst, detect-secrets, PyJWT) are imported inside the
commands, so ``bolaudit --version`` and a pre-commit start stay fast.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from bolaudit import __version__
from bolaudit.bounded.limits import MAX_JOBS, MAX_TIMEOUT, MAX_WARN_DAYS, MIN_TIMEOUT
from bolaudit.cli.check import check
from bolaudit.cli.common import Seconds, emit, load, require_paths

if TYPE_CHECKING:
    from bolaudit.commands.token import Environment, KeySource, TokenSource


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bolaudit")
def main() -> None:
    """Audit code that integrates with the bol.com Retailer API."""
    # A run is short and builds many small objects it keeps (syntax trees, facts, memo tables)
    # and few reference cycles; with the default thresholds the collector walks them over and
    # over (a tenth of a small run). It still runs, only less often; peak memory is measured by
    # benchmarks/run.py (Django peak stays under its 500 MB target).
    gc.set_threshold(200_000, 50, 1000)


main.add_command(check)


@main.command()
@click.argument("code", required=False)
def rules(code: str | None) -> None:
    """List the rules, or explain one (its docs and examples)."""
    from bolaudit.commands import rules as rules_cmd

    text, status = rules_cmd.render(code.upper() if code else None)
    emit(text, "")
    sys.exit(status)


@main.command()
@click.argument("code")
def rule(code: str) -> None:
    """Explain one rule (ruff's spelling of ``bolaudit rules CODE``)."""
    from bolaudit.commands import rules as rules_cmd

    text, status = rules_cmd.render(code.upper())
    emit(text, "")
    sys.exit(status)


SCOPES_FORMATS = ("text", "json", "markdown")
TOKEN_FORMATS = ("text", "json")


def _token_options(command: Any) -> Any:
    """Where a token comes from (never an argument: ``ps`` would show it) and how to check it."""
    options = [
        click.option("--token-file", metavar="PATH", help="Read the access token or token response JSON from PATH ('-': stdin)."),
        click.option("--token-env", metavar="VAR", help="Read the access token or token response JSON from this environment variable."),
        click.option("--live", is_flag=True, help="Fetch one client-credentials token with the credentials in the environment (BOL_CLIENT_ID, BOL_CLIENT_SECRET)."),
        click.option("--token-url", metavar="URL", help="Token service for --live (https; http only to loopback)."),
        click.option("--client-id-env", metavar="VAR", help="For --live: the environment variable holding the client id (default BOL_CLIENT_ID)."),
        click.option("--client-secret-env", metavar="VAR", help="For --live: the environment variable holding the client secret (default BOL_CLIENT_SECRET)."),
        click.option("--jwks-url", metavar="URL", help="Verify the RS256 signature with this JWKS."),
        click.option("--public-key", type=click.Path(path_type=Path, dir_okay=False), help="Verify the RS256 signature with this PEM public key."),
        click.option("--warn-days", type=click.IntRange(0, MAX_WARN_DAYS), help="BOL404 when the authorisation ends within this many days (default: warn-days in the config, else 60)."),
        click.option("--timeout", type=Seconds(MIN_TIMEOUT, MAX_TIMEOUT), default=10.0, show_default=True, help="Seconds a request to the token service (or the JWKS) may take in all."),
        click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False)),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _token_inputs(token_file: str | None, token_env: str | None, live: bool,
                  live_options: dict[str, str | None], jwks_url: str | None, public_key: Path | None,
                  timeout: float) -> tuple[TokenSource, KeySource, Environment]:
    from bolaudit.commands.token import Environment, KeySource, TokenSource, check_sources

    source = TokenSource(token_file, token_env, live)
    key = KeySource(jwks_url, public_key)
    given = [f"--{name.replace('_', '-')}" for name, value in live_options.items() if value is not None]
    problem = check_sources(source, key, live_options_given=given)
    if problem is not None:
        raise click.UsageError(problem)
    return source, key, Environment(os.environ, sys.stdin.read, timeout)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(SCOPES_FORMATS), default="text", show_default=True)
@_token_options
@click.option("--exclude", multiple=True, metavar="PATTERN", help="Skip paths matching this gitignore-style pattern (relative to the repository's top), on top of each config's exclude.")
@click.option("--jobs", "-j", type=click.IntRange(0, MAX_JOBS), help="Worker processes (0: one per CPU; never more than the CPUs available).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write .bolaudit_cache.")
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False))
def scopes(
    paths: tuple[Path, ...],
    fmt: str,
    token_file: str | None,
    token_env: str | None,
    live: bool,
    token_url: str | None,
    client_id_env: str | None,
    client_secret_env: str | None,
    jwks_url: str | None,
    public_key: Path | None,
    warn_days: int | None,
    timeout: float,
    config_file: Path | None,
    exclude: tuple[str, ...],
    jobs: int | None,
    no_cache: bool,
    cache_dir: Path | None,
) -> None:
    """The bol resources and rights the code in PATHS needs; with a token, compared with its grants.

    Exit 0 when the token covers the code (or no token is given), 1 when a grant is missing or
    insufficient, 2 on an error.
    """
    from bolaudit.commands import scopes as scopes_cmd

    live_options = {"token_url": token_url, "client_id_env": client_id_env,
                    "client_secret_env": client_secret_env}
    require_paths(paths)
    source, key, env = _token_inputs(token_file, token_env, live, live_options, jwks_url, public_key, timeout)
    overrides: dict[str, Any] = {"exclude": list(exclude), "jobs": jobs, "cache_dir": cache_dir,
                                 "warn_days": warn_days, **live_options}
    if no_cache:
        overrides["use_cache"] = False
    config = load(paths, config_file, {k: (str(v) if isinstance(v, Path) else v) for k, v in overrides.items()})
    outcome = scopes_cmd.run(list(paths) or [Path(".")], config, source=source, key=key, env=env, fmt=fmt)
    emit(outcome.stdout, outcome.stderr)
    sys.exit(outcome.exit_code)


@main.command()
@click.option("--format", "fmt", type=click.Choice(TOKEN_FORMATS), default="text", show_default=True)
@_token_options
def token(
    fmt: str,
    token_file: str | None,
    token_env: str | None,
    live: bool,
    token_url: str | None,
    client_id_env: str | None,
    client_secret_env: str | None,
    jwks_url: str | None,
    public_key: Path | None,
    warn_days: int | None,
    timeout: float,
    config_file: Path | None,
) -> None:
    """Decode a token offline (stdin, --token-file, --token-env), or fetch one with --live.

    Shows the claims, client, seller, scopes with the resources and rights they grant, expiry
    and signature status; the token itself only masked. Exit 0, or 2 on an error.
    """
    from bolaudit.commands import token as token_cmd

    live_options = {"token_url": token_url, "client_id_env": client_id_env,
                    "client_secret_env": client_secret_env}
    source, key, env = _token_inputs(token_file, token_env, live, live_options, jwks_url, public_key, timeout)
    if not source.given and sys.stdin.isatty():
        raise click.UsageError("give the token on standard input, or with --token-file, --token-env or --live")
    config = load((), config_file, {"warn_days": warn_days, **live_options})
    outcome = token_cmd.run(source, key, config, env, fmt=fmt)
    emit(outcome.stdout, outcome.stderr)
    sys.exit(outcome.exit_code)
