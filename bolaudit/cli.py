"""The command line: the only place that prints and picks exit codes.

Exit codes (interfaces: other tools depend on them): ``check`` 0 no findings, 1 findings, 2 usage,
config or internal error; ``scopes`` 0 the token covers the code (or no token), 1 grants missing,
2 error; ``token`` 0 / 2. Heavy modules (libcst, detect-secrets, PyJWT) are imported inside the
commands, so ``bolaudit --version`` and a pre-commit start stay fast.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from bolaudit import __version__

CHECK_FORMATS = ("text", "json", "sarif", "github")


def _split_codes(values: tuple[str, ...]) -> tuple[str, ...]:
    out: list[str] = []
    for v in values:
        out.extend(c.strip().upper() for c in v.split(",") if c.strip())
    return tuple(out)


def _config(paths: tuple[Path, ...], config_file: Path | None, overrides: dict[str, Any]) -> Any:
    from bolaudit.config import ConfigError, load_config

    try:
        return load_config(list(paths) or [Path(".")], overrides, config_file=config_file)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="bolaudit")
def main() -> None:
    """Audit code that integrates with the bol.com Retailer API."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(CHECK_FORMATS), default="text", show_default=True)
@click.option("--select", multiple=True, help="Only these rule codes or prefixes (BOL1, BOL301).")
@click.option("--ignore", multiple=True, help="Skip these rule codes or prefixes.")
@click.option("--exclude", multiple=True, help="Gitignore-style pattern of paths to skip.")
@click.option("--config", "config_file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--jobs", "-j", type=click.IntRange(min=0), help="Worker processes (0: one per CPU).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write .bolaudit_cache.")
@click.option("--cache-dir", type=click.Path(path_type=Path, file_okay=False))
@click.option("--baseline", type=click.Path(path_type=Path, dir_okay=False), help="Hide findings accepted in this baseline.")
@click.option("--write-baseline", type=click.Path(path_type=Path, dir_okay=False), help="Accept the current findings into this baseline.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when there are findings.")
@click.option("--statistics", is_flag=True, help="Count findings per rule.")
def check(
    paths: tuple[Path, ...],
    fmt: str,
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    exclude: tuple[str, ...],
    config_file: Path | None,
    jobs: int | None,
    no_cache: bool,
    cache_dir: Path | None,
    baseline: Path | None,
    write_baseline: Path | None,
    exit_zero: bool,
    statistics: bool,
) -> None:
    """Run the rules on PATHS (files or folders; default: the current folder)."""
    from bolaudit.commands import check as run_check

    overrides: dict[str, Any] = {}
    if select:
        overrides["select"] = list(_split_codes(select))
    if ignore:
        overrides["ignore"] = list(_split_codes(ignore))
    if exclude:
        overrides["exclude"] = list(exclude)
    if jobs is not None:
        overrides["jobs"] = jobs
    if no_cache:
        overrides["use_cache"] = False
    if cache_dir is not None:
        overrides["cache_dir"] = str(cache_dir)
    config = _config(paths, config_file, overrides)
    outcome = run_check.run(
        list(paths) or [Path(".")],
        config,
        fmt=fmt,
        baseline=baseline,
        write_baseline=write_baseline,
        statistics=statistics,
        color=_color(),
    )
    _emit(outcome.stdout, outcome.stderr)
    code = outcome.exit_code
    if exit_zero and code == 1:
        code = 0
    sys.exit(code)


@main.command()
@click.argument("code", required=False)
def rules(code: str | None) -> None:
    """List the rules, or explain one (its docs and examples)."""
    from bolaudit.commands import rules as rules_cmd

    text, status = rules_cmd.render(code.upper() if code else None)
    _emit(text, "")
    sys.exit(status)


def _color() -> bool:
    from bolaudit.report import color_wanted

    return color_wanted(sys.stdout.isatty(), os.environ)


def _emit(stdout: str, stderr: str) -> None:
    if stdout:
        click.echo(stdout, nl=not stdout.endswith("\n"))
    if stderr:
        click.echo(stderr, err=True, nl=not stderr.endswith("\n"))


if __name__ == "__main__":  # pragma: no cover
    main()
